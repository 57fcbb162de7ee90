package server_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/redis/go-redis/v9"

	"github.com/authbench/authbench/jwtauth"
	"github.com/authbench/authbench/redisprov"
	"github.com/authbench/authbench/server"
	"github.com/authbench/authbench/sessionauth"
	registry "github.com/authbench/authbench/variants"
)

const (
	accessTTL  = 15 * time.Minute
	refreshTTL = 7 * 24 * time.Hour
)

// variant is one backend configuration under test.
type variant struct {
	name string
	// alg is the JWT algorithm, "" for sessions.
	alg string
	// stateful variants revoke immediately; stateless jwt only at expiry.
	stateful bool
	// cookie is the name of the credential cookie /api/me reads.
	cookie string
	// cluster: the store is a Redis Cluster (redistest.Cluster), not a
	// single Redis.
	cluster bool
	// cached: the variant reads Redis through go-redis's client-side
	// cache, so a revocation reaches it within cacheBound, not at once.
	cached bool
}

// shortTTL is jwt-short's access TTL in these tests; cacheBound the
// MaxStaleness of the cached variants.
const (
	shortTTL   = time.Minute
	cacheBound = 300 * time.Millisecond
)

func variants() []variant {
	return []variant{
		{name: "jwt/HS256", alg: "HS256", cookie: jwtauth.AccessCookie},
		{name: "jwt/RS256", alg: "RS256", cookie: jwtauth.AccessCookie},
		{name: "jwt/ES256", alg: "ES256", cookie: jwtauth.AccessCookie},
		{name: "jwt/EdDSA", alg: "EdDSA", cookie: jwtauth.AccessCookie},
		{name: "jwt-blacklist/HS256", alg: "HS256", stateful: true, cookie: jwtauth.AccessCookie},
		{name: "jwt-blacklist/ES256", alg: "ES256", stateful: true, cookie: jwtauth.AccessCookie},
		{name: "session/signed", stateful: true, cookie: sessionauth.Cookie},
		{name: "session/unsigned", stateful: true, cookie: sessionauth.Cookie},
		{name: "session-memory", stateful: true, cookie: sessionauth.Cookie},
		{name: "jwt-blacklist/cluster", alg: "HS256", stateful: true, cookie: jwtauth.AccessCookie, cluster: true},
		{name: "session/cluster", stateful: true, cookie: sessionauth.Cookie, cluster: true},
		{name: "jwt-short", alg: "HS256", cookie: jwtauth.AccessCookie},
		{name: "jwt-epoch", alg: "HS256", stateful: true, cookie: jwtauth.AccessCookie, cached: true},
		{name: "jwt-blacklist-cached", alg: "HS256", stateful: true, cookie: jwtauth.AccessCookie, cached: true},
		{name: "session-cached", stateful: true, cookie: sessionauth.Cookie, cached: true},
	}
}

// base is the registry name of v: its name before any "/<flavour>".
func (v variant) base() string {
	b, _, _ := strings.Cut(v.name, "/")
	return b
}

// ttl is v's access-token lifetime (and a session's idle timeout).
func (v variant) ttl() time.Duration {
	if v.base() == "jwt-short" {
		return shortTTL
	}
	return accessTTL
}

func (v variant) isJWT() bool { return v.alg != "" }

// inMemory reports whether v keeps its state in the server process
// (sessionauth's Config.Memory) rather than in Redis.
func (v variant) inMemory() bool { return v.name == "session-memory" }

// env is one variant served over a real socket.
type env struct {
	v      variant
	clk    *clock
	srv    *server.Server
	signer *signer // JWT variants: forges tokens with the server's own key
}

// signer holds the private key the test gave the backend through a key
// file, so tests can mint tokens the server must accept or reject.
type signer struct {
	method jwt.SigningMethod
	key    any // private key or HMAC secret
	pubPEM []byte
}

