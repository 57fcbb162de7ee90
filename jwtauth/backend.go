package jwtauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/authbench/authbench"
	"github.com/authbench/authbench/internal/csc"
	"github.com/golang-jwt/jwt/v5"
	"github.com/redis/go-redis/v9"
)

var _ authbench.Backend = (*Backend)(nil)

// Cookie names and paths. The access token goes with every request; the
// refresh token only to /auth (refresh and logout), so the long-lived
// credential crosses the wire as rarely as possible.
const (
	AccessCookie      = "accessToken"
	RefreshCookie     = "refreshToken"
	AccessCookiePath  = "/"
	RefreshCookiePath = "/auth"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultIssuer     = "authbench"
	DefaultAudience   = "authbench"
	DefaultAccessTTL  = 15 * time.Minute   // the article's maxAge
	DefaultRefreshTTL = 7 * 24 * time.Hour // a week without visiting logs you out
)

// Config configures a Backend. Zero fields take the documented default.
type Config struct {
	// Keys sign and verify every token. Required.
	Keys *Keys
	// Issuer and Audience are written into every token and required on
	// verification, so tokens of another deployment sharing the key are
	// refused. Default "authbench" each.
	Issuer, Audience string
	// AccessTTL is the lifetime of an access token and its cookie.
	// Default 15 minutes. At least one second (exp has whole seconds).
	AccessTTL time.Duration
	// RefreshTTL is the lifetime of a refresh token and its cookie,
	// restarted by every refresh (sliding). Default 168 hours.
	RefreshTTL time.Duration
	// Leeway is the clock-skew allowance for exp, nbf and iat between the
	// server that signs and the one that verifies. Default 0. Blacklist
	// entries live Leeway longer, so a revoked token cannot outlive its
	// entry.
	Leeway time.Duration
	// Blacklist, when set, selects the "jwt-blacklist" variant: logout and
	// revocations are kept in this Redis, checked on every request. Nil
	// selects the stateless "jwt" variant, which touches no store at all.
	Blacklist redis.UniversalClient
	// Prefix is prepended to every Redis key (jwt-blacklist only), so
	// several deployments or tests can share one Redis.
	Prefix string
	// Epoch, with Blacklist set, selects "jwt-epoch": Redis keeps only a
	// per-user "revoked before" mark, read with one GET per request — no
	// per-token list and no login families. Logout therefore ends every
	// login of that user, the semantics of devise-jwt's JTIMatcher and
	// Keycloak's per-user not-before. Refresh tokens are rotated but, with
	// no family state, a replayed refresh token is not noticed: it stays
	// exchangeable until it expires or the user logs out.
	Epoch bool
	// Name, when set, is the variant name Info reports instead of the one
	// the other fields imply ("jwt", "jwt-blacklist", "jwt-epoch", with
	// "-cached" when Blacklist caches): the variant registry names a
	// stateless backend with a one-minute AccessTTL "jwt-short".
	Name string
	// Now is the clock, for tokens and their validation. Default time.Now;
	// tests inject one to cross expiry without sleeping.
	Now func() time.Time
}

// Backend is the JWT authentication backend, stateless or with a Redis
// blacklist depending on Config.Blacklist. It is safe for concurrent use.
type Backend struct {
	keys       *Keys
	issuer     string
	audience   jwt.ClaimStrings
	accessTTL  time.Duration
	refreshTTL time.Duration
	leeway     time.Duration
	now        func() time.Time
	parser     *jwt.Parser
	keyFunc    jwt.Keyfunc
	rdb        redis.UniversalClient // nil: stateless
	prefix     string
	epoch      bool          // jwt-epoch: only the per-user mark
	staleness  time.Duration // > 0: rdb answers from go-redis's client-side cache, replies at most this old
	info       authbench.Info
}

