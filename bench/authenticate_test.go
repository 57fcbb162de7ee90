package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/alexedwards/scs/goredisstore"
	"github.com/alexedwards/scs/v2"
	"github.com/authbench/authbench"
	"github.com/authbench/authbench/jwtauth"
	"github.com/authbench/authbench/sessionauth"
	"github.com/golang-jwt/jwt/v5"
)

// Implementations set side by side for each variant (the impl= level).
const (
	implOurs      = "authbench" // the backend's own Authenticate
	implRaw       = "raw"       // the library operation it rests on, bare
	implMapClaims = "mapclaims" // peer: golang-jwt with MapClaims
	implSCS       = "scs"       // peer: alexedwards/scs v2 on goredisstore
)

// authCase is one sub-benchmark of BenchmarkAuthenticate: setup logs a
// user in under e and returns the per-request operation and the Cookie
// header the request carries.
type authCase struct {
	name  string
	setup func(ctx context.Context, e *env) (newOp func() op, cookie string, err error)
}

// authCases lists, per variant, our Authenticate, the raw library
// operation and the peer where there is one.
func authCases() []authCase {
	var cs []authCase
	for _, v := range variants() {
		cs = append(cs, authCase{name: v.name() + "/impl=" + implOurs, setup: oursAuth(v)})
		switch v.backend {
		case "jwt":
			cs = append(cs,
				authCase{name: v.name() + "/impl=" + implRaw, setup: rawJWT(v, false)},
				authCase{name: v.name() + "/impl=" + implMapClaims, setup: mapClaimsJWT(v)})
		case "jwt-blacklist":
			cs = append(cs, authCase{name: v.name() + "/impl=" + implRaw, setup: rawJWT(v, true)})
		case "session":
			cs = append(cs, authCase{name: v.name() + "/impl=" + implRaw, setup: rawSession(v)})
			if v.cookie == "unsigned" {
				// scs's cookie is an unsigned random token: its like.
				cs = append(cs, authCase{name: v.name() + "/impl=" + implSCS, setup: scsLoad})
			}
		}
	}
	return cs
}

// BenchmarkAuthenticate is the cost of verifying one request's credential,
// one request at a time: each backend's Authenticate beside the raw
// library operation it rests on and beside the peers.
func BenchmarkAuthenticate(b *testing.B) { benchAuth(b, false) }

// BenchmarkAuthenticateParallel is BenchmarkAuthenticate with GOMAXPROCS
// goroutines verifying at once (b.RunParallel): CPU-bound verification
// scales with cores, a Redis round trip overlaps with other requests.
func BenchmarkAuthenticateParallel(b *testing.B) { benchAuth(b, true) }

