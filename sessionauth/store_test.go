package sessionauth

import (
	"errors"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/authbench/authbench"
	"github.com/gorilla/sessions"
)

// TestStoreNew checks what the gorilla New returns for each kind of
// cookie.
func TestStoreNew(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		planted := newID("")
		tests := []struct {
			name     string
			cookie   func(e *env) []string
			wantNew  bool
			wantErr  error
			wantCmds string
		}{
			{"no cookie", func(*env) []string { return nil }, true, nil, ""},
			{"malformed cookie", func(*env) []string { return []string{"junk"} }, true, authbench.ErrUnauthenticated, ""},
			{"two cookies", func(e *env) []string { return []string{planted, planted} }, true, authbench.ErrUnauthenticated, ""},
			{"planted ID", func(*env) []string { return []string{planted} }, true, authbench.ErrUnauthenticated, "get"},
			{"genuine session", func(e *env) []string { return []string{e.login(t, nil, "alice").Value} }, false, nil, "get"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := newEnvOn(t, kind, true)
				values := tt.cookie(e)
				e.resetOps()
				sess, err := e.b.Store().New(request(values...), Cookie)
				checkErr(t, "New", err, tt.wantErr)
				if sess == nil {
					t.Fatal("New returned a nil session")
				}
				if sess.IsNew != tt.wantNew || !validID(sess.ID) || sess.Name() != Cookie {
					t.Errorf("session: IsNew %v, ID %q, name %q; want IsNew %v and a valid ID", sess.IsNew, sess.ID, sess.Name(), tt.wantNew)
				}
				if sess.IsNew && slices.Contains(values, sess.ID) {
					t.Errorf("a fresh session reuses the cookie's ID %s", sess.ID)
				}
				if !sess.IsNew {
					if sess.ID != values[0] || sess.Values[ValueUser] != "alice" ||
						!sess.Values[ValueCreated].(time.Time).Equal(t0) || !sess.Values[ValueLastSeen].(time.Time).Equal(t0) {
						t.Errorf("loaded session = %q %v, want alice's", sess.ID, sess.Values)
					}
				}
				if got := e.opNames(); got != tt.wantCmds {
					t.Errorf("storage saw %q, want %q", got, tt.wantCmds)
				}
			})
		}
	})
}

