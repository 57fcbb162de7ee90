package sessionauth

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authbench/authbench"
	"github.com/authbench/authbench/redisprov"
	"github.com/authbench/authbench/redisprov/redistest"
	"github.com/gorilla/securecookie"
	"github.com/redis/go-redis/v9"
)

// checkErr fails t unless err matches want in both directions.
func checkErr(tb testing.TB, what string, err, want error) {
	tb.Helper()
	if (err != nil) != (want != nil) || (want != nil && !errors.Is(err, want)) {
		tb.Fatalf("%s: error = %v, want %v", what, err, want)
	}
}

func TestInfo(t *testing.T) {
	tests := []struct {
		cfg  Config
		name string
	}{
		{Config{Client: unusedClient(t), Unsigned: true}, "session"},
		{Config{Memory: true}, "session-memory"},
		{Config{Client: cachingClient(t), Unsigned: true}, "session-cached"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			want := authbench.Info{Name: tt.name, Stateful: true, Logout: authbench.RevocationImmediate, RevokeUser: authbench.RevocationImmediate}
			if got := b.Info(); got != want {
				t.Errorf("Info() = %+v, want %+v", got, want)
			}
		})
	}
}

// cachingClient is a client with go-redis's client-side cache that never
// connects: for tests of what New derives from the client.
func cachingClient(tb testing.TB) *redis.Client {
	c := redis.NewClient(redisprov.CachingClientOptions("127.0.0.1:1", time.Second))
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

func TestNewConfig(t *testing.T) {
	client := unusedClient(t)
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
	}{
		{"defaults", Config{Client: client}, false},
		{"unsigned", Config{Client: client, Unsigned: true}, false},
		{"32-byte key", Config{Client: client, HashKey: make([]byte, 32)}, false},
		{"short key ignored when unsigned", Config{Client: client, Unsigned: true, HashKey: []byte("short")}, false},
		{"memory", Config{Memory: true}, false},
		{"memory, unsigned, with an ignored prefix", Config{Memory: true, Unsigned: true, Prefix: "p:"}, false},
		{"no client", Config{}, true},
		{"client and memory", Config{Client: client, Memory: true}, true},
		{"memory, 31-byte key", Config{Memory: true, HashKey: make([]byte, 31)}, true},
		{"31-byte key", Config{Client: client, HashKey: make([]byte, 31)}, true},
		{"empty non-nil key", Config{Client: client, HashKey: []byte{}}, true},
		{"negative idle", Config{Client: client, IdleTimeout: -time.Second}, true},
		{"negative absolute", Config{Client: client, AbsoluteTimeout: -time.Second}, true},
		{"negative touch", Config{Client: client, TouchInterval: -time.Second}, true},
		{"touch equals idle", Config{Client: client, IdleTimeout: time.Minute, TouchInterval: time.Minute}, true},
		{"touch above default idle", Config{Client: client, TouchInterval: time.Hour}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := New(tt.cfg)
			if (err != nil) != tt.wantErr {
				t.Fatalf("New() error = %v, want error: %v", err, tt.wantErr)
			}
			if err != nil {
				if b != nil {
					t.Error("New returned a Backend with an error")
				}
				return
			}
			s := b.Store()
			if s.idle != DefaultIdleTimeout || s.absolute != DefaultAbsoluteTimeout || s.touch != DefaultTouchInterval {
				t.Errorf("timeouts = %v/%v/%v, want the defaults", s.idle, s.absolute, s.touch)
			}
			if (s.codec.sc == nil) != tt.cfg.Unsigned {
				t.Errorf("signed = %v, want %v", s.codec.sc != nil, !tt.cfg.Unsigned)
			}
			switch d := s.data.(type) {
			case *memStorage:
				if !tt.cfg.Memory || !s.memory {
					t.Errorf("memory storage for Config.Memory %v", tt.cfg.Memory)
				}
			case *redisStorage:
				if tt.cfg.Memory || s.memory || d.client != tt.cfg.Client || d.indexTTL != DefaultAbsoluteTimeout+ttlSlack {
					t.Errorf("Redis storage %+v for Config.Memory %v", d, tt.cfg.Memory)
				}
			default:
				t.Errorf("storage %T", d)
			}
		})
	}
}

