package server_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/authbench/authbench/redisprov/redistest"
)

// TestStoreOutage stops the Redis the test started under a running server:
// variants that need it fail closed with 503 (never 200, never 401: the
// credential is not known bad, the store is down) and set no cookie on
// login; stateless jwt, and session-memory, whose sessions never touch
// Redis, are untouched. When Redis comes back every variant recovers by
// itself, without restarting the server. The restarted store is empty
// (persistence off), and what each design loses with it is asserted too.
func TestStoreOutage(t *testing.T) {
	for _, v := range []variant{variants()[0], variants()[4], variants()[6], variants()[7], variants()[8]} {
		t.Run(v.name, func(t *testing.T) {
			r := redistest.Private(t)
			rdb := r.Client()
			t.Cleanup(func() { rdb.Close() })
			e := newEnv(t, v, rdb, r.Prefix)
			ts := httptest.NewServer(e.srv)
			t.Cleanup(ts.Close)

			c := newClient(t, ts)
			wantStatus(t, "login", c.login("user-1"), http.StatusOK)
			wantStatus(t, "me", c.do(http.MethodGet, "/api/me", ""), http.StatusOK)

			// A second login, logged out before the outage.
			lo := newClient(t, ts)
			wantStatus(t, "login to log out", lo.login("user-3"), http.StatusOK)
			loggedOut := lo.snapshot()
			wantStatus(t, "logout", lo.do(http.MethodPost, "/auth/logout", ""), http.StatusNoContent)

			if err := r.Stop(); err != nil {
				t.Fatal(err)
			}
			down := http.StatusServiceUnavailable
			if !v.stateful || v.inMemory() {
				down = http.StatusOK
			}
			for i := 0; i < 3; i++ { // not just the first request on a broken connection
				wantStatus(t, "me during outage", c.do(http.MethodGet, "/api/me", ""), down)
			}
			fresh := newClient(t, ts)
			lr := fresh.login("user-2")
			wantStatus(t, "login during outage", lr, down)
			if down != http.StatusOK && len(lr.cookies) != 0 {
				t.Errorf("login during outage set cookies %v", lr.cookies)
			}
			if v.stateful {
				wantStatus(t, "refresh during outage", c.do(http.MethodPost, "/auth/refresh", ""), down)
			}

			if err := r.Start(); err != nil {
				t.Fatal(err)
			}
			// Recovery needs no server restart; allow the client pool a
			// moment to redial (a bounded wait, not a performance assertion).
			deadline := time.Now().Add(10 * time.Second)
			for {
				got := fresh.login("user-2")
				if got.code == http.StatusOK {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no recovery after restart: login %d %s", got.code, got.body)
				}
				time.Sleep(50 * time.Millisecond)
			}
			wantStatus(t, "me after recovery", fresh.do(http.MethodGet, "/api/me", ""), http.StatusOK)

			// The restarted redis-server has persistence off, so it came back
			// empty. What that means is a property of each design, asserted:
			// sessions are gone (everyone must log in again), while JWTs live
			// on, and a blacklist forgets the revocations it held.
			old := c.do(http.MethodGet, "/api/me", "")
			switch {
			case v.isJWT():
				wantStatus(t, "pre-outage token after an empty restart", old, http.StatusOK)
			case v.inMemory():
				wantStatus(t, "pre-outage session after an empty restart (held in the server's memory)", old, http.StatusOK)
			default:
				wantStatus(t, "pre-outage session after an empty restart (state lost)", old, http.StatusUnauthorized)
			}
			if v.stateful && v.isJWT() {
				c.restore(loggedOut)
				wantStatus(t, "logged-out token after an empty restart (blacklist forgotten)", c.do(http.MethodGet, "/api/me", ""), http.StatusOK)
			}
			if !v.isJWT() {
				c.restore(loggedOut)
				wantStatus(t, "logged-out session after an empty restart", c.do(http.MethodGet, "/api/me", ""), http.StatusUnauthorized)
			}
		})
	}
}
