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
//
// Every registry variant runs (one signing algorithm each; the cluster
// flavours have TestClusterShardOutage). A cached variant may answer
// from its cache for at most its bound (cacheBound) after the store goes,
// then must fail closed like the others; jwt-epoch keeps no per-login
// state, so a login during the outage is issued (200) but its token is
// refused with 503 until the store is back.
func TestStoreOutage(t *testing.T) {
	var outage []variant
	for _, v := range variants() {
		if v.cluster || (v.isJWT() && v.alg != "HS256") || v.name == "jwt-blacklist/ES256" {
			continue
		}
		outage = append(outage, v)
	}
	for _, v := range outage {
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
			// A cached variant may still answer from its cache, within its
			// bound; past it, it fails closed like the rest.
			wantRefused(t, v, "me during outage", c, http.MethodGet, "/api/me", down)
			for i := 0; i < 3; i++ { // not just the first request on a broken connection
				wantStatus(t, "me during outage", c.do(http.MethodGet, "/api/me", ""), down)
			}
			fresh := newClient(t, ts)
			lr := fresh.login("user-2")
			loginDown := down
			if v.base() == "jwt-epoch" {
				loginDown = http.StatusOK // no per-login state to write
			}
			wantStatus(t, "login during outage", lr, loginDown)
			if loginDown != http.StatusOK && len(lr.cookies) != 0 {
				t.Errorf("login during outage set cookies %v", lr.cookies)
			}
			if loginDown != down {
				wantStatus(t, "me with a login issued during the outage", fresh.do(http.MethodGet, "/api/me", ""), down)
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
					// a login, then a request the store must answer
					if got = fresh.do(http.MethodGet, "/api/me", ""); got.code == http.StatusOK {
						break
					}
				}
				if time.Now().After(deadline) {
					t.Fatalf("no recovery after restart: %d %s", got.code, got.body)
				}
				time.Sleep(50 * time.Millisecond)
			}

			// The restarted redis-server has persistence off, so it came back
			// empty. What that means is a property of each design, asserted:
			// sessions are gone (everyone must log in again), while JWTs live
			// on, and a blacklist forgets the revocations it held.
			// (A cached variant may take up to its bound to see it.)
			switch {
			case v.isJWT():
				wantRefused(t, v, "pre-outage token after an empty restart", c, http.MethodGet, "/api/me", http.StatusOK)
			case v.inMemory():
				wantStatus(t, "pre-outage session after an empty restart (held in the server's memory)", c.do(http.MethodGet, "/api/me", ""), http.StatusOK)
			default:
				wantRefused(t, v, "pre-outage session after an empty restart (state lost)", c, http.MethodGet, "/api/me", http.StatusUnauthorized)
			}
			if v.stateful && v.isJWT() {
				c.restore(loggedOut)
				wantRefused(t, v, "logged-out token after an empty restart (revocation forgotten)", c, http.MethodGet, "/api/me", http.StatusOK)
			}
			if !v.isJWT() {
				c.restore(loggedOut)
				wantStatus(t, "logged-out session after an empty restart", c.do(http.MethodGet, "/api/me", ""), http.StatusUnauthorized)
			}
		})
	}
}