// TestLifecycle walks one session through its life: login, authenticate,
// refresh, authenticate, logout, then the copied cookie is replayed.
func TestLifecycle(t *testing.T) {
	type op func(e *env, w http.ResponseWriter, cookie string) (authbench.Identity, error)
	authenticate := func(e *env, _ http.ResponseWriter, cookie string) (authbench.Identity, error) {
		return e.b.Authenticate(request(cookie))
	}
	refresh := func(e *env, w http.ResponseWriter, cookie string) (authbench.Identity, error) {
		return e.b.Refresh(w, request(cookie))
	}
	logout := func(e *env, w http.ResponseWriter, cookie string) (authbench.Identity, error) {
		return authbench.Identity{}, e.b.Logout(w, request(cookie))
	}
	steps := []struct {
		name        string
		advance     time.Duration
		op          op
		wantErr     error
		wantExpires time.Duration // after t0; zero: no identity expected
		wantCookie  bool          // a session cookie is set (not cleared)
	}{
		{"authenticate", 10 * time.Second, authenticate, nil, 15 * time.Minute, false},
		{"refresh", 5 * time.Minute, refresh, nil, 5*time.Minute + 10*time.Second + 15*time.Minute, true},
		{"authenticate after refresh", 30 * time.Second, authenticate, nil, 5*time.Minute + 10*time.Second + 15*time.Minute, false},
		{"logout", 0, logout, nil, 0, false},
		{"replayed cookie", 0, authenticate, authbench.ErrUnauthenticated, 0, false},
		{"refresh with replayed cookie", 0, refresh, authbench.ErrUnauthenticated, 0, false},
		{"logout again", 0, logout, nil, 0, false},
	}
	forEachStore(t, func(t *testing.T, kind string) {
		for _, v := range variants {
			t.Run(v.name, func(t *testing.T) {
				e := newEnvOn(t, kind, v.unsigned)
				cookie := e.login(t, nil, "alice").Value
				id := e.idOf(t, cookie)
				if got, want := e.keys(t), []string{sessionKey("sess:", id), userKey("user:", "alice")}; !slices.Equal(got, want) {
					t.Fatalf("keys after login = %v, want %v", got, want)
				}
				for _, st := range steps {
					t.Run(st.name, func(t *testing.T) {
						e.clock.Advance(st.advance)
						w := httptest.NewRecorder()
						got, err := st.op(e, w, cookie)
						checkErr(t, st.name, err, st.wantErr)
						if st.wantExpires != 0 {
							want := authbench.Identity{User: "alice", Expires: t0.Add(st.wantExpires)}
							if got.User != want.User || !got.Expires.Equal(want.Expires) {
								t.Errorf("identity = %+v, want %+v", got, want)
							}
						}
						cookies := w.Result().Cookies()
						if st.wantCookie {
							if len(cookies) != 1 || cookies[0].MaxAge <= 0 {
								t.Fatalf("cookies = %v, want the session cookie set again", cookies)
							}
							if got := e.idOf(t, cookies[0].Value); got != id {
								t.Errorf("refresh changed the session ID from %s to %s", id, got)
							}
							cookie = cookies[0].Value
						} else if len(cookies) > 0 && cookies[0].MaxAge >= 0 {
							t.Errorf("cookies = %v, want none set", cookies)
						}
					})
				}
				if got := e.keys(t); len(got) != 0 {
					t.Errorf("keys after logout = %v, want none", got)
				}
			})
		}
	})
}