func benchAuth(b *testing.B, parallel bool) {
	rb := sharedRedis(b)
	for _, c := range authCases() {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			e := rb.env(b)
			newOp, cookie, err := c.setup(ctx, e)
			if err != nil {
				b.Fatal(err)
			}
			// One request before timing: dials the pool's first
			// connection and loads what is loaded lazily.
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

// meRequest returns a GET /api/me carrying cookie.
func meRequest(cookie string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/api/me", nil)
	r.Header.Set("Cookie", cookie)
	return r
}

// loginCookie builds v's backend under e, logs testUser in and returns
// the backend and the Cookie header sent to /api/me.
func loginCookie(v variant, e *env) (authbench.Backend, *keySet, string, error) {
	be, ks, err := newBackend(v, e)
	if err != nil {
		return nil, nil, "", err
	}
	h, err := login(be)
	if err != nil {
		return nil, nil, "", err
	}
	return be, ks, cookieHeader(h, "/api/me"), nil
}

// checkUser fails an iteration that did not prove testUser.
func checkUser(got string) error {
	if got != testUser {
		return fmt.Errorf("bench: authenticated %q, want %q", got, testUser)
	}
	return nil
}

// oursAuth is the backend's Authenticate on a request carrying the login's
// cookies: cookie parsing, verification and, for stateful variants, the
// store lookup, exactly as the handler set calls it.
func oursAuth(v variant) func(context.Context, *env) (func() op, string, error) {
	return func(_ context.Context, e *env) (func() op, string, error) {
		be, _, cookie, err := loginCookie(v, e)
		if err != nil {
			return nil, "", err
		}
		// Authenticate only reads the request, so goroutines share it.
		r := meRequest(cookie)
		f := func() error {
			id, err := be.Authenticate(r)
			if err != nil {
				return err
			}
			return checkUser(id.User)
		}
		return func() op { return f }, cookie, nil
	}
}

// rawJWT is golang-jwt's ParseWithClaims into jwtauth.Claims with the
// parser options jwtauth uses and a key function returning the key, on the
// token string itself: the floor of the jwt variant. With blacklist it
// adds a go-redis MGET of the three keys jwt-blacklist checks, built once
// beforehand: the floor of jwt-blacklist.
func rawJWT(v variant, blacklist bool) func(context.Context, *env) (func() op, string, error) {
	return func(ctx context.Context, e *env) (func() op, string, error) {
		be, ks, cookie, err := loginCookie(v, e)
		if err != nil {
			return nil, "", err
		}
		tok, err := cookieValue(cookie, jwtauth.AccessCookie)
		if err != nil {
			return nil, "", err
		}
		p := rawParser(v.alg)
		kf := func(*jwt.Token) (any, error) { return ks.verify, nil }
		var keys []string
		if blacklist {
			var c jwtauth.Claims
			if _, err := p.ParseWithClaims(tok, &c, kf); err != nil {
				return nil, "", err
			}
			jb, ok := be.(*jwtauth.Backend)
			if !ok {
				return nil, "", fmt.Errorf("bench: %s is not a jwtauth backend", v.name())
			}
			keys = jb.BlacklistKeys(&c) // the three keys Authenticate's MGET reads
		}
		f := func() error {
			var c jwtauth.Claims
			if _, err := p.ParseWithClaims(tok, &c, kf); err != nil {
				return err
			}
			if keys != nil {
				vals, err := e.client.MGet(ctx, keys...).Result()
				if err != nil {
					return err
				}
				for i, v := range vals {
					if v != nil {
						return fmt.Errorf("bench: %s is set", keys[i])
					}
				}
			}
			return checkUser(c.Subject)
		}
		return func() op { return f }, cookie, nil
	}
}

// mapClaimsJWT is the peer most tutorials show: golang-jwt's Parse into
// MapClaims and the subject read back out of the map. It uses the same
// parser (so the same validation work) on the same token; only the claims
// type differs from rawJWT.
func mapClaimsJWT(v variant) func(context.Context, *env) (func() op, string, error) {
	return func(_ context.Context, e *env) (func() op, string, error) {
		_, ks, cookie, err := loginCookie(v, e)
		if err != nil {
			return nil, "", err
		}
		tok, err := cookieValue(cookie, jwtauth.AccessCookie)
		if err != nil {
			return nil, "", err
		}
		p := rawParser(v.alg)
		kf := func(*jwt.Token) (any, error) { return ks.verify, nil }
		f := func() error {
			t, err := p.Parse(tok, kf)
			if err != nil {
				return err
			}
			sub, err := t.Claims.GetSubject()
			if err != nil {
				return err
			}
			return checkUser(sub)
		}
		return func() op { return f }, cookie, nil
	}
}

// rawSession is a go-redis GET of the session's key, built once
// beforehand, and the decoding sessionauth does of the value: the floor of
// the session variant, signed or not (the HMAC check of a signed cookie is
// part of what the backend adds).
func rawSession(v variant) func(context.Context, *env) (func() op, string, error) {
	return func(ctx context.Context, e *env) (func() op, string, error) {
		_, _, cookie, err := loginCookie(v, e)
		if err != nil {
			return nil, "", err
		}
		// The signed cookie does not show the ID; the login stored
		// exactly one session under the env's prefix.
		keys, err := e.client.Keys(ctx, e.prefix+"sess:*").Result()
		if err != nil {
			return nil, "", err
		}
		if len(keys) != 1 {
			return nil, "", fmt.Errorf("bench: %d session keys under %s, want 1", len(keys), e.prefix)
		}
		key := keys[0]
		f := func() error {
			val, err := e.client.Get(ctx, key).Result()
			if err != nil {
				return err
			}
			user, err := decodeSession(val)
			if err != nil {
				return err
			}
			return checkUser(user)
		}
		return func() op { return f }, cookie, nil
	}
}

// decodeSession is sessionauth's decodeRecord (sessionauth/record.go):
// version byte, created-at and last-seen as big-endian nanoseconds, the
// user to the end, read in place. It returns the user once the two
// timestamps are read, as the backend needs them for its deadline checks.
func decodeSession(v string) (string, error) {
	const header = 17
	if len(v) <= header || v[0] != 0x01 || len(v) > header+sessionauth.MaxUserBytes {
		return "", errors.New("bench: stored session value has an unknown format")
	}
	created, lastSeen := be64(v[1:9]), be64(v[9:17])
	if created == 0 || lastSeen < created {
		return "", errors.New("bench: stored session has impossible timestamps")
	}
	return v[header:], nil
}

func be64(s string) uint64 {
	_ = s[7]
	return uint64(s[7]) | uint64(s[6])<<8 | uint64(s[5])<<16 | uint64(s[4])<<24 |
		uint64(s[3])<<32 | uint64(s[2])<<40 | uint64(s[1])<<48 | uint64(s[0])<<56
}

// newSCS returns an scs session manager on goredisstore under e's prefix,
// configured like our session variant where scs can be: cookie "session",
// lifetime 7 days (our absolute timeout), no idle timeout. With an idle
// timeout scs rewrites the session on every request (a second round trip
// and a gob encoding); without one it does the least it can, so the
// comparison is with scs at its cheapest.
func newSCS(e *env) *scs.SessionManager {
	sm := scs.New()
	sm.Store = goredisstore.NewWithPrefix(e.client, e.prefix+"scs:")
	sm.Lifetime = sessionauth.DefaultAbsoluteTimeout
	sm.Cookie.Name = sessionauth.Cookie
	sm.Cookie.HttpOnly = true
	sm.Cookie.Secure = true
	sm.Cookie.SameSite = http.SameSiteStrictMode
	return sm
}

// scsLogin stores a session holding testUser through sm and returns the
// Cookie header a browser would send back.
func scsLogin(ctx context.Context, sm *scs.SessionManager) (string, error) {
	sctx, err := sm.Load(ctx, "")
	if err != nil {
		return "", fmt.Errorf("bench: scs load: %w", err)
	}
	sm.Put(sctx, "user", testUser)
	token, expiry, err := sm.Commit(sctx)
	if err != nil {
		return "", fmt.Errorf("bench: scs commit: %w", err)
	}
	rec := httptest.NewRecorder()
	sm.WriteSessionCookie(sctx, rec, token, expiry)
	return cookieHeader(rec.Header(), "/api/me"), nil
}

// scsLoad is what scs's LoadAndSave middleware does for a request that
// only reads its session, minus the response plumbing: the cookie read
// with r.Cookie, Load (one GET and a gob decoding of the session map into
// a new context) and GetString of the user. A read-only request is
// Unmodified, so nothing is written back. This is the honest equivalent
// of our Authenticate: cookie to user name.
func scsLoad(ctx context.Context, e *env) (func() op, string, error) {
	sm := newSCS(e)
	cookie, err := scsLogin(ctx, sm)
	if err != nil {
		return nil, "", err
	}
	r := meRequest(cookie)
	f := func() error {
		c, err := r.Cookie(sm.Cookie.Name)
		if err != nil {
			return err
		}
		sctx, err := sm.Load(r.Context(), c.Value)
		if err != nil {
			return err
		}
		return checkUser(sm.GetString(sctx, "user"))
	}
	return func() op { return f }, cookie, nil
}
