package jwtauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authbench/authbench"
)

func TestNewConfigErrors(t *testing.T) {
	keys := testKeys(t, AlgHS256)
	tests := []struct {
		name      string
		cfg       Config
		wantField string // "" means New succeeds
	}{
		{name: "defaults", cfg: Config{Keys: keys}},
		{name: "no keys", cfg: Config{}, wantField: "Config.Keys"},
		{name: "zero keys", cfg: Config{Keys: &Keys{}}, wantField: "Config.Keys"},
		{name: "negative access TTL", cfg: Config{Keys: keys, AccessTTL: -time.Minute}, wantField: "Config.AccessTTL"},
		{name: "sub-second access TTL", cfg: Config{Keys: keys, AccessTTL: 500 * time.Millisecond}, wantField: "Config.AccessTTL"},
		{name: "sub-second refresh TTL", cfg: Config{Keys: keys, RefreshTTL: time.Millisecond}, wantField: "Config.RefreshTTL"},
		{name: "negative leeway", cfg: Config{Keys: keys, Leeway: -time.Second}, wantField: "Config.Leeway"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := New(tt.cfg)
			if (err != nil) != (tt.wantField != "") {
				t.Fatalf("New: error = %v, want one naming %q", err, tt.wantField)
			}
			if err != nil && !strings.Contains(err.Error(), tt.wantField) {
				t.Errorf("New: error %q does not name %s", err, tt.wantField)
			}
			if err == nil && (b.issuer != DefaultIssuer || b.audience[0] != DefaultAudience || b.accessTTL != DefaultAccessTTL || b.refreshTTL != DefaultRefreshTTL) {
				t.Errorf("defaults not applied: %+v", b)
			}
		})
	}
}