// TestCookieAttributes checks the exact Set-Cookie lines.
func TestCookieAttributes(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		for _, v := range variants {
			t.Run(v.name, func(t *testing.T) {
				tests := []struct {
					name     string
					absolute time.Duration
					op       func(e *env, w http.ResponseWriter, cookie string) error
					want     string // %s stands for the cookie value
				}{
					{"login", 0, func(e *env, w http.ResponseWriter, _ string) error {
						_, err := e.b.Login(w, request(), "alice")
						return err
					}, "session=%s; Path=/; Max-Age=604800; HttpOnly; Secure; SameSite=Strict"},
					{"login, 2h absolute timeout", 2 * time.Hour, func(e *env, w http.ResponseWriter, _ string) error {
						_, err := e.b.Login(w, request(), "alice")
						return err
					}, "session=%s; Path=/; Max-Age=7200; HttpOnly; Secure; SameSite=Strict"},
					{"refresh", 0, func(e *env, w http.ResponseWriter, cookie string) error {
						_, err := e.b.Refresh(w, request(cookie))
						return err
					}, "session=%s; Path=/; Max-Age=604800; HttpOnly; Secure; SameSite=Strict"},
					{"logout", 0, func(e *env, w http.ResponseWriter, cookie string) error {
						return e.b.Logout(w, request(cookie))
					}, "session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict"},
					{"logout without cookie", 0, func(e *env, w http.ResponseWriter, _ string) error {
						return e.b.Logout(w, request())
					}, "session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict"},
				}
				for _, tt := range tests {
					t.Run(tt.name, func(t *testing.T) {
						e := newEnvOn(t, kind, v.unsigned, func(c *Config) { c.AbsoluteTimeout = tt.absolute })
						cookie := e.login(t, nil, "alice").Value
						w := httptest.NewRecorder()
						if err := tt.op(e, w, cookie); err != nil {
							t.Fatal(err)
						}
						lines := w.Header().Values("Set-Cookie")
						if len(lines) != 1 {
							t.Fatalf("Set-Cookie = %q, want one line", lines)
						}
						value := ""
						if c := sessionCookie(t, w); c.MaxAge > 0 {
							value = c.Value
							e.idOf(t, value) // a well-formed session cookie
						}
						if want := strings.Replace(tt.want, "%s", value, 1); lines[0] != want {
							t.Errorf("Set-Cookie = %q, want %q", lines[0], want)
						}
					})
				}
			})
		}
	})
}

// TestLoginRotates checks session fixation: whatever session cookie the
// login request carries, a new ID is issued, no key is created for a
// planted ID, and a genuine previous session ends.
func TestLoginRotates(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		planted := newID("")
		otherKey := securecookie.New(make([]byte, 32), nil).SetSerializer(securecookie.NopEncoder{})
		forged, err := otherKey.Encode(Cookie, []byte(planted))
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name     string
			unsigned bool
			cookie   func(e *env) string // the cookie the login request carries
			plantID  string              // an ID that must have no key afterwards
		}{
			{"unsigned: planted never-issued ID", true, func(*env) string { return planted }, planted},
			{"signed: planted raw ID", false, func(*env) string { return planted }, planted},
			{"signed: planted ID signed with another key", false, func(*env) string { return forged }, planted},
			{"unsigned: malformed cookie", true, func(*env) string { return "x" }, ""},
		}
		for _, v := range variants {
			tests = append(tests, struct {
				name     string
				unsigned bool
				cookie   func(e *env) string
				plantID  string
			}{v.name + ": genuine session of another user", v.unsigned, func(e *env) string {
				return e.login(t, nil, "mallory").Value
			}, ""})
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := newEnvOn(t, kind, tt.unsigned)
				old := tt.cookie(e)
				oldID, _ := e.b.store.codec.decode(Cookie, old)
				got := e.login(t, request(old), "victim")
				id := e.idOf(t, got.Value)
				if id == oldID || id == tt.plantID || got.Value == old {
					t.Fatalf("login kept the session ID the request carried (%s)", id)
				}
				if tt.plantID != "" && e.exists(t, e.b.store.SessionKey(tt.plantID)) {
					t.Errorf("a key exists for the planted ID %s", tt.plantID)
				}
				if want := []string{sessionKey("sess:", id), userKey("user:", "victim")}; !slices.Equal(e.keys(t), want) {
					t.Errorf("keys after login = %v, want %v (the previous session ended)", e.keys(t), want)
				}
				if _, err := e.b.Lookup(context.Background(), old); !errors.Is(err, authbench.ErrUnauthenticated) {
					t.Errorf("previous cookie after login: error = %v, want ErrUnauthenticated", err)
				}
			})
		}
	})
}