// New checks cfg, applies defaults and builds the parser once.
func New(cfg Config) (*Backend, error) {
	if cfg.Keys == nil || cfg.Keys.method == nil {
		return nil, errors.New("jwtauth: Config.Keys is required (use GenerateKeys, HMACKeys or LoadKeys)")
	}
	if cfg.Issuer == "" {
		cfg.Issuer = DefaultIssuer
	}
	if cfg.Audience == "" {
		cfg.Audience = DefaultAudience
	}
	if cfg.AccessTTL == 0 {
		cfg.AccessTTL = DefaultAccessTTL
	}
	if cfg.RefreshTTL == 0 {
		cfg.RefreshTTL = DefaultRefreshTTL
	}
	if cfg.AccessTTL < time.Second {
		return nil, fmt.Errorf("jwtauth: Config.AccessTTL is %v, need at least 1s", cfg.AccessTTL)
	}
	if cfg.RefreshTTL < time.Second {
		return nil, fmt.Errorf("jwtauth: Config.RefreshTTL is %v, need at least 1s", cfg.RefreshTTL)
	}
	if cfg.Leeway < 0 {
		return nil, fmt.Errorf("jwtauth: Config.Leeway is %v, must not be negative", cfg.Leeway)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Epoch && cfg.Blacklist == nil {
		return nil, errors.New("jwtauth: Config.Epoch needs Config.Blacklist, the Redis that keeps the per-user marks")
	}
	staleness, cached, err := csc.Staleness(cfg.Blacklist)
	if err != nil {
		return nil, fmt.Errorf("jwtauth: Config.Blacklist: %w", err)
	}
	b := &Backend{
		keys:       cfg.Keys,
		issuer:     cfg.Issuer,
		audience:   jwt.ClaimStrings{cfg.Audience},
		accessTTL:  cfg.AccessTTL,
		refreshTTL: cfg.RefreshTTL,
		leeway:     cfg.Leeway,
		now:        cfg.Now,
		parser:     newParser(&cfg),
		keyFunc:    cfg.Keys.keyFunc,
		rdb:        cfg.Blacklist,
		prefix:     cfg.Prefix,
		epoch:      cfg.Epoch,
		staleness:  staleness,
	}
	switch {
	case b.rdb == nil:
		b.info = authbench.Info{Name: "jwt", Logout: authbench.RevocationAtExpiry, RevokeUser: authbench.RevocationUnsupported}
	case b.epoch:
		b.info = authbench.Info{Name: "jwt-epoch", Stateful: true, Logout: authbench.RevocationImmediate, RevokeUser: authbench.RevocationImmediate}
	default:
		b.info = authbench.Info{Name: "jwt-blacklist", Stateful: true, Logout: authbench.RevocationImmediate, RevokeUser: authbench.RevocationImmediate}
	}
	if cached {
		b.info.Name += "-cached"
	}
	if cfg.Name != "" {
		b.info.Name = cfg.Name
	}
	return b, nil
}

// MaxStaleness is how long after a revocation a copied credential may
// still be accepted by this instance because its Redis client answered
// from go-redis's client-side cache: the client's MaxStaleness, the hard
// bound, reached only when invalidations stop arriving (the usual window
// is a few milliseconds). 0 when the client does not cache: a revocation
// is then seen by the next request. For stateless jwt a revocation is
// never seen; its window is the access token's lifetime (AccessTTL).
func (b *Backend) MaxStaleness() time.Duration { return b.staleness }

// AccessTTL is the lifetime of the access tokens b signs: the revocation
// window of stateless jwt, and what sets how often clients refresh.
func (b *Backend) AccessTTL() time.Duration { return b.accessTTL }

// Info describes the variant: "jwt" or "jwt-blacklist".
func (b *Backend) Info() authbench.Info { return b.info }

// Authenticate verifies the access token cookie and, for jwt-blacklist,
// checks in one MGET that neither the token, its login family nor its
// user has been revoked. A Redis failure fails closed with
// ErrStoreUnavailable.
func (b *Backend) Authenticate(r *http.Request) (authbench.Identity, error) {
	if r == nil {
		return authbench.Identity{}, fmt.Errorf("%w: no request", authbench.ErrUnauthenticated)
	}
	tok, err := authbench.ReadCookie(r, AccessCookie)
	if err != nil {
		return authbench.Identity{}, err
	}
	c, err := b.parse(tok, UseAccess)
	if err != nil {
		return authbench.Identity{}, err
	}
	if err := b.check(r.Context(), c); err != nil {
		return authbench.Identity{}, err
	}
	return authbench.Identity{User: c.Subject, Expires: c.ExpiresAt.Time}, nil
}

// Login starts a new login family for user: it signs an access and a
// refresh token, records the family's current refresh token
// (jwt-blacklist, one SET) and sets both cookies. Whatever credential r
// carries is ignored. If the store is down it returns ErrStoreUnavailable
// and sets no cookie, since a refresh token the store does not know could
// never be refreshed.
func (b *Backend) Login(w http.ResponseWriter, r *http.Request, user string) (authbench.Identity, error) {
	if user == "" {
		return authbench.Identity{}, fmt.Errorf("%w: empty user name", authbench.ErrUnauthenticated)
	}
	now := b.now()
	fam := newID()
	access, ac, err := b.sign(user, fam, UseAccess, now, b.accessTTL)
	if err != nil {
		return authbench.Identity{}, err
	}
	refresh, rc, err := b.sign(user, fam, UseRefresh, now, b.refreshTTL)
	if err != nil {
		return authbench.Identity{}, err
	}
	if b.rdb != nil && !b.epoch {
		if err := b.startFamily(contextOf(r), user, fam, rc.ID); err != nil {
			return authbench.Identity{}, err
		}
	}
	b.setCookies(w, access, refresh)
	return authbench.Identity{User: user, Expires: ac.ExpiresAt.Time}, nil
}

// Refresh exchanges the refresh cookie for a new access token and a new
// refresh token of the same family (rotation). For jwt-blacklist a Lua
// script checks atomically that the presented refresh token is the
// family's current one and replaces it; presenting an already rotated
// token is treated as theft and revokes the whole family (ErrRevoked), so
// of two concurrent refreshes with one token exactly one succeeds. The
// stateless variant rotates too but cannot notice reuse: every refresh
// token stays exchangeable until it expires.
//
// On ErrUnauthenticated, ErrExpired or ErrRevoked the cookies are cleared
// (the article's front end logs out when refresh fails). On
// ErrStoreUnavailable they are kept: the refresh token may still be good
// and the client may retry once the store is back.
func (b *Backend) Refresh(w http.ResponseWriter, r *http.Request) (authbench.Identity, error) {
	if r == nil {
		return authbench.Identity{}, fmt.Errorf("%w: no request", authbench.ErrUnauthenticated)
	}
	id, err := b.refresh(w, r)
	if err != nil && !errors.Is(err, authbench.ErrStoreUnavailable) {
		b.clearCookies(w)
	}
	return id, err
}

func (b *Backend) refresh(w http.ResponseWriter, r *http.Request) (authbench.Identity, error) {
	tok, err := authbench.ReadCookie(r, RefreshCookie)
	if err != nil {
		return authbench.Identity{}, err
	}
	c, err := b.parse(tok, UseRefresh)
	if err != nil {
		return authbench.Identity{}, err
	}
	now := b.now()
	access, ac, err := b.sign(c.Subject, c.Family, UseAccess, now, b.accessTTL)
	if err != nil {
		return authbench.Identity{}, err
	}
	refresh, rc, err := b.sign(c.Subject, c.Family, UseRefresh, now, b.refreshTTL)
	if err != nil {
		return authbench.Identity{}, err
	}
	switch {
	case b.epoch:
		if err := b.checkEpoch(r.Context(), c); err != nil {
			return authbench.Identity{}, err
		}
	case b.rdb != nil:
		if err := b.rotate(r.Context(), c, rc.ID); err != nil {
			return authbench.Identity{}, err
		}
	}
	b.setCookies(w, access, refresh)
	return authbench.Identity{User: c.Subject, Expires: ac.ExpiresAt.Time}, nil
}

// Logout clears both cookies, whatever happens.
//
// jwt: a JWT cannot be invalidated, so when r carried a valid token it
// returns ErrUnsupported: the copy stays usable until exp.
//
// jwt-blacklist: in one pipelined round trip it blacklists the access
// token's jti until the token would expire anyway (plus Leeway and a
// second) and revokes the family of each valid token present, so the
// refresh token of that login and every access token issued from it die
// too. Either cookie alone is enough. Returns ErrStoreUnavailable if Redis
// could not be reached (the tokens may still be live).
//
// jwt-epoch: one SET moves the user's revoked-before mark to now, which
// ends every login of that user (all devices), not only this one.
//
// All return nil when r carried no valid token: nothing to invalidate.
func (b *Backend) Logout(w http.ResponseWriter, r *http.Request) error {
	b.clearCookies(w)
	if r == nil {
		return nil
	}
	var access, refresh *Claims
	if tok, err := authbench.ReadCookie(r, AccessCookie); err == nil {
		access, _ = b.parse(tok, UseAccess)
	}
	if tok, err := authbench.ReadCookie(r, RefreshCookie); err == nil {
		refresh, _ = b.parse(tok, UseRefresh)
	}
	if access == nil && refresh == nil {
		return nil
	}
	switch {
	case b.rdb == nil:
		return fmt.Errorf("%w: a stateless JWT stays valid until it expires", authbench.ErrUnsupported)
	case b.epoch:
		return b.logoutUser(r.Context(), access, refresh)
	}
	return b.revokeTokens(r.Context(), access, refresh)
}

// RevokeUser ends every token of user issued up to now (jwt-blacklist,
// jwt-epoch).
// Logging in again afterwards works: see the package overview for the
// precision rule. The stateless variant returns ErrUnsupported.
func (b *Backend) RevokeUser(ctx context.Context, user string) error {
	if b.rdb == nil {
		return fmt.Errorf("%w: stateless JWTs cannot be revoked", authbench.ErrUnsupported)
	}
	if user == "" {
		return errors.New("jwtauth: RevokeUser: empty user name")
	}
	return b.revokeUser(ctx, user)
}

// sign mints one token for user in family fam.
func (b *Backend) sign(user, fam, use string, now time.Time, ttl time.Duration) (string, *Claims, error) {
	c := &Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    b.issuer,
			Subject:   user,
			Audience:  b.audience,
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        newID(),
		},
		Use:          use,
		Family:       fam,
		IssuedMicros: now.UnixMicro(),
	}
	s, err := jwt.NewWithClaims(b.keys.method, c).SignedString(b.keys.sign)
	if err != nil {
		return "", nil, fmt.Errorf("jwtauth: sign %s token: %w", use, err)
	}
	// A token the browser would drop, or ReadCookie refuse, is useless:
	// only an absurdly long user name gets here.
	if len(s) > authbench.MaxCookieBytes {
		return "", nil, fmt.Errorf("%w: %s token for a %d-byte user name is %d bytes, over %d", authbench.ErrUnauthenticated, use, len(user), len(s), authbench.MaxCookieBytes)
	}
	return s, c, nil
}

func (b *Backend) setCookies(w http.ResponseWriter, access, refresh string) {
	http.SetCookie(w, authbench.NewCookie(AccessCookie, access, AccessCookiePath, b.accessTTL))
	http.SetCookie(w, authbench.NewCookie(RefreshCookie, refresh, RefreshCookiePath, b.refreshTTL))
}

func (b *Backend) clearCookies(w http.ResponseWriter) {
	authbench.ClearCookie(w, AccessCookie, AccessCookiePath)
	authbench.ClearCookie(w, RefreshCookie, RefreshCookiePath)
}

// newID returns 128 random bits, base64url without padding (22 bytes):
// enough that jtis and family ids never collide nor can be guessed.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails since Go 1.24; it crashes instead.
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// contextOf is r's context, or Background for a nil request.
func contextOf(r *http.Request) context.Context {
	if r == nil {
		return context.Background()
	}
	return r.Context()
}
