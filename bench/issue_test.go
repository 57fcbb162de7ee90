package bench

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/authbench/authbench/jwtauth"
	"github.com/authbench/authbench/server"
	"github.com/authbench/authbench/sessionauth"
	"golang.org/x/crypto/bcrypt"
)

// BenchmarkLogin is the cost of issuing a credential, per variant: what
// POST /auth/login costs once the password has checked out (that check is
// the same for every variant; see BenchmarkBcrypt). Each iteration is a
// new login: fresh tokens, or a fresh session written in one MULTI/EXEC.
func BenchmarkLogin(b *testing.B) {
	rb := sharedRedis(b)
	for _, v := range variants() {
		b.Run(v.name(), func(b *testing.B) {
			e := rb.env(b)
			be, _, err := newBackend(v, e)
			if err != nil {
				b.Fatal(err)
			}
			r := httptest.NewRequest(http.MethodPost, "/auth/login", nil)
			w := newHeaderWriter()
			// One login before timing: the first MULTI on a fresh
			// client also runs go-redis' connection handshake.
			if _, err := be.Login(w, r, testUser); err != nil {
				b.Fatalf("warm-up: %v", err)
			}
			run(b, false, e.trips, func() op {
				return func() error {
					w.reset()
					id, err := be.Login(w, r, testUser)
					if err != nil {
						return err
					}
					return checkUser(id.User)
				}
			})
			b.ReportMetric(float64(setCookieBytes(w.h)), "set-cookie-B/op")
		})
	}
}

// BenchmarkRefresh is the cost of POST /auth/refresh, per variant. The
// iterations chain: each sends the cookie the previous one set, as a
// browser would. That is required for jwt-blacklist, where a refresh
// token can be used once (reuse revokes its family), and it keeps every
// variant on the same footing. jwt and jwt-blacklist exchange the refresh
// token (Path=/auth) for a new pair; session renews the session's idle
// deadline and sets its cookie again.
func BenchmarkRefresh(b *testing.B) {
	rb := sharedRedis(b)
	for _, v := range variants() {
		b.Run(v.name(), func(b *testing.B) {
			e := rb.env(b)
			be, _, err := newBackend(v, e)
			if err != nil {
				b.Fatal(err)
			}
			h, err := login(be)
			if err != nil {
				b.Fatal(err)
			}
			name := jwtauth.RefreshCookie
			if v.backend == "session" {
				name = sessionauth.Cookie
			}
			pair, ok := setCookiePair(h, name)
			if !ok {
				b.Fatalf("login set no %s cookie: %v", name, h["Set-Cookie"])
			}
			r := httptest.NewRequest(http.MethodPost, "/auth/refresh", nil)
			cookie := []string{pair}
			r.Header["Cookie"] = cookie
			w := newHeaderWriter()
			refresh := func() error {
				w.reset()
				id, err := be.Refresh(w, r)
				if err != nil {
					return fmt.Errorf("refresh with %.40s...: %w", cookie[0], err)
				}
				next, ok := setCookiePair(w.h, name)
				if !ok {
					return fmt.Errorf("bench: refresh set no %s cookie", name)
				}
				cookie[0] = next
				return checkUser(id.User)
			}
			// One refresh before timing loads jwt-blacklist's rotation
			// script into Redis (EVALSHA falls back to EVAL once).
			if err := refresh(); err != nil {
				b.Fatalf("warm-up: %v", err)
			}
			run(b, false, e.trips, func() op { return refresh })
			b.ReportMetric(float64(setCookieBytes(w.h)), "set-cookie-B/op")
		})
	}
}

// BenchmarkBcrypt is the password check every login pays whatever the
// variant, as server.Users does it: at bcrypt's default cost 10, and at
// cost 4 that the load tests use so logins do not drown the figures.
func BenchmarkBcrypt(b *testing.B) {
	for _, cost := range []int{bcrypt.DefaultCost, bcrypt.MinCost} {
		b.Run("cost="+strconv.Itoa(cost), func(b *testing.B) {
			users, err := server.NewUsers(1, "password", cost)
			if err != nil {
				b.Fatal(err)
			}
			name := server.Name(0)
			run(b, false, nil, func() op {
				return func() error {
					if !users.Check(name, "password") {
						return fmt.Errorf("bench: %s refused at cost %d", name, cost)
					}
					return nil
				}
			})
		})
	}
}

// BenchmarkServeMe is a whole GET /api/me through the shared handler set
// (server.New), in process: routing, security headers, authentication and
// the JSON answer into an httptest.ResponseRecorder, no socket. The "none"
// baseline (server.NoAuth) goes through the same handlers, so the auth
// share of a request is the difference.
func BenchmarkServeMe(b *testing.B) { benchServeMe(b, false) }

// BenchmarkServeMeParallel is BenchmarkServeMe from GOMAXPROCS goroutines.
func BenchmarkServeMeParallel(b *testing.B) { benchServeMe(b, true) }

func benchServeMe(b *testing.B, parallel bool) {
	rb := sharedRedis(b)
	users, err := server.NewUsers(1, "password", bcrypt.MinCost)
	if err != nil {
		b.Fatal(err)
	}
	vs := append([]variant{{backend: "none"}}, variants()...)
	for _, v := range vs {
		b.Run(v.name(), func(b *testing.B) {
			ctx := context.Background()
			e := rb.env(b)
			var (
				srv    http.Handler
				err    error
				cookie string
				want   = []byte(`{"user":"` + testUser + `"}`)
			)
			if v.backend == "none" {
				srv, err = server.New(server.Config{Backend: server.NoAuth{}, Users: users})
				want = []byte(`{"user":"` + server.Anonymous + `"}`)
			} else {
				be, _, c, lerr := loginCookie(v, e)
				if lerr != nil {
					b.Fatal(lerr)
				}
				cookie = c
				srv, err = server.New(server.Config{Backend: be, Users: users})
			}
			if err != nil {
				b.Fatal(err)
			}
			newOp := func() op {
				// The mux writes into the request it routes, so each
				// goroutine has its own.
				r := meRequest(cookie)
				return func() error {
					rec := httptest.NewRecorder()
					srv.ServeHTTP(rec, r)
					if body := bytes.TrimSuffix(rec.Body.Bytes(), []byte("\n")); rec.Code != http.StatusOK || !bytes.Equal(body, want) {
						return fmt.Errorf("%w: %d %q", errStatus, rec.Code, rec.Body.String())
					}
					return nil
				}
			}
			if err := newOp()(); err != nil {
				b.Fatalf("warm-up: %v", err)
			}
			held, _, err := e.bytesHeld(ctx)
			if err != nil {
				b.Fatal(err)
			}
			run(b, parallel, e.trips, newOp)
			b.ReportMetric(float64(len(cookie)), "cookie-B/op")
			b.ReportMetric(float64(held), "redis-B/user")
		})
	}
}