// TestPlantedID checks that a well-formed ID the store never issued is
// refused by every operation without a key being created for it.
func TestPlantedID(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		planted := newID("")
		tests := []struct {
			name    string
			op      func(e *env) error
			wantErr error
		}{
			{"authenticate", func(e *env) error { _, err := e.b.Authenticate(request(planted)); return err }, authbench.ErrUnauthenticated},
			{"lookup", func(e *env) error { _, err := e.b.Lookup(context.Background(), planted); return err }, authbench.ErrUnauthenticated},
			{"refresh", func(e *env) error {
				w := httptest.NewRecorder()
				_, err := e.b.Refresh(w, request(planted))
				if len(w.Result().Cookies()) != 0 {
					return errors.New("refresh set a cookie")
				}
				return err
			}, authbench.ErrUnauthenticated},
			{"logout", func(e *env) error { return e.b.Logout(httptest.NewRecorder(), request(planted)) }, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := newEnvOn(t, kind, true)
				checkErr(t, tt.name, tt.op(e), tt.wantErr)
				if got := e.keys(t); len(got) != 0 {
					t.Errorf("keys = %v, want none", got)
				}
			})
		}
	})
}

// TestMalformedNeverReachesStore checks that cookie values that cannot be
// session IDs are refused before any Redis command or storage operation.
func TestMalformedNeverReachesStore(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		id := newID("")
		lastBit := id[:IDLen-1] + "B" // "B" is 1: a bit past the 256th set
		otherKey := securecookie.New(make([]byte, 32), nil).SetSerializer(securecookie.NopEncoder{})
		for _, v := range variants {
			t.Run(v.name, func(t *testing.T) {
				e := newEnvOn(t, kind, v.unsigned)
				genuine := e.login(t, nil, "alice").Value
				forged, _ := otherKey.Encode(Cookie, []byte(e.idOf(t, genuine)))
				otherName, _ := e.b.store.codec.encode("other", e.idOf(t, genuine))
				garbage, _ := e.b.store.codec.encode(Cookie, "not an id")
				tests := []struct {
					name      string
					value     string
					viaCookie bool // also send it through Authenticate
				}{
					{"empty", "", false},
					{"one char", "A", true},
					{"42 chars", id[:42], true},
					{"44 chars", id + "A", true},
					{"standard base64 +", "+" + id[1:], true},
					{"standard base64 /", "/" + id[1:], true},
					{"padding", id[:42] + "=", true},
					{"non-canonical last char", lastBit, true},
					{"non-ASCII", "é" + id[2:], true},
					{"NUL byte", "\x00" + id[1:], false},
					{"5000 bytes", strings.Repeat("A", 5000), true},
					{"4096 bytes", strings.Repeat("A", 4096), true},
				}
				if v.unsigned {
					tests = append(tests, []struct {
						name      string
						value     string
						viaCookie bool
					}{
						{"signed-looking value", base64.URLEncoding.EncodeToString([]byte("1|2|3")), true},
					}...)
				} else {
					flipped := []byte(genuine)
					if mid := len(flipped) / 2; flipped[mid] == 'A' {
						flipped[mid] = 'B'
					} else {
						flipped[mid] = 'A'
					}
					tests = append(tests, []struct {
						name      string
						value     string
						viaCookie bool
					}{
						{"raw ID", e.idOf(t, genuine), true},
						{"one bit flipped", string(flipped), true},
						{"signed with another key", forged, true},
						{"signed for another cookie name", otherName, true},
						{"signed junk", garbage, true},
						{"truncated signature", genuine[:len(genuine)-4], true},
					}...)
				}
				for _, tt := range tests {
					t.Run(tt.name, func(t *testing.T) {
						e.resetOps()
						_, err := e.b.Lookup(context.Background(), tt.value)
						checkErr(t, "Lookup", err, authbench.ErrUnauthenticated)
						if tt.viaCookie {
							r := httptest.NewRequest(http.MethodGet, "/", nil)
							r.Header.Set("Cookie", Cookie+"="+tt.value)
							_, err := e.b.Authenticate(r)
							checkErr(t, "Authenticate", err, authbench.ErrUnauthenticated)
							w := httptest.NewRecorder()
							_, err = e.b.Refresh(w, r)
							checkErr(t, "Refresh", err, authbench.ErrUnauthenticated)
							checkErr(t, "Logout", e.b.Logout(w, r), nil)
						}
						if n := e.opCount(); n != 0 {
							t.Errorf("%d storage operations (%s), want none", n, e.opNames())
						}
					})
				}
			})
		}
	})
}

