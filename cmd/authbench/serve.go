package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/authbench/authbench"
	"github.com/authbench/authbench/jwtauth"
	"github.com/authbench/authbench/redisprov"
	"github.com/authbench/authbench/server"
	"github.com/authbench/authbench/variants"
)

// serveConfig is everything "authbench serve" is told on its command line.
type serveConfig struct {
	backend     string
	addr        string
	redisAddr   string
	redisAddrs  string // comma-separated: a Redis Cluster
	redisPrefix string

	alg, keyFile     string
	issuer, audience string
	accessTTL        time.Duration
	refreshTTL       time.Duration
	leeway           time.Duration
	idleTimeout      time.Duration
	absoluteTimeout  time.Duration
	sessionUnsigned  bool
	sessionKeyFile   string
	users            int
	password         string
	bcryptCost       int
	tlsCert, tlsKey  string
	adminToken       string
	shutdownTimeout  time.Duration
	refreshInterval  time.Duration
	debugRuntime     bool
	shortTTL         time.Duration
	maxStaleness     time.Duration
}

// usesRedis reports whether backend keeps state in Redis, so that serve
// must find or start one, and whether it reads it through go-redis's
// client-side cache (which needs a standalone Redis).
func usesRedis(backend string) (redis, cached bool) {
	v, err := variants.Lookup(backend)
	if err != nil {
		return false, false
	}
	return v.Store == variants.RedisStore || v.Store == variants.CachedRedisStore, v.Store == variants.CachedRedisStore
}

