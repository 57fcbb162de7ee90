package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authbench/authbench/jwtauth"
	"github.com/authbench/authbench/redisprov/redistest"
	"github.com/authbench/authbench/sessionauth"
	"github.com/redis/go-redis/v9"
)

// serveEnv starts v behind a real socket on the shared test Redis (or
// the shared local Redis Cluster for a cluster variant).
func serveEnv(t *testing.T, v variant) (*env, *httptest.Server) {
	t.Helper()
	var rdb redis.UniversalClient
	var prefix string
	if v.cluster {
		rdb, prefix = redistest.Cluster(t)
	} else {
		rdb, prefix = redistest.Shared(t)
	}
	e := newEnv(t, v, rdb, prefix)
	ts := httptest.NewServer(e.srv)
	t.Cleanup(ts.Close)
	return e, ts
}

// wantCookies asserts the exact attributes of every credential cookie a
// login or refresh set: HttpOnly, Secure, SameSite=Strict, the path and a
// Max-Age that follows the credential's lifetime.
func wantCookies(t *testing.T, v variant, got []*http.Cookie) {
	t.Helper()
	type attrs struct {
		path   string
		maxAge int
	}
	want := map[string]attrs{}
	if v.isJWT() {
		want[jwtauth.AccessCookie] = attrs{"/", int(v.ttl() / time.Second)}
		want[jwtauth.RefreshCookie] = attrs{"/auth", int(refreshTTL / time.Second)}
	} else {
		want[sessionauth.Cookie] = attrs{"/", int(refreshTTL / time.Second)}
	}
	seen := map[string]bool{}
	for _, c := range got {
		w, ok := want[c.Name]
		if !ok {
			t.Errorf("unexpected cookie %q", c.Name)
			continue
		}
		seen[c.Name] = true
		if c.Value == "" || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode || c.Path != w.path || c.MaxAge != w.maxAge || c.Domain != "" {
			t.Errorf("cookie %s = %q: HttpOnly=%v Secure=%v SameSite=%v Path=%q MaxAge=%d Domain=%q; want HttpOnly Secure SameSite=Strict Path=%q MaxAge=%d no Domain",
				c.Name, c.Raw, c.HttpOnly, c.Secure, c.SameSite, c.Path, c.MaxAge, c.Domain, w.path, w.maxAge)
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("cookie %s not set", name)
		}
	}
}

// wantCleared asserts that a logout told the client to drop every
// credential cookie (Max-Age=0 on the wire, same path as when set).
func wantCleared(t *testing.T, v variant, got []*http.Cookie) {
	t.Helper()
	want := map[string]string{sessionauth.Cookie: "/"}
	if v.isJWT() {
		want = map[string]string{jwtauth.AccessCookie: "/", jwtauth.RefreshCookie: "/auth"}
	}
	for _, c := range got {
		if p, ok := want[c.Name]; ok && c.MaxAge < 0 && c.Value == "" && c.Path == p {
			delete(want, c.Name)
		}
	}
	for name := range want {
		t.Errorf("logout did not clear cookie %s (got %v)", name, got)
	}
}