// TestIDs checks 1000 IDs: unique, the user's tag then 43 characters
// holding 256 random bits.
func TestIDs(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnvOn(t, kind, true)
		seen := make(map[string]bool)
		for i := range 1000 {
			id := e.login(t, nil, fmt.Sprintf("user-%d", i%10)).Value
			if e.b.store.codec.sc != nil {
				t.Fatal("TestIDs reads raw IDs: run it unsigned")
			}
			if seen[id] {
				t.Fatalf("login %d: ID %s issued twice", i, id)
			}
			seen[id] = true
			user := fmt.Sprintf("user-%d", i%10)
			raw, err := base64.RawURLEncoding.Strict().DecodeString(id[TagLen:])
			if len(id) != 47 || err != nil || len(raw) != 32 || !validID(id) || id[:TagLen] != userTag(user) {
				t.Fatalf("login %d: ID %q: %d chars, %d random bytes, error %v; want %s's 4-char tag and 43 chars of base64url holding 32 bytes",
					i, id, len(id), len(raw), err, user)
			}
		}
		if n := len(e.keys(t)); n != 1000+10 {
			t.Errorf("%d keys, want 1000 sessions and 10 indexes", n)
		}
	})
}

// TestTimeouts checks the idle and absolute timeouts against the injected
// clock.
func TestTimeouts(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		type step struct {
			advance time.Duration
			refresh bool // Refresh instead of Authenticate
			wantErr error
		}
		every := func(d time.Duration, n int, refresh bool) []step {
			s := make([]step, n)
			for i := range s {
				s[i] = step{advance: d, refresh: refresh}
			}
			return s
		}
		week := 7 * 24 * time.Hour
		tests := []struct {
			name  string
			steps []step
		}{
			{"idle: 15m-1s without activity", []step{{advance: 15*time.Minute - time.Second}}},
			{"idle: exactly 15m without activity", []step{{advance: 15 * time.Minute, wantErr: authbench.ErrExpired}}},
			{"idle: 15m+1s without activity", []step{
				{advance: 15*time.Minute + time.Second, wantErr: authbench.ErrExpired},
				{wantErr: authbench.ErrUnauthenticated}, // deleted when found expired
			}},
			{"idle: refresh after 15m+1s", []step{{advance: 15*time.Minute + time.Second, refresh: true, wantErr: authbench.ErrExpired}}},
			{"sliding: activity every 10m for an hour", every(10*time.Minute, 6, false)},
			{"sliding: then 15m+1s idle", append(every(10*time.Minute, 6, false),
				step{advance: 15*time.Minute + time.Second, wantErr: authbench.ErrExpired})},
			{"sliding: activity every 14m59s", every(15*time.Minute-time.Second, 8, false)},
			{"sliding: refresh every 10m for an hour", every(10*time.Minute, 6, true)},
			{"absolute: activity every 10m for 7 days", append(every(10*time.Minute, int(week/(10*time.Minute))-1, false),
				step{advance: 10 * time.Minute, wantErr: authbench.ErrExpired})},
			{"absolute: refresh every 14m for 7 days", append(every(14*time.Minute, int(week/(14*time.Minute))-1, true),
				step{advance: 14 * time.Minute, refresh: true, wantErr: authbench.ErrExpired})},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := newEnvOn(t, kind, true)
				cookie := e.login(t, nil, "alice").Value
				id := e.idOf(t, cookie)
				for i, st := range tt.steps {
					e.clock.Advance(st.advance)
					var got authbench.Identity
					var err error
					if st.refresh {
						got, err = e.b.Refresh(httptest.NewRecorder(), request(cookie))
					} else {
						got, err = e.b.Authenticate(request(cookie))
					}
					checkErr(t, fmt.Sprintf("step %d at t0+%v", i, e.clock.Now().Sub(t0)), err, st.wantErr)
					if err != nil {
						if e.exists(t, e.b.store.SessionKey(id)) {
							t.Fatalf("step %d: an expired session's key survived", i)
						}
						if m := e.members(t, "alice"); len(m) != 0 {
							t.Fatalf("step %d: index still lists %v", i, m)
						}
						continue
					}
					want := e.clock.Now().Add(15 * time.Minute)
					if end := t0.Add(week); end.Before(want) {
						want = end
					}
					if !got.Expires.Equal(want) || got.User != "alice" {
						t.Fatalf("step %d: identity = %+v, want alice until %v", i, got, want)
					}
				}
			})
		}
	})
}

