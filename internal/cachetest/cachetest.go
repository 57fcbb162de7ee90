// Package cachetest checks the revocation bound of a backend whose Redis
// lookups go through go-redis's client-side cache, the same way for
// every such variant (jwt-blacklist-cached, jwt-epoch-cached,
// session-cached): two instances share one Redis, one revokes, the other
// is asked every 5 ms and must stop accepting the credential within its
// stated MaxStaleness — with invalidations flowing, with its connection
// cut, and with its connection black-holed (open, but nothing arrives, so
// no invalidation ever does and only the bound protects). A partitioned
// instance must fail closed (ErrStoreUnavailable) once the bound is past,
// and recover when the partition heals.
package cachetest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/authbench/authbench"
	"github.com/authbench/authbench/redisprov"
	"github.com/authbench/authbench/redisprov/redistest"
	"github.com/authbench/authbench/storeproxy"
	"github.com/redis/go-redis/v9"
)

// Bound is the MaxStaleness of the caching clients these tests build:
// short, so waiting it out keeps tests quick, and far above the
// few-millisecond invalidation path, so the bound is what is tested.
const Bound = 300 * time.Millisecond

// Backend is a backend that states its cache bound.
type Backend interface {
	authbench.Backend
	MaxStaleness() time.Duration
}

// New builds one instance of the variant on client under prefix.
type New func(tb testing.TB, client *redis.Client, prefix string) Backend

// Pair is two instances of one variant sharing a Redis: Revoker talks to
// it directly; Cached through a storeproxy, with the client-side cache.
type Pair struct {
	Revoker, Cached Backend
	Client          *redis.Client // Cached's client
	Proxy           *storeproxy.Proxy
}

// NewPair builds a Pair of the variant newBackend builds, on the test
// binary's shared Redis.
func NewPair(tb testing.TB, newBackend New) Pair {
	tb.Helper()
	plain, prefix := redistest.Shared(tb)
	proxy, err := storeproxy.Start(plain.Options().Addr)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = proxy.Close() })
	client := redis.NewClient(redisprov.CachingClientOptions(proxy.Addr(), Bound))
	tb.Cleanup(func() { _ = client.Close() })
	p := Pair{Revoker: newBackend(tb, plain, prefix), Cached: newBackend(tb, client, prefix), Client: client, Proxy: proxy}
	if got := p.Cached.MaxStaleness(); got != Bound {
		tb.Fatalf("%s: MaxStaleness() = %v, want the client's %v", p.Cached.Info().Name, got, Bound)
	}
	if got := p.Revoker.MaxStaleness(); got != 0 {
		tb.Fatalf("%s on a plain client: MaxStaleness() = %v, want 0", p.Revoker.Info().Name, got)
	}
	return p
}

// Login logs user in on b and returns a request carrying the cookies.
func Login(tb testing.TB, b authbench.Backend, user string) *http.Request {
	tb.Helper()
	rec := httptest.NewRecorder()
	if _, err := b.Login(rec, httptest.NewRequest(http.MethodPost, "/auth/login", nil), user); err != nil {
		tb.Fatalf("Login(%q): %v", user, err)
	}
	r := httptest.NewRequest(http.MethodGet, "/api/me", nil)
	for _, c := range rec.Result().Cookies() {
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	return r
}

func authenticate(b authbench.Backend, r *http.Request) error {
	_, err := b.Authenticate(r)
	return err
}

// refused reports whether err is the backend saying the credential is no
// longer good: revoked (JWT variants) or unknown (a deleted session).
func refused(err error) bool {
	return errors.Is(err, authbench.ErrRevoked) || errors.Is(err, authbench.ErrUnauthenticated)
}

// answers reports whether err is what a revoked credential may get while
// part is in force: a refusal, or, partitioned, the fail-closed 503.
func answers(err, want error) bool {
	return refused(err) || (want != nil && errors.Is(err, want))
}

// partitions are the ways the cached instance loses its Redis.
var partitions = []struct {
	name    string
	start   func(*storeproxy.Proxy) error
	heal    func(*storeproxy.Proxy) error
	wantErr error // what the cached instance answers once the bound is past; nil: a refusal
}{
	{name: "invalidation"},
	{name: "cut", start: (*storeproxy.Proxy).Cut, heal: (*storeproxy.Proxy).Restore, wantErr: authbench.ErrStoreUnavailable},
	{name: "black hole",
		start:   func(p *storeproxy.Proxy) error { return p.SetLatency(time.Hour) },
		heal:    func(p *storeproxy.Proxy) error { return p.SetLatency(0) },
		wantErr: authbench.ErrStoreUnavailable},
}

// revocations are the two ways a credential is ended early.
var revocations = []struct {
	name   string
	revoke func(b authbench.Backend, r *http.Request) error
}{
	{name: "logout", revoke: func(b authbench.Backend, r *http.Request) error {
		return b.Logout(httptest.NewRecorder(), r)
	}},
	{name: "revoke-user", revoke: func(b authbench.Backend, _ *http.Request) error {
		return b.RevokeUser(context.Background(), "alice")
	}},
}

// RevocationBound runs every partition × revocation against the variant
// newBackend builds; see the package documentation.
func RevocationBound(t *testing.T, newBackend New) {
	for _, part := range partitions {
		for _, rev := range revocations {
			t.Run(part.name+"/"+rev.name, func(t *testing.T) {
				t.Parallel()
				p := NewPair(t, newBackend)
				r := Login(t, p.Revoker, "alice")
				for range 3 {
					if err := authenticate(p.Cached, r); err != nil {
						t.Fatalf("Authenticate before the revocation: %v", err)
					}
				}
				if st := p.Client.CSCStats(); st.Hits == 0 {
					t.Fatalf("cache stats %+v: the lookups were not served from the cache", st)
				}
				if part.start != nil {
					if err := part.start(p.Proxy); err != nil {
						t.Fatal(err)
					}
				}
				revoked := time.Now()
				if err := rev.revoke(p.Revoker, r); err != nil {
					t.Fatalf("%s: %v", rev.name, err)
				}
				var last error
				first := false
				for {
					asked := time.Now()
					last = authenticate(p.Cached, r)
					age := asked.Sub(revoked)
					if last == nil && age > Bound {
						t.Fatalf("revoked credential accepted %v after the revocation, past the cache's bound %v", age, Bound)
					}
					if last != nil && !first {
						first = true
						t.Logf("first refusal %v after the revocation: %v", time.Since(revoked), last)
					}
					if last != nil && !answers(last, part.wantErr) {
						t.Fatalf("Authenticate after the revocation: %v", last)
					}
					if last != nil && age > Bound {
						break
					}
					time.Sleep(5 * time.Millisecond)
				}
				if (part.wantErr == nil && !refused(last)) || (part.wantErr != nil && !errors.Is(last, part.wantErr)) {
					t.Fatalf("Authenticate past the bound: %v, want %v", last, part.wantErr)
				}
				if part.heal == nil {
					return
				}
				if err := part.heal(p.Proxy); err != nil {
					t.Fatal(err)
				}
				// Recovery, within go-redis's reconnect back-off (about
				// a second): a new login is accepted again, and the
				// revoked credential stays refused.
				fresh := Login(t, p.Revoker, "bob")
				deadline := time.Now().Add(5 * time.Second)
				for {
					err := authenticate(p.Cached, fresh)
					if err == nil {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("after the partition healed, a new login is still refused: %v", err)
					}
					time.Sleep(20 * time.Millisecond)
				}
				if err := authenticate(p.Cached, r); !refused(err) {
					t.Fatalf("revoked credential after healing: %v, want a refusal", err)
				}
			})
		}
	}
}