func (s *signer) sign(tb testing.TB, header map[string]any, claims jwt.Claims) string {
	tb.Helper()
	t := jwt.NewWithClaims(s.method, claims)
	for k, v := range header {
		t.Header[k] = v
	}
	out, err := t.SignedString(s.key)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// writeKey makes a fresh key for alg, writes it where jwtauth.LoadKeys
// reads it, and returns the signer for the same key.
func writeKey(tb testing.TB, alg string) (string, *signer) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "key.pem")
	s := &signer{}
	var der []byte
	var typ string
	var pub any
	switch alg {
	case "HS256":
		secret := make([]byte, 32)
		rand.Read(secret)
		secret = []byte(fmtHex(secret))
		if err := os.WriteFile(path, append(secret, '\n'), 0o600); err != nil {
			tb.Fatal(err)
		}
		s.method, s.key = jwt.SigningMethodHS256, secret
		return path, s
	case "RS256":
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			tb.Fatal(err)
		}
		s.method, s.key, pub = jwt.SigningMethodRS256, k, &k.PublicKey
		der, typ = x509.MarshalPKCS1PrivateKey(k), "RSA PRIVATE KEY"
	case "ES256":
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			tb.Fatal(err)
		}
		s.method, s.key, pub = jwt.SigningMethodES256, k, &k.PublicKey
		der, err = x509.MarshalECPrivateKey(k)
		if err != nil {
			tb.Fatal(err)
		}
		typ = "EC PRIVATE KEY"
	case "EdDSA":
		pk, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			tb.Fatal(err)
		}
		s.method, s.key, pub = jwt.SigningMethodEdDSA, k, pk
		der, err = x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			tb.Fatal(err)
		}
		typ = "PRIVATE KEY"
	default:
		tb.Fatalf("unknown alg %q", alg)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		tb.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		tb.Fatal(err)
	}
	s.pubPEM = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	return path, s
}

func fmtHex(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// newEnv builds v's backend through the variant registry on rdb (ignored
// by the variants without a Redis; the cached ones get a caching client
// of their own to the same server) behind the handler set, with an
// injected clock. Users: 100, bcrypt cost 4 (the minimum: the password
// check is not what these tests are about).
func newEnv(tb testing.TB, v variant, rdb redis.UniversalClient, prefix string) *env {
	tb.Helper()
	e := &env{v: v, clk: newClock()}
	reg, err := registry.Lookup(v.base())
	if err != nil {
		tb.Fatal(err)
	}
	cfg := registry.Config{
		AccessTTL: accessTTL, RefreshTTL: refreshTTL, ShortTTL: shortTTL,
		IdleTimeout: accessTTL, AbsoluteTimeout: refreshTTL,
		Unsigned: v.name == "session/unsigned",
		Redis:    rdb, Prefix: prefix, MaxStaleness: cacheBound, Now: e.clk.Now,
	}
	if v.isJWT() {
		path, s := writeKey(tb, v.alg)
		e.signer = s
		if cfg.Keys, err = jwtauth.LoadKeys(v.alg, path); err != nil {
			tb.Fatalf("LoadKeys(%s): %v", v.alg, err)
		}
	}
	if reg.Store == registry.CachedRedisStore {
		plain, ok := rdb.(*redis.Client)
		if !ok {
			tb.Fatalf("%s needs a single Redis, got %T", v.name, rdb)
		}
		caching := redis.NewClient(redisprov.CachingClientOptions(plain.Options().Addr, cacheBound))
		tb.Cleanup(func() { _ = caching.Close() })
		cfg.CachingRedis = caching
	}
	backend, err := reg.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	if got := backend.Info().Name; got != v.base() {
		tb.Fatalf("Info().Name = %q, want %q", got, v.base())
	}
	users, err := server.NewUsers(100, "password", 4)
	if err != nil {
		tb.Fatal(err)
	}
	e.srv, err = server.New(server.Config{Backend: backend, Users: users, AdminToken: adminToken})
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// wantRefused asserts that c's request now gets want: at once, or for a
// cached variant within cacheBound (its stated revocation bound; the
// invalidation usually lands within milliseconds).
func wantRefused(tb testing.TB, v variant, what string, c *client, method, path string, want int) {
	tb.Helper()
	start := time.Now()
	for {
		asked := time.Now()
		r := c.do(method, path, "")
		if r.code == want {
			return
		}
		if !v.cached || asked.Sub(start) > cacheBound {
			tb.Fatalf("%s: status %d, want %d (body %s)", what, r.code, want, r.body)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

const adminToken = "test-admin-token-0123456789"