// TestConformance runs the article's whole flow against every variant
// through the real handler set: login → me → refresh → me → logout →
// replayed old cookies, then revoke-user and expiry. Where the variants
// differ, the test states each one's documented semantics.
func TestConformance(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			e, ts := serveEnv(t, v)
			c := newClient(t, ts)

			r := c.do(http.MethodGet, "/healthz", "")
			wantStatus(t, "healthz", r, http.StatusOK)
			// The backend's Info().Name is the variant name before any
			// "/<algorithm or cookie flavour>".
			backend, _, _ := strings.Cut(v.name, "/")
			if want := `{"status":"ok","backend":"` + backend + `"}`; r.body != want {
				t.Errorf("healthz body %s, want %s", r.body, want)
			}
			r = c.do(http.MethodGet, "/info", "")
			wantStatus(t, "info", r, http.StatusOK)
			if want := `"name":"` + backend + `"`; !strings.Contains(r.body, want) {
				t.Errorf("info body %s, want it to hold %s", r.body, want)
			}

			r = c.login("user-1")
			wantStatus(t, "login", r, http.StatusOK)
			if r.body != `{"user":"user-1"}` {
				t.Errorf("login body %s", r.body)
			}
			wantCookies(t, v, r.cookies)

			r = c.do(http.MethodGet, "/api/me", "")
			wantStatus(t, "me after login", r, http.StatusOK)
			if r.body != `{"user":"user-1"}` {
				t.Errorf("me body %s", r.body)
			}

			e.clk.Advance(time.Minute)
			before := c.snapshot()
			r = c.do(http.MethodPost, "/auth/refresh", "")
			wantStatus(t, "refresh", r, http.StatusOK)
			wantCookies(t, v, r.cookies)
			if v.isJWT() && c.cookies[jwtauth.AccessCookie].Value == before[jwtauth.AccessCookie].Value {
				t.Error("refresh did not issue a new access token")
			}
			if v.isJWT() && c.cookies[jwtauth.RefreshCookie].Value == before[jwtauth.RefreshCookie].Value {
				t.Error("refresh did not rotate the refresh token")
			}

			r = c.do(http.MethodGet, "/api/me", "")
			wantStatus(t, "me after refresh", r, http.StatusOK)

			old := c.snapshot()
			r = c.do(http.MethodPost, "/auth/logout", "")
			wantStatus(t, "logout", r, http.StatusNoContent)
			wantCleared(t, v, r.cookies)
			wantRevocation := "immediate"
			if !v.stateful {
				wantRevocation = "at-expiry"
			}
			if got := r.header.Get("Authbench-Revocation"); got != wantRevocation {
				t.Errorf("logout Authbench-Revocation = %q, want %q", got, wantRevocation)
			}

			r = c.do(http.MethodGet, "/api/me", "")
			wantStatus(t, "me after logout, cookies dropped", r, http.StatusUnauthorized)

			// The article's point: a copy of the logged-out credential.
			c.restore(old)
			if v.stateful {
				wantRefused(t, v, "replayed cookie after logout (revoked at once, or within the cache bound)", c, http.MethodGet, "/api/me", http.StatusUnauthorized)
			} else {
				r = c.do(http.MethodGet, "/api/me", "")
				wantStatus(t, "replayed access token after logout (stateless: valid until exp)", r, http.StatusOK)
			}
			r = c.do(http.MethodPost, "/auth/refresh", "")
			if v.stateful {
				wantStatus(t, "replayed refresh after logout", r, http.StatusUnauthorized)
			} else {
				wantStatus(t, "replayed refresh token after logout (stateless: valid until exp)", r, http.StatusOK)
			}

			// The replayed access token of stateless jwt dies at exp.
			if !v.stateful {
				c.restore(old)
				e.clk.Advance(v.ttl() + time.Second)
				r = c.do(http.MethodGet, "/api/me", "")
				wantStatus(t, "replayed access token after its exp", r, http.StatusUnauthorized)
			}
		})
	}
}

// TestRevokeUser: forced logout of every credential of one user, as after
// an account takeover. Stateless jwt cannot, and says so with 501.
func TestRevokeUser(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			e, ts := serveEnv(t, v)
			victim1, victim2, other := newClient(t, ts), newClient(t, ts), newClient(t, ts)
			wantStatus(t, "login 1", victim1.login("user-7"), http.StatusOK)
			wantStatus(t, "login 2", victim2.login("user-7"), http.StatusOK)
			wantStatus(t, "login other", other.login("user-8"), http.StatusOK)

			admin := newClient(t, ts)
			r := admin.do(http.MethodPost, "/admin/revoke-user", `{"user":"user-7"}`, "Authorization", "Bearer wrong-token-wrong-token")
			wantStatus(t, "revoke with a wrong admin token", r, http.StatusUnauthorized)
			r = admin.do(http.MethodPost, "/admin/revoke-user", `{"user":"user-7"}`, "Authorization", "Bearer "+adminToken)
			if !v.stateful {
				wantStatus(t, "revoke-user on stateless jwt", r, http.StatusNotImplemented)
				wantStatus(t, "me after unsupported revoke", victim1.do(http.MethodGet, "/api/me", ""), http.StatusOK)
				return
			}
			wantStatus(t, "revoke-user", r, http.StatusNoContent)
			if got := r.header.Get("Authbench-Revocation"); got != "immediate" {
				t.Errorf("revoke-user Authbench-Revocation = %q, want immediate", got)
			}
			for i, c := range []*client{victim1, victim2} {
				wantRefused(t, v, fmt.Sprintf("victim %d me after revoke-user", i+1), c, http.MethodGet, "/api/me", http.StatusUnauthorized)
				wantRefused(t, v, fmt.Sprintf("victim %d refresh after revoke-user", i+1), c, http.MethodPost, "/auth/refresh", http.StatusUnauthorized)
			}
			wantStatus(t, "other user unaffected", other.do(http.MethodGet, "/api/me", ""), http.StatusOK)
			// The rightful owner logs in again a moment later, in the same
			// second (revocation is at microsecond precision).
			e.clk.Advance(time.Millisecond)
			again := newClient(t, ts)
			wantStatus(t, "login after revoke", again.login("user-7"), http.StatusOK)
			wantStatus(t, "me after login after revoke", again.do(http.MethodGet, "/api/me", ""), http.StatusOK)
		})
	}
}