// TestTouchInterval checks that last-seen is rewritten at most once per
// TouchInterval: one command (one storage operation in memory) per
// Authenticate within it, two after it, and that the rewrite renews the
// TTL.
func TestTouchInterval(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnvOn(t, kind, false)
		cookie := e.login(t, nil, "alice").Value
		id := e.idOf(t, cookie)
		tests := []struct {
			name     string
			advance  time.Duration
			wantCmds string // on Redis
			wantOps  string // in memory
		}{
			{"10s after login", 10 * time.Second, "get", "get"},
			{"20s after login", 10 * time.Second, "get", "get"},
			{"59.999s after login", 39*time.Second + 999*time.Millisecond, "get", "get"},
			{"60s after login", time.Millisecond, "get set", "get write"},
			{"10s after the touch", 10 * time.Second, "get", "get"},
			{"60s after the touch", 50 * time.Second, "get set", "get write"},
			{"again at once", 0, "get", "get"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e.clock.Advance(tt.advance)
				e.resetOps()
				if _, err := e.b.Authenticate(request(cookie)); err != nil {
					t.Fatal(err)
				}
				want := tt.wantCmds
				if kind == inMemory {
					want = tt.wantOps
				}
				if got := e.opNames(); got != want {
					t.Errorf("storage saw %q, want %q", got, want)
				}
				if e.count != nil {
					if got, want := e.count.trips.Load(), int64(len(strings.Fields(tt.wantCmds))); got != want {
						t.Errorf("round trips = %d, want %d", got, want)
					}
				}
			})
		}
		var ttl time.Duration
		if kind == inMemory {
			sh := e.mem.shard(id)
			sh.mu.RLock()
			ttl = time.Duration(sh.entries[id].deadline - e.clock.Now().UnixNano())
			sh.mu.RUnlock()
		} else {
			var err error
			if ttl, err = e.rdb.PTTL(context.Background(), e.b.store.SessionKey(id)).Result(); err != nil {
				t.Fatal(err)
			}
		}
		if ttl <= 15*time.Minute || ttl > 15*time.Minute+ttlSlack {
			t.Errorf("TTL after a touch = %v, want just over the 15m idle timeout", ttl)
		}
	})
}

// TestRoundTrips checks the round trips and commands of each operation.
func TestRoundTrips(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	// Script calls cost one more round trip the first time (NOSCRIPT,
	// then EVAL); load them so the counts below are the steady state.
	for _, s := range []*redis.Script{destroyScript, revokeScript} {
		if err := s.Load(ctx, e.rdb).Err(); err != nil {
			t.Fatal(err)
		}
	}
	var cookie string
	tests := []struct {
		name      string
		op        func() error
		wantTrips int64
		wantCmds  string
	}{
		{"login", func() error {
			w := httptest.NewRecorder()
			_, err := e.b.Login(w, request(), "alice")
			cookie = sessionCookie(t, w).Value
			return err
		}, 1, "multi set sadd pexpire exec"},
		{"login rotating a session", func() error {
			w := httptest.NewRecorder()
			_, err := e.b.Login(w, request(cookie), "alice")
			cookie = sessionCookie(t, w).Value
			return err
		}, 1, "multi eval set sadd pexpire exec"},
		{"authenticate", func() error { _, err := e.b.Authenticate(request(cookie)); return err }, 1, "get"},
		{"refresh", func() error { _, err := e.b.Refresh(httptest.NewRecorder(), request(cookie)); return err }, 2, "get set"},
		{"logout", func() error { return e.b.Logout(httptest.NewRecorder(), request(cookie)) }, 1, "evalsha"},
		{"revoke user", func() error { return e.b.RevokeUser(ctx, "alice") }, 1, "evalsha"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.count.reset()
			if err := tt.op(); err != nil {
				t.Fatal(err)
			}
			if got := e.count.trips.Load(); got != tt.wantTrips {
				t.Errorf("round trips = %d, want %d", got, tt.wantTrips)
			}
			if got := e.count.commands(); got != tt.wantCmds {
				t.Errorf("commands = %q, want %q", got, tt.wantCmds)
			}
		})
	}
}

