// Package variants is the one list of the backend variants authbench
// serves and measures: for each, its name, what it needs (a Redis, a
// standalone Redis for go-redis's client-side cache, nothing), how soon a
// revocation takes effect as a bound with a unit, its colour and marker in
// charts, and how to build it from one Config. The command line, the load
// test, the report and the tests read this table instead of keeping their
// own lists, so a new variant is its package's code plus one entry here.
package variants

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/authbench/authbench"
	"github.com/authbench/authbench/jwtauth"
	"github.com/authbench/authbench/server"
	"github.com/authbench/authbench/sessionauth"
	"github.com/redis/go-redis/v9"
)

// Store is where a variant keeps the state a request consults.
type Store int

const (
	// NoStore: every request is checked from the credential alone.
	NoStore Store = iota
	// RedisStore: every request consults Redis (a single node or a
	// cluster).
	RedisStore
	// CachedRedisStore: every request reads Redis through go-redis's
	// client-side cache, which needs a standalone Redis (RESP3, database
	// 0, no cluster).
	CachedRedisStore
	// ProcessStore: the state lives in the serving process's memory, so a
	// credential works only on the instance that issued it.
	ProcessStore
)

// Defaults applied by New to zero Config fields.
const (
	// DefaultShortTTL is jwt-short's access-token lifetime.
	DefaultShortTTL = time.Minute
	// DefaultMaxStaleness bounds a cached variant's cached answers.
	DefaultMaxStaleness = time.Second
)

