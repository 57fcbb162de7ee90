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
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/redis/go-redis/v9"

	"github.com/authbench/authbench"
	"github.com/authbench/authbench/jwtauth"
	"github.com/authbench/authbench/server"
	"github.com/authbench/authbench/sessionauth"
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
}

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
	}
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

// newEnv builds v's backend on rdb (ignored by stateless jwt and by
// session-memory) behind the handler set, with an injected clock. Users:
// 100, bcrypt cost 4 (the minimum: the password check is not what these
// tests are about).
func newEnv(tb testing.TB, v variant, rdb redis.UniversalClient, prefix string) *env {
	tb.Helper()
	e := &env{v: v, clk: newClock()}
	var backend authbench.Backend
	var err error
	if v.isJWT() {
		path, s := writeKey(tb, v.alg)
		e.signer = s
		keys, err := jwtauth.LoadKeys(v.alg, path)
		if err != nil {
			tb.Fatalf("LoadKeys(%s): %v", v.alg, err)
		}
		cfg := jwtauth.Config{Keys: keys, AccessTTL: accessTTL, RefreshTTL: refreshTTL, Now: e.clk.Now}
		if v.stateful {
			cfg.Blacklist, cfg.Prefix = rdb, prefix
		}
		backend, err = jwtauth.New(cfg)
		if err != nil {
			tb.Fatal(err)
		}
	} else {
		cfg := sessionauth.Config{
			Client: rdb, Prefix: prefix, Now: e.clk.Now,
			IdleTimeout: accessTTL, AbsoluteTimeout: refreshTTL,
			Unsigned: v.name == "session/unsigned",
		}
		if v.inMemory() {
			cfg.Client, cfg.Prefix, cfg.Memory = nil, "", true
		}
		backend, err = sessionauth.New(cfg)
		if err != nil {
			tb.Fatal(err)
		}
		if got := backend.Info().Name; v.inMemory() && got != "session-memory" {
			tb.Fatalf("Info().Name = %q, want session-memory", got)
		}
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

const adminToken = "test-admin-token-0123456789"