// TestExpiry uses the injected clock: the access token (15 min) and the
// session's idle timeout (15 min) end; a JWT refresh token outlives the
// access token, a session does not outlive its idle timeout.
func TestExpiry(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			e, ts := serveEnv(t, v)
			c := newClient(t, ts)
			wantStatus(t, "login", c.login("user-3"), http.StatusOK)
			e.clk.Advance(v.ttl() - time.Second)
			wantStatus(t, "me just before expiry", c.do(http.MethodGet, "/api/me", ""), http.StatusOK)
			if !v.isJWT() {
				// Activity slid the idle deadline: 15 min from now. A
				// cached variant sees its own touch once the invalidation
				// lands, within the cache bound; the injected clock jumps
				// 15 minutes in no real time, so wait that bound out.
				if v.cached {
					time.Sleep(cacheBound)
				}
				e.clk.Advance(v.ttl() - time.Second)
				wantStatus(t, "me after sliding", c.do(http.MethodGet, "/api/me", ""), http.StatusOK)
			}
			e.clk.Advance(v.ttl() + 2*time.Second)
			wantStatus(t, "me after expiry", c.do(http.MethodGet, "/api/me", ""), http.StatusUnauthorized)
			r := c.do(http.MethodPost, "/auth/refresh", "")
			if v.isJWT() {
				wantStatus(t, "refresh with a live refresh token", r, http.StatusOK)
				wantStatus(t, "me after refresh", c.do(http.MethodGet, "/api/me", ""), http.StatusOK)
				e.clk.Advance(refreshTTL)
				wantStatus(t, "refresh after the refresh token's exp", c.do(http.MethodPost, "/auth/refresh", ""), http.StatusUnauthorized)
			} else {
				wantStatus(t, "refresh of an idle-expired session", r, http.StatusUnauthorized)
			}
		})
	}
}

// TestLoginFailures: wrong credentials are 401 and set no cookie.
func TestLoginFailures(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			_, ts := serveEnv(t, v)
			for _, body := range []string{
				`{"username":"user-1","password":"wrong"}`,
				`{"username":"user-100","password":"password"}`, // only 100 users
				`{"username":"user-01","password":"password"}`,
				`{"username":"admin","password":"password"}`,
				`{"username":"user-1","password":""}`,
			} {
				r := newClient(t, ts).do(http.MethodPost, "/auth/login", body)
				if r.code != http.StatusUnauthorized || r.body != `{"error":"invalid username or password"}` || len(r.cookies) != 0 {
					t.Errorf("login %s: %d %s cookies=%d, want 401 invalid username or password, no cookie", body, r.code, r.body, len(r.cookies))
				}
			}
		})
	}
}

func TestErrorBodiesAreJSON(t *testing.T) {
	v := variants()[0]
	_, ts := serveEnv(t, v)
	c := newClient(t, ts)
	for _, tt := range []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/nope", http.StatusNotFound},
		{http.MethodGet, "/auth/login", http.StatusMethodNotAllowed},
		{http.MethodPost, "/api/me", http.StatusMethodNotAllowed},
		{http.MethodGet, "/auth/logout", http.StatusMethodNotAllowed},
		{http.MethodPost, "/admin/revoke-user", http.StatusUnauthorized},
	} {
		r := c.do(tt.method, tt.path, "")
		if r.code != tt.want || !strings.HasPrefix(r.body, `{"error":"`) || r.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: %d %q (%s), want %d with a JSON error", tt.method, tt.path, r.code, r.body, r.header.Get("Content-Type"), tt.want)
		}
	}
}