// Config is everything a variant can be built from; each variant reads
// the fields it needs. Zero durations take the packages' defaults.
type Config struct {
	// JWT variants.
	Keys             *jwtauth.Keys // required by every jwt variant
	Issuer, Audience string
	AccessTTL        time.Duration
	RefreshTTL       time.Duration
	Leeway           time.Duration
	// ShortTTL is jwt-short's access TTL (default DefaultShortTTL): its
	// revocation window, and how often its clients refresh.
	ShortTTL time.Duration

	// Session variants.
	IdleTimeout, AbsoluteTimeout time.Duration
	Unsigned                     bool
	HashKey                      []byte

	// Redis is the store of the RedisStore variants; Prefix goes before
	// every key.
	Redis  redis.UniversalClient
	Prefix string
	// CachingRedis is the store of the CachedRedisStore variants: a
	// standalone client with go-redis's client-side cache, built with
	// MaxStaleness as its bound (redisprov.CachingClientOptions).
	CachingRedis *redis.Client
	// MaxStaleness is the bound the cached variants state (default
	// DefaultMaxStaleness); it must be the one CachingRedis enforces.
	MaxStaleness time.Duration

	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Bound is how long after a revocation a copied credential can still be
// accepted; it lives in the root package so that Info can carry it.
type Bound = authbench.Bound

// Variant is one entry of the registry.
type Variant struct {
	// Name is the variant's name on the command line, in scenarios and
	// in results; the backend's Info().Name says the same.
	Name string
	// Summary is one line for --help.
	Summary string
	// Store is what the variant needs to run.
	Store Store
	// JWT variants sign tokens: Config.Keys is required.
	JWT bool
	// Colour and Marker draw the variant in every chart, the same
	// everywhere: the Okabe–Ito palette, which colour-blind readers can
	// tell apart, and a distinct marker as a second cue.
	Colour, Marker string

	build func(Config) (authbench.Backend, error)
	// window is how long a copied credential of a variant without a
	// store stays good after logout (its token's lifetime); nil: never
	// revocable. The variants with a store need none: their bounds follow
	// from Store.
	window func(Config) time.Duration
}

// New builds the variant's backend from cfg.
func (v Variant) New(cfg Config) (authbench.Backend, error) {
	cfg = cfg.withDefaults()
	switch {
	case v.Store == RedisStore && cfg.Redis == nil:
		return nil, fmt.Errorf("variants: %s needs a Redis (Config.Redis)", v.Name)
	case v.Store == CachedRedisStore && cfg.CachingRedis == nil:
		return nil, fmt.Errorf("variants: %s needs a standalone Redis with go-redis's client-side cache (Config.CachingRedis); "+
			"the cache does not work on a Redis Cluster", v.Name)
	}
	return v.build(cfg)
}

// Bounds returns how soon logout and revoke-user take effect on a copied
// credential, for the variant built from cfg: at once with a store read
// on every request, within the cache's staleness through the cache, and
// without a store only by expiry (logout) or never.
func (v Variant) Bounds(cfg Config) (logout, revokeUser Bound) {
	cfg = cfg.withDefaults()
	switch v.Store {
	case RedisStore, ProcessStore:
		return immediate, immediate
	case CachedRedisStore:
		b := Bound{Max: cfg.MaxStaleness, Basis: "cache staleness"}
		return b, b
	}
	if v.window == nil {
		return never, never
	}
	return Bound{Max: v.window(cfg), Basis: "access TTL"}, never
}

func (cfg Config) withDefaults() Config {
	if cfg.ShortTTL == 0 {
		cfg.ShortTTL = DefaultShortTTL
	}
	if cfg.MaxStaleness == 0 {
		cfg.MaxStaleness = DefaultMaxStaleness
	}
	if cfg.AccessTTL == 0 {
		cfg.AccessTTL = jwtauth.DefaultAccessTTL
	}
	return cfg
}

// ErrUnknown: no variant has that name.
var ErrUnknown = errors.New("unknown variant")

// Lookup returns the variant called name.
func Lookup(name string) (Variant, error) {
	for _, v := range registry {
		if v.Name == name {
			return v, nil
		}
	}
	return Variant{}, fmt.Errorf("%w %q (want one of %s)", ErrUnknown, name, strings.Join(Names(), ", "))
}

// All returns every variant, in the registry's order.
func All() []Variant { return slices.Clone(registry) }

// Names returns every variant's name, in the registry's order.
func Names() []string {
	out := make([]string, len(registry))
	for i, v := range registry {
		out[i] = v.Name
	}
	return out
}

// jwtConfig is the part of cfg every jwt variant shares.
func jwtConfig(cfg Config) (jwtauth.Config, error) {
	if cfg.Keys == nil {
		return jwtauth.Config{}, errors.New("variants: a jwt variant needs Config.Keys")
	}
	return jwtauth.Config{
		Keys: cfg.Keys, Issuer: cfg.Issuer, Audience: cfg.Audience,
		AccessTTL: cfg.AccessTTL, RefreshTTL: cfg.RefreshTTL, Leeway: cfg.Leeway,
		Prefix: cfg.Prefix, Now: cfg.Now,
	}, nil
}

// sessionConfig is the part of cfg every session variant shares.
func sessionConfig(cfg Config) sessionauth.Config {
	return sessionauth.Config{
		IdleTimeout: cfg.IdleTimeout, AbsoluteTimeout: cfg.AbsoluteTimeout,
		Unsigned: cfg.Unsigned, HashKey: cfg.HashKey, Prefix: cfg.Prefix, Now: cfg.Now,
	}
}

// jwtVariant builds a jwt variant: edit sets what sets it apart.
func jwtVariant(edit func(*jwtauth.Config, Config)) func(Config) (authbench.Backend, error) {
	return func(cfg Config) (authbench.Backend, error) {
		jc, err := jwtConfig(cfg)
		if err != nil {
			return nil, err
		}
		edit(&jc, cfg)
		return jwtauth.New(jc)
	}
}

// sessionVariant builds a session variant: edit sets its storage.
func sessionVariant(edit func(*sessionauth.Config, Config)) func(Config) (authbench.Backend, error) {
	return func(cfg Config) (authbench.Backend, error) {
		sc := sessionConfig(cfg)
		edit(&sc, cfg)
		return sessionauth.New(sc)
	}
}

var (
	never     = Bound{Never: true}
	immediate = Bound{}
)

// registry is the table. The order is the order of tables and legends:
// the baseline, then from stateless to fully stateful.
var registry = []Variant{
	{Name: "none", Summary: "no authentication at all: the baseline for measurements",
		Store: NoStore, Colour: "#999999", Marker: "cross",
		build: func(Config) (authbench.Backend, error) { return server.NoAuth{}, nil }},
	{Name: "jwt", JWT: true, Summary: "stateless JWT (golang-jwt/jwt/v5): no store; logout cannot revoke a copied token before it expires",
		Store: NoStore, Colour: "#0072B2", Marker: "circle",
		build:  jwtVariant(func(*jwtauth.Config, Config) {}),
		window: func(c Config) time.Duration { return c.AccessTTL }},
	{Name: "jwt-short", JWT: true, Summary: "stateless JWT with a short access TTL (--short-ttl, default 1m): the window is the TTL, the price is refreshes",
		Store: NoStore, Colour: "#56B4E9", Marker: "triangle",
		build: jwtVariant(func(jc *jwtauth.Config, c Config) {
			jc.AccessTTL, jc.Name = c.ShortTTL, "jwt-short"
		}),
		window: func(c Config) time.Duration { return c.ShortTTL }},
	{Name: "jwt-epoch", JWT: true, Summary: "JWT plus one per-user revoked-before mark in Redis, read through the client-side cache: logout ends every login of that user",
		Store: CachedRedisStore, Colour: "#009E73", Marker: "square",
		build: jwtVariant(func(jc *jwtauth.Config, c Config) {
			jc.Blacklist, jc.Epoch, jc.Name = c.CachingRedis, true, "jwt-epoch"
		})},
	{Name: "jwt-blacklist-cached", JWT: true, Summary: "the article's blacklist read through go-redis's client-side cache (RESP3 CLIENT TRACKING)",
		Store: CachedRedisStore, Colour: "#F0E442", Marker: "diamond",
		build: jwtVariant(func(jc *jwtauth.Config, c Config) {
			jc.Blacklist = c.CachingRedis
		})},
	{Name: "jwt-blacklist", JWT: true, Summary: "JWT plus the article's Redis blacklist: one Redis round trip per request; logout and revoke-user take effect at once",
		Store: RedisStore, Colour: "#E69F00", Marker: "pyramid",
		build: jwtVariant(func(jc *jwtauth.Config, c Config) {
			jc.Blacklist = c.Redis
		})},
	{Name: "session-cached", Summary: "server-side sessions read through go-redis's client-side cache: a deleted session is invalidated by Redis",
		Store: CachedRedisStore, Colour: "#CC79A7", Marker: "ring",
		build: sessionVariant(func(sc *sessionauth.Config, c Config) {
			sc.Client = c.CachingRedis
		})},
	{Name: "session", Summary: "server-side sessions (gorilla/sessions on Redis): the cookie holds only a session ID; one Redis round trip per request",
		Store: RedisStore, Colour: "#D55E00", Marker: "plus",
		build: sessionVariant(func(sc *sessionauth.Config, c Config) {
			sc.Client = c.Redis
		})},
	{Name: "session-memory", Summary: "the same sessions in this process's memory: no Redis, but a session works only on the instance that issued it",
		Store: ProcessStore, Colour: "#000000", Marker: "circle-open",
		build: sessionVariant(func(sc *sessionauth.Config, _ Config) {
			sc.Memory, sc.Prefix = true, ""
		})},
}