func TestInfo(t *testing.T) {
	tests := []struct {
		variant string
		want    authbench.Info
	}{
		{"jwt", authbench.Info{Name: "jwt", Stateful: false, Logout: authbench.RevocationAtExpiry, RevokeUser: authbench.RevocationUnsupported}},
		{"jwt-blacklist", authbench.Info{Name: "jwt-blacklist", Stateful: true, Logout: authbench.RevocationImmediate, RevokeUser: authbench.RevocationImmediate}},
	}
	for _, tt := range tests {
		t.Run(tt.variant, func(t *testing.T) {
			b := newTestBackend(t, tt.variant, testKeys(t, AlgHS256), newClock(), nil)
			if got := b.Info(); got != tt.want {
				t.Errorf("Info() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestRoundTrip logs in, authenticates, refreshes ten minutes later (the
// article's front-end interval) and authenticates with the new token, for
// every algorithm and variant.
func TestRoundTrip(t *testing.T) {
	for _, variant := range variants {
		for _, alg := range algs {
			t.Run(variant+"/"+alg, func(t *testing.T) {
				clk := newClock()
				b := newTestBackend(t, variant, testKeys(t, alg), clk, nil)

				rec := httptest.NewRecorder()
				id, err := b.Login(rec, httptest.NewRequest(http.MethodPost, "/auth/login", nil), "user-42")
				if err != nil {
					t.Fatalf("Login: %v", err)
				}
				want := authbench.Identity{User: "user-42", Expires: t0.Add(DefaultAccessTTL)}
				if !sameIdentity(id, want) {
					t.Errorf("Login identity = %+v, want %+v", id, want)
				}
				cr := credsOf(t, rec)
				checkCookie(t, cr.access, AccessCookiePath, DefaultAccessTTL)
				checkCookie(t, cr.refresh, RefreshCookiePath, DefaultRefreshTTL)

				got, err := b.Authenticate(accessReq(cr.access.Value))
				if err != nil {
					t.Fatalf("Authenticate: %v", err)
				}
				if !sameIdentity(got, want) {
					t.Errorf("Authenticate = %+v, want %+v", got, want)
				}
				ac, err := b.Parse(cr.access.Value)
				if err != nil {
					t.Fatal(err)
				}
				rc, err := b.parse(cr.refresh.Value, UseRefresh)
				if err != nil {
					t.Fatal(err)
				}
				if ac.Family != rc.Family || ac.ID == rc.ID || len(ac.ID) != 22 || len(ac.Family) != 22 {
					t.Errorf("access fam/jti %s/%s, refresh %s/%s: want one 22-char family, distinct jtis", ac.Family, ac.ID, rc.Family, rc.ID)
				}

				clk.Advance(10 * time.Minute)
				rec = httptest.NewRecorder()
				id, err = b.Refresh(rec, refreshReq(cr.refresh.Value))
				if err != nil {
					t.Fatalf("Refresh: %v", err)
				}
				want.Expires = clk.Now().Add(DefaultAccessTTL)
				if !sameIdentity(id, want) {
					t.Errorf("Refresh identity = %+v, want %+v", id, want)
				}
				cr2 := credsOf(t, rec)
				checkCookie(t, cr2.access, AccessCookiePath, DefaultAccessTTL)
				checkCookie(t, cr2.refresh, RefreshCookiePath, DefaultRefreshTTL)
				if cr2.access.Value == cr.access.Value || cr2.refresh.Value == cr.refresh.Value {
					t.Error("Refresh did not issue new tokens")
				}
				ac2, err := b.Parse(cr2.access.Value)
				if err != nil {
					t.Fatalf("Parse(refreshed access): %v", err)
				}
				if ac2.Family != ac.Family {
					t.Errorf("refreshed family %s, want %s", ac2.Family, ac.Family)
				}
				got, err = b.Authenticate(accessReq(cr2.access.Value))
				if err != nil || !sameIdentity(got, want) {
					t.Fatalf("Authenticate(refreshed) = %+v, %v; want %+v", got, err, want)
				}
				// Rotation does not revoke the previous access token: it
				// simply runs out.
				checkErr(t, "Authenticate(first access)", authenticate(b, cr.access.Value), nil)
				clk.Advance(5 * time.Minute)
				checkErr(t, "Authenticate(first access, at exp)", authenticate(b, cr.access.Value), authbench.ErrExpired)
				checkErr(t, "Authenticate(refreshed access)", authenticate(b, cr2.access.Value), nil)
			})
		}
	}
}

// sameIdentity compares identities by instant, not by time.Location.
func sameIdentity(a, b authbench.Identity) bool {
	return a.User == b.User && a.Expires.Equal(b.Expires)
}

func checkCookie(tb testing.TB, c *http.Cookie, path string, ttl time.Duration) {
	tb.Helper()
	if c.Path != path || c.MaxAge != int(ttl/time.Second) || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode {
		tb.Errorf("cookie %s: Path=%q MaxAge=%d HttpOnly=%t Secure=%t SameSite=%v; want Path=%q MaxAge=%d HttpOnly Secure SameSite=Strict",
			c.Name, c.Path, c.MaxAge, c.HttpOnly, c.Secure, c.SameSite, path, int(ttl/time.Second))
	}
}

// checkCleared fails unless rec told the browser to drop both cookies.
func checkCleared(tb testing.TB, rec *httptest.ResponseRecorder) {
	tb.Helper()
	m := cookiesOf(tb, rec)
	for name, path := range map[string]string{AccessCookie: AccessCookiePath, RefreshCookie: RefreshCookiePath} {
		c := m[name]
		if c == nil || c.MaxAge >= 0 || c.Value != "" || c.Path != path {
			tb.Errorf("cookie %s not cleared for path %s: %v", name, path, c)
		}
	}
}

func checkNoCookies(tb testing.TB, rec *httptest.ResponseRecorder) {
	tb.Helper()
	if sc := rec.Result().Header["Set-Cookie"]; len(sc) != 0 {
		tb.Errorf("want no Set-Cookie, got %q", sc)
	}
}

func TestLoginRefusesEmptyUser(t *testing.T) {
	b := newTestBackend(t, "jwt", testKeys(t, AlgHS256), newClock(), nil)
	rec := httptest.NewRecorder()
	_, err := b.Login(rec, httptest.NewRequest(http.MethodPost, "/", nil), "")
	checkErr(t, "Login", err, authbench.ErrUnauthenticated)
	checkNoCookies(t, rec)
}

func TestLoginIgnoresPresentedCredentials(t *testing.T) {
	for _, variant := range variants {
		t.Run(variant, func(t *testing.T) {
			b := newTestBackend(t, variant, testKeys(t, AlgHS256), newClock(), nil)
			old := login(t, b, "alice")
			rec := httptest.NewRecorder()
			r := request(AccessCookie, old.access.Value, RefreshCookie, old.refresh.Value)
			if _, err := b.Login(rec, r, "bob"); err != nil {
				t.Fatal(err)
			}
			cr := credsOf(t, rec)
			c, err := b.Parse(cr.access.Value)
			if err != nil {
				t.Fatal(err)
			}
			oc, _ := b.Parse(old.access.Value)
			if c.Subject != "bob" || c.Family == oc.Family {
				t.Errorf("new login: sub %q fam %q; want bob in a new family (old %q)", c.Subject, c.Family, oc.Family)
			}
		})
	}
}

func TestLogout(t *testing.T) {
	tests := []struct {
		name    string
		variant string
		// cookies picks which of the login's cookies the logout carries.
		access, refresh bool
		wantErr         error
		// after logout, what the old access and refresh tokens get
		wantAccess, wantRefresh error
		// what the same user's login on another device gets
		wantOther error
	}{
		{name: "jwt both cookies", variant: "jwt", access: true, refresh: true, wantErr: authbench.ErrUnsupported},
		{name: "jwt access cookie only", variant: "jwt", access: true, wantErr: authbench.ErrUnsupported},
		{name: "jwt no cookies", variant: "jwt", wantErr: nil},
		{name: "blacklist both cookies", variant: "jwt-blacklist", access: true, refresh: true,
			wantAccess: authbench.ErrRevoked, wantRefresh: authbench.ErrRevoked},
		{name: "blacklist access cookie only", variant: "jwt-blacklist", access: true,
			wantAccess: authbench.ErrRevoked, wantRefresh: authbench.ErrRevoked},
		{name: "blacklist refresh cookie only", variant: "jwt-blacklist", refresh: true,
			wantAccess: authbench.ErrRevoked, wantRefresh: authbench.ErrRevoked},
		{name: "blacklist no cookies", variant: "jwt-blacklist"},
		// jwt-epoch keeps one mark per user: logout ends every device.
		{name: "epoch both cookies", variant: "jwt-epoch", access: true, refresh: true,
			wantAccess: authbench.ErrRevoked, wantRefresh: authbench.ErrRevoked, wantOther: authbench.ErrRevoked},
		{name: "epoch access cookie only", variant: "jwt-epoch", access: true,
			wantAccess: authbench.ErrRevoked, wantRefresh: authbench.ErrRevoked, wantOther: authbench.ErrRevoked},
		{name: "epoch refresh cookie only", variant: "jwt-epoch", refresh: true,
			wantAccess: authbench.ErrRevoked, wantRefresh: authbench.ErrRevoked, wantOther: authbench.ErrRevoked},
		{name: "epoch no cookies", variant: "jwt-epoch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			b := newTestBackend(t, tt.variant, testKeys(t, AlgHS256), clk, nil)
			cr := login(t, b, "alice")
			other := login(t, b, "alice") // another device of the same user

			var kv []string
			if tt.access {
				kv = append(kv, AccessCookie, cr.access.Value)
			}
			if tt.refresh {
				kv = append(kv, RefreshCookie, cr.refresh.Value)
			}
			rec := httptest.NewRecorder()
			checkErr(t, "Logout", b.Logout(rec, request(kv...)), tt.wantErr)
			checkCleared(t, rec)

			// jwt: the copy of the access token still works until exp;
			// that is the article's complaint, asserted.
			checkErr(t, "Authenticate(old access)", authenticate(b, cr.access.Value), tt.wantAccess)
			checkErr(t, "Authenticate(other device)", authenticate(b, other.access.Value), tt.wantOther)
			_, err := refresh(t, b, other.refresh.Value)
			checkErr(t, "Refresh(other device)", err, tt.wantOther)
			_, err = refresh(t, b, cr.refresh.Value)
			checkErr(t, "Refresh(old refresh)", err, tt.wantRefresh)

			clk.Advance(DefaultAccessTTL)
			checkErr(t, "Authenticate(old access at exp)", authenticate(b, cr.access.Value), authbench.ErrExpired)
		})
	}
}

// TestLogoutBlacklistTTL checks the blacklist entry lives exactly as long
// as the parser would accept the token, and no longer.
func TestLogoutBlacklistTTL(t *testing.T) {
	const leeway = 20 * time.Second
	clk := newClock()
	b := newTestBackend(t, "jwt-blacklist", testKeys(t, AlgHS256), clk, func(c *Config) { c.Leeway = leeway })
	cr := login(t, b, "alice")
	clk.Advance(5 * time.Minute)
	if err := b.Logout(httptest.NewRecorder(), accessReq(cr.access.Value)); err != nil {
		t.Fatal(err)
	}
	c, _ := b.parse(cr.access.Value, UseAccess)
	ctx := context.Background()
	tests := []struct {
		name string
		key  string
		want time.Duration
	}{
		{name: "jti", key: b.jtiKey(c.Subject, c.ID), want: 10*time.Minute + leeway + time.Second},
		{name: "family revoked", key: b.famRevokedKey(c.Subject, c.Family), want: DefaultRefreshTTL + leeway + time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ttl, err := b.rdb.PTTL(ctx, tt.key).Result()
			if err != nil {
				t.Fatal(err)
			}
			if ttl > tt.want || ttl < tt.want-5*time.Second {
				t.Errorf("TTL of %s = %v, want about %v", tt.key, ttl, tt.want)
			}
		})
	}
}

func TestLogoutIgnoresInvalidCookies(t *testing.T) {
	for _, variant := range variants {
		t.Run(variant, func(t *testing.T) {
			b := newTestBackend(t, variant, testKeys(t, AlgHS256), newClock(), nil)
			rec := httptest.NewRecorder()
			checkErr(t, "Logout", b.Logout(rec, request(AccessCookie, "garbage", RefreshCookie, "x.y.z")), nil)
			checkCleared(t, rec)
		})
	}
}

func TestRevokeUser(t *testing.T) {
	t.Run("jwt", func(t *testing.T) {
		b := newTestBackend(t, "jwt", testKeys(t, AlgHS256), newClock(), nil)
		checkErr(t, "RevokeUser", b.RevokeUser(context.Background(), "alice"), authbench.ErrUnsupported)
	})
	for _, variant := range []string{"jwt-blacklist", "jwt-epoch"} {
		t.Run(variant, func(t *testing.T) { testRevokeUser(t, variant) })
	}
}

// testRevokeUser: revoke-user of a stateful variant ends every token of
// the user issued up to that microsecond, and no other.
func testRevokeUser(t *testing.T, variant string) {
	{
		clk := newClock()
		b := newTestBackend(t, variant, testKeys(t, AlgHS256), clk, nil)
		early := login(t, b, "alice")
		clk.Advance(time.Second)
		refreshed, err := refresh(t, b, early.refresh.Value)
		if err != nil {
			t.Fatal(err)
		}
		// Same instant as the revocation: inclusive rule, revoked.
		sameInstant := login(t, b, "alice")
		bob := login(t, b, "bob")
		if err := b.RevokeUser(context.Background(), "alice"); err != nil {
			t.Fatalf("RevokeUser: %v", err)
		}
		// One microsecond later, in the same second: a fresh login works.
		clk.Advance(time.Microsecond)
		after := login(t, b, "alice")

		tests := []struct {
			name    string
			cr      creds
			wantErr error
		}{
			{name: "login before", cr: early, wantErr: authbench.ErrRevoked},
			{name: "refreshed before", cr: refreshed, wantErr: authbench.ErrRevoked},
			{name: "login at the revocation instant", cr: sameInstant, wantErr: authbench.ErrRevoked},
			{name: "other user", cr: bob, wantErr: nil},
			{name: "login 1µs after, same second", cr: after, wantErr: nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				checkErr(t, "Authenticate", authenticate(b, tt.cr.access.Value), tt.wantErr)
				_, err := refresh(t, b, tt.cr.refresh.Value)
				checkErr(t, "Refresh", err, tt.wantErr)
			})
		}

		ttl, err := b.rdb.PTTL(context.Background(), b.userKey("alice")).Result()
		if err != nil {
			t.Fatal(err)
		}
		if want := DefaultRefreshTTL + time.Second; ttl > want || ttl < want-5*time.Second {
			t.Errorf("revoked-before TTL = %v, want about %v", ttl, want)
		}
		if err := b.RevokeUser(context.Background(), ""); err == nil {
			t.Error("RevokeUser(\"\") succeeded, want an error")
		}
	}
}

// TestRefreshReuse replays a rotated refresh token: the whole family,
// including access tokens already issued from it, is revoked; other
// logins of the same user are not.
func TestRefreshReuse(t *testing.T) {
	clk := newClock()
	b := newTestBackend(t, "jwt-blacklist", testKeys(t, AlgES256), clk, nil)
	first := login(t, b, "alice")
	other := login(t, b, "alice")
	clk.Advance(10 * time.Minute)
	second, err := refresh(t, b, first.refresh.Value)
	if err != nil {
		t.Fatal(err)
	}

	rec := httptest.NewRecorder()
	_, err = b.Refresh(rec, refreshReq(first.refresh.Value))
	checkErr(t, "Refresh(replayed)", err, authbench.ErrRevoked)
	checkCleared(t, rec)

	tests := []struct {
		name    string
		err     error
		wantErr error
	}{
		{name: "first access", err: authenticate(b, first.access.Value), wantErr: authbench.ErrRevoked},
		{name: "second access", err: authenticate(b, second.access.Value), wantErr: authbench.ErrRevoked},
		{name: "other login access", err: authenticate(b, other.access.Value), wantErr: nil},
	}
	for _, tt := range tests {
		checkErr(t, tt.name, tt.err, tt.wantErr)
	}
	_, err = refresh(t, b, second.refresh.Value)
	checkErr(t, "Refresh(second, current before the replay)", err, authbench.ErrRevoked)
	_, err = refresh(t, b, other.refresh.Value)
	checkErr(t, "Refresh(other login)", err, nil)
}

// TestStatelessRefreshCannotDetectReuse documents the limit of the
// variants without login families (stateless jwt, and jwt-epoch, which
// keeps only per-user marks): an old refresh token stays exchangeable
// until it expires or, for jwt-epoch, the user logs out.
func TestStatelessRefreshCannotDetectReuse(t *testing.T) {
	for _, variant := range []string{"jwt", "jwt-epoch"} {
		t.Run(variant, func(t *testing.T) {
			b := newTestBackend(t, variant, testKeys(t, AlgHS256), newClock(), nil)
			cr := login(t, b, "alice")
			for i := range 3 {
				if _, err := refresh(t, b, cr.refresh.Value); err != nil {
					t.Fatalf("refresh %d with the same token: %v", i, err)
				}
			}
		})
	}
}

// TestConcurrentRefresh races several refreshes with one token, many
// times: exactly one may win; the others see reuse.
func TestConcurrentRefresh(t *testing.T) {
	const rounds, racers = 50, 4
	b := newTestBackend(t, "jwt-blacklist", testKeys(t, AlgHS256), newClock(), nil)
	for round := range rounds {
		cr := login(t, b, "alice")
		var (
			wg       sync.WaitGroup
			start    = make(chan struct{})
			errs     = make([]error, racers)
			recorder = make([]*httptest.ResponseRecorder, racers)
		)
		for i := range racers {
			recorder[i] = httptest.NewRecorder()
			wg.Go(func() {
				<-start
				_, errs[i] = b.Refresh(recorder[i], refreshReq(cr.refresh.Value))
			})
		}
		close(start)
		wg.Wait()
		wins := 0
		for i, err := range errs {
			switch {
			case err == nil:
				wins++
				credsOf(t, recorder[i])
			case errors.Is(err, authbench.ErrRevoked):
				checkCleared(t, recorder[i])
			default:
				t.Fatalf("round %d: racer %d: unexpected error %v", round, i, err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d of %d concurrent refreshes succeeded, want exactly 1 (errors %v)", round, wins, racers, errs)
		}
	}
}

// TestLoginRefusesHugeUser checks a user name that cannot fit a cookie is
// refused at login instead of producing a token no one accepts.
func TestLoginRefusesHugeUser(t *testing.T) {
	b := newTestBackend(t, "jwt", testKeys(t, AlgHS256), newClock(), nil)
	rec := httptest.NewRecorder()
	_, err := b.Login(rec, httptest.NewRequest(http.MethodPost, "/", nil), strings.Repeat("u", authbench.MaxCookieBytes))
	checkErr(t, "Login", err, authbench.ErrUnauthenticated)
	checkNoCookies(t, rec)
}

func TestNilRequest(t *testing.T) {
	b := newTestBackend(t, "jwt", testKeys(t, AlgHS256), newClock(), nil)
	_, err := b.Authenticate(nil)
	checkErr(t, "Authenticate(nil)", err, authbench.ErrUnauthenticated)
	_, err = b.Refresh(httptest.NewRecorder(), nil)
	checkErr(t, "Refresh(nil)", err, authbench.ErrUnauthenticated)
	checkErr(t, "Logout(nil)", b.Logout(httptest.NewRecorder(), nil), nil)
}