// backendsHelp lists the registry's variants for --help, one a line.
func backendsHelp() string {
	var b strings.Builder
	for _, v := range variants.All() {
		fmt.Fprintf(&b, "  %-21s %s\n", v.Name, v.Summary)
	}
	return b.String()
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c serveConfig
	fs := newFlagSet("serve", `Usage: authbench serve [flags]

Serves the handler set (POST /auth/login, GET /api/me, POST /auth/refresh,
POST /auth/logout, POST /admin/revoke-user, GET /healthz) with one backend,
until SIGINT or SIGTERM, then shuts down gracefully.

Backends:
`+backendsHelp()+`
Redis (for the variants that keep state in it; the others never connect to
one) is taken from --redis-addr or $REDIS_ADDR; without one, authbench starts
its own: a testcontainers Redis where Docker runs, else a local redis-server
on a free port, else an embedded in-process Redis (labelled as such: its
figures are not a network store's). --redis-addrs or $REDIS_ADDRS (several
host:port, comma-separated) names a Redis Cluster instead: every key of a
user carries the user's hash tag, so each request still costs one round
trip, to the master holding that user's slot. The -cached variants and
jwt-epoch read Redis through go-redis's client-side cache, which needs a
single Redis (not a cluster); --max-staleness bounds how old a cached
answer may be, and so how long a revoked credential can still pass when
invalidations stop arriving.

Example:
  authbench serve --backend session --addr 127.0.0.1:8080 --bcrypt-cost 4
  curl -si -c jar -H 'Content-Type: application/json' \
       -d '{"username":"user-1","password":"password"}' localhost:8080/auth/login
  curl -s -b jar localhost:8080/api/me
  authbench serve --backend session --redis-addrs 127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003`, stdout)
	fs.StringVar(&c.backend, "backend", "jwt", "backend: "+strings.Join(variants.Names(), ", "))
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "`host:port` to listen on (port 0 picks a free one; the chosen address is printed)")
	fs.StringVar(&c.redisAddr, "redis-addr", redisprov.AddrFromEnv(), "Redis `host:port` (default $REDIS_ADDR; empty: start one, see above)")
	fs.StringVar(&c.redisAddrs, "redis-addrs", os.Getenv(redisprov.EnvAddrs), "Redis Cluster nodes, comma-separated `host:port,...` (default $REDIS_ADDRS); not with --redis-addr")
	fs.StringVar(&c.redisPrefix, "redis-prefix", "", "key prefix for everything written to Redis (default \"authbench:<random>:\")")
	fs.StringVar(&c.alg, "alg", "HS256", "JWT signing algorithm: HS256, RS256, ES256 or EdDSA")
	fs.StringVar(&c.keyFile, "key-file", "", "JWT signing key `file`: PEM private key, or for HS256 a secret of at least 32 bytes (default: generated at start, so tokens do not survive a restart; give the same file to every instance of a scale-out)")
	fs.StringVar(&c.issuer, "issuer", "authbench", "JWT iss claim issued and required")
	fs.StringVar(&c.audience, "audience", "authbench", "JWT aud claim issued and required")
	fs.DurationVar(&c.accessTTL, "access-ttl", 15*time.Minute, "JWT access-token lifetime (the article: 15m)")
	fs.DurationVar(&c.refreshTTL, "refresh-ttl", 7*24*time.Hour, "JWT refresh-token lifetime")
	fs.DurationVar(&c.shortTTL, "short-ttl", variants.DefaultShortTTL, "jwt-short's access-token lifetime: its revocation window")
	fs.DurationVar(&c.maxStaleness, "max-staleness", variants.DefaultMaxStaleness, "how old a cached answer of a -cached variant or jwt-epoch may be (go-redis client-side cache MaxStaleness)")
	fs.DurationVar(&c.leeway, "leeway", 0, "JWT clock-skew allowance for exp, nbf and iat")
	fs.DurationVar(&c.idleTimeout, "idle-timeout", 15*time.Minute, "session idle timeout, sliding (matches the access token); session and session-memory")
	fs.DurationVar(&c.absoluteTimeout, "absolute-timeout", 7*24*time.Hour, "session absolute timeout (matches the refresh token); session and session-memory")
	fs.BoolVar(&c.sessionUnsigned, "session-unsigned", false, "session cookie carries the raw ID instead of an HMAC-signed one; session and session-memory")
	fs.StringVar(&c.sessionKeyFile, "session-key-file", "", "`file` holding the session cookie HMAC key, at least 32 bytes (default: generated at start; share it across instances)")
	fs.IntVar(&c.users, "users", 10000, "number of demo users user-0 … user-{N-1}")
	fs.StringVar(&c.password, "password", "password", "the demo users' password")
	fs.IntVar(&c.bcryptCost, "bcrypt-cost", 10, "bcrypt cost for password checks (4..31; load tests may lower it and say so)")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "TLS certificate `file` (with --tls-key: serve HTTPS)")
	fs.StringVar(&c.tlsKey, "tls-key", "", "TLS private key `file`")
	fs.StringVar(&c.adminToken, "admin-token", os.Getenv("AUTHBENCH_ADMIN_TOKEN"), "bearer token enabling POST /admin/revoke-user, at least 16 bytes (default $AUTHBENCH_ADMIN_TOKEN; empty: route disabled)")
	fs.DurationVar(&c.refreshInterval, "refresh-interval", server.DefaultRefreshInterval, "how often the demo page at / refreshes its credentials, as the article's setInterval (10m); keep it below --access-ttl and --idle-timeout")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 10*time.Second, "how long graceful shutdown waits for requests in flight")
	fs.BoolVar(&c.debugRuntime, "debug-runtime", false, "add GET "+debugRuntimePath+" reporting the process's goroutine count and PID, for the load test's leak check; do not expose in production")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := c.validate(); err != nil {
		return usageError{cmd: "serve", err: err}
	}
	return serve(ctx, c, stdout, stderr)
}