// TestRevokeUser checks that revoking a user ends all of that user's
// sessions and none of another user's.
func TestRevokeUser(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		tests := []struct {
			name string
			n    int // sessions of the revoked user
		}{
			{"no sessions", 0},
			{"one session", 1},
			{"five sessions", 5},
			{"more sessions than one UNLINK batch", 1201},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := newEnvOn(t, kind, false)
				var alice, bob []string
				for range tt.n {
					alice = append(alice, e.login(t, nil, "alice").Value)
				}
				for range 2 {
					bob = append(bob, e.login(t, nil, "bob").Value)
				}
				// One of alice's sessions ends first, so the index is
				// revoked after a removal too.
				e.clock.Advance(time.Minute)
				if tt.n > 0 {
					if err := e.b.Logout(httptest.NewRecorder(), request(alice[0])); err != nil {
						t.Fatal(err)
					}
				}
				checkErr(t, "RevokeUser", e.b.RevokeUser(context.Background(), "alice"), nil)
				for i, c := range alice {
					_, err := e.b.Authenticate(request(c))
					checkErr(t, fmt.Sprintf("alice's session %d", i), err, authbench.ErrUnauthenticated)
				}
				for i, c := range bob {
					if _, err := e.b.Authenticate(request(c)); err != nil {
						t.Errorf("bob's session %d: %v", i, err)
					}
				}
				if e.exists(t, e.b.store.UserKey("alice")) {
					t.Error("alice's index survived")
				}
				if got := len(e.members(t, "bob")); got != 2 {
					t.Errorf("bob's index has %d IDs, want 2", got)
				}
			})
		}
	})
}

func TestRevokeUserBadName(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnvOn(t, kind, true)
		for _, user := range []string{"", strings.Repeat("u", MaxUserBytes+1)} {
			if err := e.b.RevokeUser(context.Background(), user); err == nil {
				t.Errorf("RevokeUser(%d bytes) = nil, want an error", len(user))
			}
		}
	})
}

func TestLoginBadUser(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		tests := []struct {
			name string
			user string
		}{
			{"empty", ""},
			{"too long", strings.Repeat("u", MaxUserBytes+1)},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := newEnvOn(t, kind, true)
				w := httptest.NewRecorder()
				if _, err := e.b.Login(w, request(), tt.user); err == nil {
					t.Fatal("Login succeeded")
				}
				if len(w.Header().Values("Set-Cookie")) != 0 || e.opCount() != 0 {
					t.Errorf("failed login set %q and reached the storage with %q", w.Header().Values("Set-Cookie"), e.opNames())
				}
			})
		}
	})
}

