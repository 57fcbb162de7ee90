package security_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authbench/authbench"
	"github.com/authbench/authbench/internal/testclock"
	"github.com/authbench/authbench/jwtauth"
	"github.com/authbench/authbench/redisprov"
	"github.com/authbench/authbench/redisprov/redistest"
	"github.com/authbench/authbench/server"
	"github.com/authbench/authbench/variants"
	"github.com/redis/go-redis/v9"
)

// t0 is where every injected clock starts, on a whole second so exp
// edges are exact.
var t0 = time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)

// clock is the injected time source; tests move it instead of sleeping.
type clock = testclock.Clock

// signer is a key pair whose private half the test holds, so it can mint
// tokens the server must accept, then tamper with them.
type signer struct {
	alg    string
	method jwt.SigningMethod
	key    any // signing key
	keys   *jwtauth.Keys
}

var (
	signerMu    sync.Mutex
	signerCache = map[string]*signer{}
)

// newSigner returns keys for alg the test knows the private half of,
// loaded through jwtauth.LoadKeys as a deployment would load them.
// Cached per test binary: RSA generation is slow under -race.
func newSigner(tb testing.TB, alg string) *signer {
	tb.Helper()
	signerMu.Lock()
	defer signerMu.Unlock()
	if s, ok := signerCache[alg]; ok {
		return s
	}
	var (
		key    any
		method jwt.SigningMethod
		file   []byte
		err    error
	)
	switch alg {
	case jwtauth.AlgHS256:
		secret := make([]byte, jwtauth.MinHMACSecret)
		_, _ = rand.Read(secret)
		key, method, file = secret, jwt.SigningMethodHS256, secret
	case jwtauth.AlgRS256:
		key, err = rsa.GenerateKey(rand.Reader, 2048)
		method = jwt.SigningMethodRS256
	case jwtauth.AlgES256:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		method = jwt.SigningMethodES256
	case jwtauth.AlgEdDSA:
		_, key, err = ed25519.GenerateKey(rand.Reader)
		method = jwt.SigningMethodEdDSA
	}
	if err != nil {
		tb.Fatalf("generate %s key: %v", alg, err)
	}
	if file == nil {
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			tb.Fatal(err)
		}
		file = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	path := filepath.Join(tb.TempDir(), "key")
	if err := os.WriteFile(path, file, 0o600); err != nil {
		tb.Fatal(err)
	}
	keys, err := jwtauth.LoadKeys(alg, path)
	if err != nil {
		tb.Fatalf("LoadKeys(%s): %v", alg, err)
	}
	s := &signer{alg: alg, method: method, key: key, keys: keys}
	signerCache[alg] = s
	return s
}

var b64 = base64.RawURLEncoding

// raw signs header.payload exactly as given (no re-encoding of the JSON),
// so tests can send duplicate keys, odd types and broken JSON with a
// genuine signature.
func raw(tb testing.TB, method jwt.SigningMethod, key any, header, payload string) string {
	tb.Helper()
	in := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString([]byte(payload))
	sig, err := method.Sign(in, key)
	if err != nil {
		tb.Fatalf("sign with %s: %v", method.Alg(), err)
	}
	return in + "." + b64.EncodeToString(sig)
}

// claims are the claims the backend would issue for user-1 at now, as a
// map so tests can change any member's type.
func claims(now time.Time) map[string]any {
	return map[string]any{
		"iss":    jwtauth.DefaultIssuer,
		"aud":    []string{jwtauth.DefaultAudience},
		"sub":    server.Name(1),
		"exp":    now.Add(15 * time.Minute).Unix(),
		"nbf":    now.Unix(),
		"iat":    now.Unix(),
		"jti":    "jti-" + b64.EncodeToString(randBytes(16)),
		"use":    jwtauth.UseAccess,
		"fam":    "fam-" + b64.EncodeToString(randBytes(16)),
		"iat_us": now.UnixMicro(),
	}
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// handlerFor serves b through the real handler set.
func handlerFor(tb testing.TB, b authbench.Backend) http.Handler {
	tb.Helper()
	users, err := server.NewUsers(2, "password", 4)
	if err != nil {
		tb.Fatal(err)
	}
	h, err := server.New(server.Config{Backend: b, Users: users, AdminToken: adminToken})
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

const adminToken = "admin-token-of-the-security-tests"

// variantBackend builds the registry's variant called name with s's
// keys (nil for a variant without tokens), the clock and leeway: a
// Redis variant on the shared test Redis, a cached one through its own
// caching client to it.
func variantBackend(tb testing.TB, name string, s *signer, clk *clock, leeway time.Duration) authbench.Backend {
	tb.Helper()
	v, err := variants.Lookup(name)
	if err != nil {
		tb.Fatal(err)
	}
	// The crafted tokens carry the default 15-minute lifetime, which
	// jwt-short would refuse as too long; its own lifetime is the expiry
	// suite's concern (server), here it is attacked like jwt.
	cfg := variants.Config{Now: clk.Now, Leeway: leeway, ShortTTL: jwtauth.DefaultAccessTTL}
	if s != nil {
		cfg.Keys = s.keys
	}
	if v.Store == variants.RedisStore || v.Store == variants.CachedRedisStore {
		rdb, prefix := redistest.Shared(tb)
		cfg.Redis, cfg.Prefix = rdb, prefix
		if v.Store == variants.CachedRedisStore {
			caching := redis.NewClient(redisprov.CachingClientOptions(rdb.Options().Addr, variants.DefaultMaxStaleness))
			tb.Cleanup(func() { _ = caching.Close() })
			cfg.CachingRedis = caching
		}
	}
	b, err := v.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// registryVariants are the names of the registry's variants that
// authenticate someone (a token or a store: not the no-auth baseline);
// jwtOnly keeps those that sign tokens.
func registryVariants(jwtOnly bool) []string {
	var out []string
	for _, v := range variants.All() {
		if (jwtOnly && !v.JWT) || (!v.JWT && v.Store == variants.NoStore) {
			continue
		}
		out = append(out, v.Name)
	}
	return out
}

// do sends one request through h with a raw Cookie header and extra
// header pairs, and returns the recorder.
func do(h http.Handler, method, path, body, cookie string, hdr ...string) *httptest.ResponseRecorder {
	var r *http.Request
	if body != "" {
		r = httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	} else {
		r = httptest.NewRequest(method, path, nil)
	}
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// hmacSHA256 is HS256 over in with key, for signatures golang-jwt refuses
// to make (an empty key).
func hmacSHA256(key []byte, in string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(in))
	return m.Sum(nil)
}