func (c *serveConfig) validate() error {
	if c.redisAddrs != "" {
		if _, err := redisprov.ParseAddrs(c.redisAddrs); err != nil {
			return fmt.Errorf("--redis-addrs %q: %w", c.redisAddrs, err)
		}
	}
	if _, cached := usesRedis(c.backend); cached && c.redisAddrs != "" {
		return fmt.Errorf("--backend %s reads Redis through go-redis's client-side cache, which works on a single Redis only, not on the cluster --redis-addrs names", c.backend)
	}
	switch {
	case !slices.Contains(variants.Names(), c.backend):
		return fmt.Errorf("--backend %q: want one of %s", c.backend, strings.Join(variants.Names(), ", "))
	case c.shortTTL < time.Second:
		return fmt.Errorf("--short-ttl %s: need at least 1s (exp has whole seconds)", c.shortTTL)
	case c.maxStaleness <= 0:
		return fmt.Errorf("--max-staleness %s: must be positive; an unbounded cache could accept a revoked credential forever", c.maxStaleness)
	case c.redisAddr != "" && c.redisAddrs != "":
		return fmt.Errorf("--redis-addr %s and --redis-addrs %s: give one Redis or one cluster, not both (check $REDIS_ADDR and $REDIS_ADDRS)", c.redisAddr, c.redisAddrs)
	case strings.ContainsAny(c.redisPrefix, "{}"):
		return fmt.Errorf("--redis-prefix %q: must not contain '{' or '}', the Redis Cluster hash-tag brackets every key's user tag uses", c.redisPrefix)
	case (c.tlsCert == "") != (c.tlsKey == ""):
		return errors.New("--tls-cert and --tls-key go together")
	case c.users < 1:
		return fmt.Errorf("--users %d: need at least 1", c.users)
	case c.accessTTL <= 0:
		return fmt.Errorf("--access-ttl %s: must be positive", c.accessTTL)
	case c.refreshTTL <= 0:
		return fmt.Errorf("--refresh-ttl %s: must be positive", c.refreshTTL)
	case c.leeway < 0:
		return fmt.Errorf("--leeway %s: must not be negative", c.leeway)
	case c.idleTimeout <= 0:
		return fmt.Errorf("--idle-timeout %s: must be positive", c.idleTimeout)
	case c.absoluteTimeout < c.idleTimeout:
		return fmt.Errorf("--absolute-timeout %s: must not be shorter than --idle-timeout %s", c.absoluteTimeout, c.idleTimeout)
	case c.refreshInterval <= 0:
		return fmt.Errorf("--refresh-interval %s: must be positive", c.refreshInterval)
	case c.shutdownTimeout < 0:
		return fmt.Errorf("--shutdown-timeout %s: must not be negative", c.shutdownTimeout)
	}
	return nil
}