// TestStoreSave checks gorilla Saves, in particular that no key is ever
// written under an ID the store did not mint.
func TestStoreSave(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		planted := newID("")
		tests := []struct {
			name    string
			prepare func(e *env) (*sessions.Session, []string) // session to save, request cookies
			wantErr bool
			check   func(t *testing.T, e *env, sess *sessions.Session, cookies []string)
		}{
			{"fresh session from a planted cookie", func(e *env) (*sessions.Session, []string) {
				sess, _ := e.b.Store().New(request(planted), Cookie)
				sess.Values[ValueUser] = "victim"
				return sess, []string{planted}
			}, false, func(t *testing.T, e *env, sess *sessions.Session, _ []string) {
				if sess.ID == planted || sess.IsNew {
					t.Errorf("saved as %q (IsNew %v), want a new ID", sess.ID, sess.IsNew)
				}
				if want := []string{sessionKey("sess:", sess.ID), userKey("user:", "victim")}; !slices.Equal(e.keys(t), want) {
					t.Errorf("keys = %v, want %v", e.keys(t), want)
				}
			}},
			{"new session whose ID the caller set", func(e *env) (*sessions.Session, []string) {
				sess, _ := e.b.Store().New(request(), Cookie)
				sess.ID = planted
				sess.Values[ValueUser] = "victim"
				return sess, nil
			}, false, func(t *testing.T, e *env, sess *sessions.Session, _ []string) {
				if sess.ID == planted || e.exists(t, e.b.store.SessionKey(planted)) {
					t.Errorf("the store wrote under the caller's ID %s", planted)
				}
			}},
			{"session the store did not load", func(e *env) (*sessions.Session, []string) {
				sess := sessions.NewSession(e.b.Store(), Cookie)
				sess.ID = planted
				sess.Options = e.b.store.options()
				sess.Values[ValueUser] = "victim"
				return sess, nil
			}, true, nil},
			{"loaded session whose ID the caller changed", func(e *env) (*sessions.Session, []string) {
				c := e.login(t, nil, "alice").Value
				sess, _ := e.b.Store().New(request(c), Cookie)
				sess.ID = planted
				return sess, []string{c}
			}, true, nil},
			{"loaded session whose user changed", func(e *env) (*sessions.Session, []string) {
				c := e.login(t, nil, "alice").Value
				sess, _ := e.b.Store().New(request(c), Cookie)
				sess.Values[ValueUser] = "root"
				return sess, []string{c}
			}, true, nil},
			{"loaded session with its created-at pushed forward", func(e *env) (*sessions.Session, []string) {
				c := e.login(t, nil, "alice").Value
				e.clock.Advance(10 * time.Minute)
				sess, _ := e.b.Store().New(request(c), Cookie)
				// Changing the informational value must not extend the
				// session past its absolute timeout.
				sess.Values[ValueCreated] = e.clock.Now().Add(7 * 24 * time.Hour)
				e.clock.Advance(7 * 24 * time.Hour)
				return sess, []string{c}
			}, true, nil},
			{"extra value", func(e *env) (*sessions.Session, []string) {
				sess, _ := e.b.Store().New(request(), Cookie)
				sess.Values[ValueUser] = "alice"
				sess.Values["role"] = "admin"
				return sess, nil
			}, true, nil},
			{"no user", func(e *env) (*sessions.Session, []string) {
				sess, _ := e.b.Store().New(request(), Cookie)
				return sess, nil
			}, true, nil},
			{"user of the wrong type", func(e *env) (*sessions.Session, []string) {
				sess, _ := e.b.Store().New(request(), Cookie)
				sess.Values[ValueUser] = 42
				return sess, nil
			}, true, nil},
			{"loaded session rotated with IsNew", func(e *env) (*sessions.Session, []string) {
				c := e.login(t, nil, "alice").Value
				sess, _ := e.b.Store().New(request(c), Cookie)
				sess.IsNew = true
				return sess, []string{c}
			}, false, func(t *testing.T, e *env, sess *sessions.Session, cookies []string) {
				if sess.ID == cookies[0] || e.exists(t, e.b.store.SessionKey(cookies[0])) {
					t.Errorf("rotation kept the old session %s", cookies[0])
				}
				if m := e.members(t, "alice"); !slices.Equal(m, []string{sess.ID}) {
					t.Errorf("index = %v, want only the new ID", m)
				}
			}},
			{"loaded session deleted with MaxAge -1", func(e *env) (*sessions.Session, []string) {
				c := e.login(t, nil, "alice").Value
				sess, _ := e.b.Store().New(request(c), Cookie)
				sess.Options.MaxAge = -1
				return sess, []string{c}
			}, false, func(t *testing.T, e *env, sess *sessions.Session, _ []string) {
				if got := e.keys(t); len(got) != 0 {
					t.Errorf("keys after delete = %v, want none", got)
				}
			}},
			{"loaded session saved after logout", func(e *env) (*sessions.Session, []string) {
				c := e.login(t, nil, "alice").Value
				sess, _ := e.b.Store().New(request(c), Cookie)
				_ = e.b.Logout(httptest.NewRecorder(), request(c))
				return sess, []string{c}
			}, true, func(t *testing.T, e *env, _ *sessions.Session, _ []string) {
				if got := e.keys(t); len(got) != 0 {
					t.Errorf("keys = %v, want none (not revived)", got)
				}
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := newEnvOn(t, kind, true)
				sess, cookies := tt.prepare(e)
				w := httptest.NewRecorder()
				err := e.b.Store().Save(request(cookies...), w, sess)
				if (err != nil) != tt.wantErr {
					t.Fatalf("Save() error = %v, want error: %v", err, tt.wantErr)
				}
				set := w.Result().Cookies()
				switch {
				case err != nil && len(set) != 0:
					t.Errorf("failed Save set %v", set)
				case err == nil && sess.Options.MaxAge > 0 && (len(set) != 1 || set[0].Value != sess.ID):
					t.Errorf("Save set %v, want the session cookie %s", set, sess.ID)
				case err == nil && sess.Options.MaxAge <= 0 && (len(set) != 1 || set[0].MaxAge >= 0):
					t.Errorf("delete set %v, want the cookie cleared", set)
				}
				if tt.check != nil {
					tt.check(t, e, sess, cookies)
				}
			})
		}
	})
}

// TestStoreGetRegistry checks that Get loads a session once per request.
func TestStoreGetRegistry(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnvOn(t, kind, false)
		r := request(e.login(t, nil, "alice").Value)
		e.resetOps()
		a, errA := e.b.Store().Get(r, Cookie)
		b, errB := e.b.Store().Get(r, Cookie)
		if errA != nil || errB != nil || a != b || a.IsNew {
			t.Fatalf("Get twice = %p %v, %p %v; want one loaded session", a, errA, b, errB)
		}
		if got := e.opNames(); got != "get" {
			t.Errorf("storage saw %q, want one get", got)
		}
	})
}

// TestStoreExpiredLoad checks that New deletes a session past a deadline.
// The clock moves to the idle deadline exactly: past it by more than
// ttlSlack, the in-memory storage has forgotten the session as Redis
// would have by its own clock, and New finds no session at all (see
// TestMemoryTTL).
func TestStoreExpiredLoad(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnvOn(t, kind, true)
		c := e.login(t, nil, "alice").Value
		e.clock.Advance(DefaultIdleTimeout)
		sess, err := e.b.Store().New(request(c), Cookie)
		if !errors.Is(err, authbench.ErrExpired) || !sess.IsNew || sess.ID == c {
			t.Fatalf("New = %v (IsNew %v), %v; want a fresh session and ErrExpired", sess.ID, sess.IsNew, err)
		}
		if got := e.keys(t); len(got) != 0 {
			t.Errorf("keys = %v, want none", got)
		}
		if e.exists(t, e.b.store.SessionKey(e.idOf(t, c))) {
			t.Error("expired session survived")
		}
	})
}
