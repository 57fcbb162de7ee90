package jwtauth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/authbench/authbench/internal/testclock"
	"github.com/authbench/authbench/redisprov/redistest"
	"github.com/golang-jwt/jwt/v5"
)

var (
	algs     = []string{AlgHS256, AlgRS256, AlgES256, AlgEdDSA}
	variants = []string{"jwt", "jwt-blacklist", "jwt-epoch"}
)

// t0 is where every test clock starts: fixed, so failures reproduce.
var t0 = time.Date(2030, 3, 4, 5, 6, 7, 0, time.UTC)

// fakeClock is the injected clock: tests move it instead of sleeping.
type fakeClock = testclock.Clock

func newClock() *fakeClock { return testclock.New(t0) }

// keyCache holds one key set per algorithm for the whole test binary:
// RSA generation is slow and -race makes it slower.
var keyCache sync.Map // alg -> *Keys

func testKeys(tb testing.TB, alg string) *Keys {
	tb.Helper()
	if k, ok := keyCache.Load(alg); ok {
		return k.(*Keys)
	}
	k, err := GenerateKeys(alg)
	if err != nil {
		tb.Fatalf("GenerateKeys(%q): %v", alg, err)
	}
	actual, _ := keyCache.LoadOrStore(alg, k)
	return actual.(*Keys)
}

// newTestBackend builds a backend of variant ("jwt", "jwt-blacklist" or "jwt-epoch")
// with keys and clk; mod, if not nil, edits the config first. The
// stateful variants get a shared test Redis under a fresh prefix.
func newTestBackend(tb testing.TB, variant string, keys *Keys, clk *fakeClock, mod func(*Config)) *Backend {
	tb.Helper()
	cfg := Config{Keys: keys, Now: clk.Now}
	switch variant {
	case "jwt-blacklist":
		cfg.Blacklist, cfg.Prefix = redistest.Shared(tb)
	case "jwt-epoch":
		cfg.Blacklist, cfg.Prefix = redistest.Shared(tb)
		cfg.Epoch = true
	}
	if mod != nil {
		mod(&cfg)
	}
	b, err := New(cfg)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	if got := b.Info().Name; got != variant {
		tb.Fatalf("Info().Name = %q, want %q", got, variant)
	}
	return b
}

// creds are the two cookies of a login or refresh.
type creds struct {
	access, refresh *http.Cookie
}

// cookiesOf returns the cookies rec received, by name. It fails if a
// name was set twice.
func cookiesOf(tb testing.TB, rec *httptest.ResponseRecorder) map[string]*http.Cookie {
	tb.Helper()
	m := map[string]*http.Cookie{}
	for _, c := range rec.Result().Cookies() {
		if _, dup := m[c.Name]; dup {
			tb.Fatalf("cookie %s set twice", c.Name)
		}
		m[c.Name] = c
	}
	return m
}

// credsOf returns the access and refresh cookies rec received, failing if
// either is missing or empty.
func credsOf(tb testing.TB, rec *httptest.ResponseRecorder) creds {
	tb.Helper()
	m := cookiesOf(tb, rec)
	c := creds{access: m[AccessCookie], refresh: m[RefreshCookie]}
	if c.access == nil || c.access.Value == "" || c.refresh == nil || c.refresh.Value == "" {
		tb.Fatalf("want both cookies set, got %v", rec.Result().Header["Set-Cookie"])
	}
	return c
}

func login(tb testing.TB, b *Backend, user string) creds {
	tb.Helper()
	rec := httptest.NewRecorder()
	if _, err := b.Login(rec, httptest.NewRequest(http.MethodPost, "/auth/login", nil), user); err != nil {
		tb.Fatalf("Login(%q): %v", user, err)
	}
	return credsOf(tb, rec)
}

// request returns a request carrying the given raw cookies (name, value
// pairs), set on the header directly so odd values reach the backend as is.
func request(nameValues ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	for i := 0; i+1 < len(nameValues); i += 2 {
		r.Header.Add("Cookie", nameValues[i]+"="+nameValues[i+1])
	}
	return r
}

func accessReq(token string) *http.Request  { return request(AccessCookie, token) }
func refreshReq(token string) *http.Request { return request(RefreshCookie, token) }

// authenticate runs b.Authenticate with token as access cookie.
func authenticate(b *Backend, token string) error {
	_, err := b.Authenticate(accessReq(token))
	return err
}

// refresh runs b.Refresh with token as refresh cookie.
func refresh(tb testing.TB, b *Backend, token string) (creds, error) {
	tb.Helper()
	rec := httptest.NewRecorder()
	_, err := b.Refresh(rec, refreshReq(token))
	if err != nil {
		return creds{}, err
	}
	return credsOf(tb, rec), nil
}

// checkErr fails unless err matches want in both directions.
func checkErr(tb testing.TB, what string, err, want error) {
	tb.Helper()
	if (err != nil) != (want != nil) || (want != nil && !errors.Is(err, want)) {
		tb.Fatalf("%s: error = %v, want %v", what, err, want)
	}
}

// validClaims are claims b would issue at now for use.
func validClaims(b *Backend, now time.Time, use string) *Claims {
	ttl := b.accessTTL
	if use == UseRefresh {
		ttl = b.refreshTTL
	}
	return &Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    b.issuer,
			Subject:   "mallory",
			Audience:  jwt.ClaimStrings{b.audience[0]},
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        newID(),
		},
		Use:          use,
		Family:       newID(),
		IssuedMicros: now.UnixMicro(),
	}
}

// forge signs claims with method and key, after letting header edit the
// JOSE header.
func forge(tb testing.TB, method jwt.SigningMethod, key any, claims jwt.Claims, header func(map[string]any)) string {
	tb.Helper()
	t := jwt.NewWithClaims(method, claims)
	if header != nil {
		header(t.Header)
	}
	s, err := t.SignedString(key)
	if err != nil {
		tb.Fatalf("forge: %v", err)
	}
	return s
}

// unsigned builds header.payload. with an empty signature, the way an
// "alg: none" attack does.
func unsigned(tb testing.TB, header map[string]any, claims any) string {
	tb.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := json.Marshal(claims)
	if err != nil {
		tb.Fatal(err)
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString(h) + "." + enc.EncodeToString(p) + "."
}