func serve(ctx context.Context, c serveConfig, stdout, stderr io.Writer) error {
	log := slog.New(slog.NewTextHandler(stderr, nil))
	users, err := server.NewUsers(c.users, c.password, c.bcryptCost)
	if err != nil {
		return err
	}

	var rdb redis.UniversalClient
	var caching *redis.Client
	stateful, cached := usesRedis(c.backend) // a cached one on a cluster is refused by validate
	switch {
	case stateful && c.redisAddrs != "":
		addrs, _ := redisprov.ParseAddrs(c.redisAddrs) // checked by validate
		cl, err := redisprov.GivenCluster(ctx, addrs, c.redisPrefix)
		if err != nil {
			return err
		}
		defer cl.Close()
		cc := cl.Client()
		defer cc.Close()
		rdb, c.redisPrefix = cc, cl.Prefix
		fmt.Fprintf(stdout, "redis: %s, key prefix %q\n", cl.Label(), cl.Prefix)
	case stateful:
		r, err := redisprov.Start(ctx, redisprov.Options{Addr: c.redisAddr, Prefix: c.redisPrefix, Log: stderr})
		if err != nil {
			return err
		}
		defer r.Close()
		if cached {
			caching = redis.NewClient(redisprov.CachingClientOptions(r.Addr, c.maxStaleness))
			defer caching.Close()
		}
		client := r.Client()
		defer client.Close()
		rdb, c.redisPrefix = client, r.Prefix
		fmt.Fprintf(stdout, "redis: %s, key prefix %q\n", r.Label(), r.Prefix)
	}

	backend, info, err := newBackend(c, rdb, caching)
	if err != nil {
		return err
	}
	var h http.Handler
	h, err = server.New(server.Config{Backend: backend, Info: &info, Users: users, AdminToken: c.adminToken, RefreshInterval: c.refreshInterval, Log: log})
	if err != nil {
		return err
	}
	if c.debugRuntime {
		h = withDebugRuntime(h)
	}

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %w", c.addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10, // larger header blocks get 431; credential cookies are capped at 4 KiB anyway
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if c.tlsCert != "" {
		scheme = "https"
	}
	if c.backend == "none" {
		fmt.Fprintln(stderr, "WARNING: --backend none authenticates nobody; it is a measurement baseline only")
	}
	if c.debugRuntime {
		fmt.Fprintf(stderr, "WARNING: --debug-runtime serves GET %s to anyone; do not use it in production\n", debugRuntimePath)
	}
	fmt.Fprintf(stdout, "authbench serve: backend=%s users=%d bcrypt-cost=%d listening on %s://%s\n",
		c.backend, c.users, c.bcryptCost, scheme, ln.Addr())

	errc := make(chan error, 1)
	go func() {
		if c.tlsCert != "" {
			errc <- srv.ServeTLS(ln, c.tlsCert, c.tlsKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(stdout, "authbench serve: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), c.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newBackend builds the backend c names through the variant registry,
// and the Info GET /info answers for it (its own with the registry's
// facts); rdb is nil for the variants without a Redis, caching for those
// that do not read through the client-side cache.
func newBackend(c serveConfig, rdb redis.UniversalClient, caching *redis.Client) (authbench.Backend, authbench.Info, error) {
	v, err := variants.Lookup(c.backend)
	if err != nil {
		return nil, authbench.Info{}, err
	}
	cfg := variants.Config{
		Issuer: c.issuer, Audience: c.audience,
		AccessTTL: c.accessTTL, RefreshTTL: c.refreshTTL, Leeway: c.leeway, ShortTTL: c.shortTTL,
		IdleTimeout: c.idleTimeout, AbsoluteTimeout: c.absoluteTimeout, Unsigned: c.sessionUnsigned,
		Redis: rdb, CachingRedis: caching, Prefix: c.redisPrefix, MaxStaleness: c.maxStaleness,
	}
	if c.sessionKeyFile != "" {
		b, err := os.ReadFile(c.sessionKeyFile)
		if err != nil {
			return nil, authbench.Info{}, fmt.Errorf("--session-key-file: %w", err)
		}
		cfg.HashKey = []byte(strings.TrimRight(string(b), "\r\n"))
	}
	if v.JWT {
		if c.keyFile != "" {
			cfg.Keys, err = jwtauth.LoadKeys(c.alg, c.keyFile)
		} else {
			cfg.Keys, err = jwtauth.GenerateKeys(c.alg)
		}
		if err != nil {
			return nil, authbench.Info{}, fmt.Errorf("--alg %s: %w", c.alg, err)
		}
	}
	b, err := v.New(cfg)
	if err != nil {
		return nil, authbench.Info{}, err
	}
	return b, v.Info(b, cfg), nil
}

// debugRuntimePath is the route --debug-runtime adds.
const debugRuntimePath = "/debug/runtime"

// withDebugRuntime answers GET (and HEAD) debugRuntimePath with the
// process's PID and goroutine count, {"pid":123,"goroutines":45}, and
// passes every other request to next unchanged. A load test polls it
// before and after a run to see whether the server leaks goroutines
// (connections, timers, store clients); the PID tells it which process
// answered when several instances run. It lives here rather than in
// package server because it is a measurement aid of this command, not a
// route of the handler set every variant shares; it reveals nothing
// secret but is still off by default.
func withDebugRuntime(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != debugRuntimePath || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			next.ServeHTTP(w, r)
			return
		}
		body, _ := json.Marshal(struct { // two ints: cannot fail
			PID        int `json:"pid"`
			Goroutines int `json:"goroutines"`
		}{os.Getpid(), runtime.NumGoroutine()})
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "no-store")
		_, _ = w.Write(append(body, '\n'))
	})
}