// TestStoreOutage stops Redis under a Backend and starts it again: every
// operation fails closed with ErrStoreUnavailable, a failed login sets no
// cookie, and the same Backend works again once Redis is back.
func TestStoreOutage(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			r := redistest.Private(t)
			client := r.Client()
			t.Cleanup(func() { _ = client.Close() })
			b, err := New(Config{Client: client, Prefix: r.Prefix, Unsigned: v.unsigned, Now: newClock().Now})
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			if _, err := b.Login(w, request(), "alice"); err != nil {
				t.Fatal(err)
			}
			cookie := sessionCookie(t, w).Value
			if err := r.Stop(); err != nil {
				t.Fatal(err)
			}
			tests := []struct {
				name       string
				op         func(w http.ResponseWriter) error
				wantCookie string // the Set-Cookie line expected, "" for none
			}{
				{"authenticate", func(http.ResponseWriter) error { _, err := b.Authenticate(request(cookie)); return err }, ""},
				{"login", func(w http.ResponseWriter) error { _, err := b.Login(w, request(), "alice"); return err }, ""},
				{"login rotating", func(w http.ResponseWriter) error { _, err := b.Login(w, request(cookie), "alice"); return err }, ""},
				{"refresh", func(w http.ResponseWriter) error { _, err := b.Refresh(w, request(cookie)); return err }, ""},
				{"logout", func(w http.ResponseWriter) error { return b.Logout(w, request(cookie)) },
					"session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict"},
				{"revoke user", func(http.ResponseWriter) error { return b.RevokeUser(context.Background(), "alice") }, ""},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					w := httptest.NewRecorder()
					checkErr(t, tt.name, tt.op(w), authbench.ErrStoreUnavailable)
					got := strings.Join(w.Header().Values("Set-Cookie"), "\n")
					if got != tt.wantCookie {
						t.Errorf("Set-Cookie = %q, want %q", got, tt.wantCookie)
					}
				})
			}
			if err := r.Start(); err != nil {
				t.Fatal(err)
			}
			// go-redis may keep failing for about a second after an
			// outage (its dial circuit breaker); poll, bounded.
			deadline := time.Now().Add(10 * time.Second)
			for {
				w := httptest.NewRecorder()
				_, err := b.Login(w, request(), "alice")
				if err == nil {
					cookie = sessionCookie(t, w).Value
					break
				}
				if !errors.Is(err, authbench.ErrStoreUnavailable) || len(w.Header().Values("Set-Cookie")) != 0 || time.Now().After(deadline) {
					t.Fatalf("login after restart: %v, Set-Cookie %q", err, w.Header().Values("Set-Cookie"))
				}
				time.Sleep(50 * time.Millisecond)
			}
			if id, err := b.Authenticate(request(cookie)); err != nil || id.User != "alice" {
				t.Fatalf("authenticate after restart = %+v, %v", id, err)
			}
		})
	}
}

// TestCanceledContext checks that a canceled request fails closed on
// Redis. In memory nothing waits on I/O, so the context is not consulted
// and the lookup succeeds.
func TestCanceledContext(t *testing.T) {
	want := map[string]error{onRedis: authbench.ErrStoreUnavailable, inMemory: nil}
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnvOn(t, kind, true)
		cookie := e.login(t, nil, "alice").Value
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := e.b.Lookup(ctx, cookie)
		checkErr(t, "Lookup", err, want[kind])
	})
}

// TestConcurrentLogoutDoesNotRevive checks that a touch racing a logout
// does not bring the session back: the rewrite is SET XX.
func TestConcurrentLogoutDoesNotRevive(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnvOn(t, kind, true)
		cookie := e.login(t, nil, "alice").Value
		id := e.idOf(t, cookie)
		rec := record{user: "alice", created: t0.UnixNano(), lastSeen: t0.UnixNano()}
		if err := e.b.Logout(httptest.NewRecorder(), request(cookie)); err != nil {
			t.Fatal(err)
		}
		checkErr(t, "write after logout", e.b.store.write(context.Background(), id, rec, t0.UnixNano()), authbench.ErrUnauthenticated)
		if e.exists(t, e.b.store.SessionKey(id)) {
			t.Error("the rewrite revived a logged-out session")
		}
	})
}

// TestConcurrentUse runs logins, authentications, refreshes and logouts
// from several goroutines on one Backend, for the race detector.
func TestConcurrentUse(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		for _, v := range variants {
			t.Run(v.name, func(t *testing.T) {
				e := newEnvOn(t, kind, v.unsigned)
				var wg sync.WaitGroup
				errs := make(chan error, 8)
				for g := range 8 {
					wg.Go(func() {
						user := fmt.Sprintf("user-%d", g%3)
						for range 25 {
							w := httptest.NewRecorder()
							if _, err := e.b.Login(w, request(), user); err != nil {
								errs <- err
								return
							}
							r := request(w.Result().Cookies()[0].Value)
							e.clock.Advance(time.Second)
							if id, err := e.b.Authenticate(r); err != nil || id.User != user {
								errs <- fmt.Errorf("authenticate %s: %+v, %w", user, id, err)
								return
							}
							if _, err := e.b.Refresh(httptest.NewRecorder(), r); err != nil {
								errs <- fmt.Errorf("refresh: %w", err)
								return
							}
							if err := e.b.Logout(httptest.NewRecorder(), r); err != nil {
								errs <- fmt.Errorf("logout: %w", err)
								return
							}
						}
					})
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Error(err)
				}
				if got := e.keys(t); len(got) != 0 {
					t.Errorf("keys after every logout = %v, want none", got)
				}
			})
		}
	})
}
