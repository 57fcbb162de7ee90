package sessionauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/authbench/authbench"
	"github.com/authbench/authbench/redisprov/redistest"
)

// TestOnCluster runs sessions on a real Redis Cluster (a local one of
// three masters): login (the MULTI transaction), authenticate, logout
// (destroy script), re-login over another user's cookie (the cross-slot
// case) and revoke-user (revoke script) must all stay within a slot, or
// the cluster answers CROSSSLOT and the step fails; and different users'
// sessions must spread over more than one slot.
func TestOnCluster(t *testing.T) {
	cc, prefix := redistest.Cluster(t)
	b, err := New(Config{Client: cc, Prefix: prefix, Unsigned: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	login := func(user string, old *http.Cookie) *http.Cookie {
		t.Helper()
		r := httptest.NewRequest(http.MethodPost, "/auth/login", nil)
		if old != nil {
			r.AddCookie(old)
		}
		rec := httptest.NewRecorder()
		if _, err := b.Login(rec, r, user); err != nil {
			t.Fatalf("Login(%s): %v", user, err)
		}
		for _, c := range rec.Result().Cookies() {
			if c.Name == Cookie {
				return &http.Cookie{Name: c.Name, Value: c.Value}
			}
		}
		t.Fatalf("Login(%s) set no %s cookie", user, Cookie)
		return nil
	}
	authenticate := func(c *http.Cookie) error {
		r := httptest.NewRequest(http.MethodGet, "/api/me", nil)
		r.AddCookie(c)
		_, err := b.Authenticate(r)
		return err
	}
	want := func(what string, got, want error) {
		t.Helper()
		if (got != nil) != (want != nil) || !errors.Is(got, want) {
			t.Fatalf("%s: %v, want %v", what, got, want)
		}
	}

	slots := map[int64]bool{}
	for _, user := range []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"} {
		c := login(user, nil)
		want("Authenticate("+user+")", authenticate(c), nil)
		s1, err := cc.ClusterKeySlot(ctx, b.Store().SessionKey(c.Value)).Result()
		if err != nil {
			t.Fatal(err)
		}
		s2, err := cc.ClusterKeySlot(ctx, b.Store().UserKey(user)).Result()
		if err != nil {
			t.Fatal(err)
		}
		if s1 != s2 {
			t.Errorf("%s: session key in slot %d, index in slot %d", user, s1, s2)
		}
		slots[s1] = true
	}
	if len(slots) < 2 {
		t.Errorf("8 users' sessions all in one slot %v: the tag is not per user", slots)
	}

	alice := login("alice", nil)
	again := login("alice", alice) // same user: the old session ends inside the transaction
	want("old session after re-login", authenticate(alice), authbench.ErrUnauthenticated)
	bob := login("bob", again) // another user's cookie: ended in its own round trip
	want("alice's session after bob logged in over it", authenticate(again), authbench.ErrUnauthenticated)
	want("bob", authenticate(bob), nil)

	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/auth/logout", nil)
	r.AddCookie(bob)
	want("Logout", b.Logout(rec, r), nil)
	want("after logout", authenticate(bob), authbench.ErrUnauthenticated)

	c1, c2 := login("carol", nil), login("carol", nil)
	want("RevokeUser", b.RevokeUser(ctx, "carol"), nil)
	want("carol's first session after revoke", authenticate(c1), authbench.ErrUnauthenticated)
	want("carol's second session after revoke", authenticate(c2), authbench.ErrUnauthenticated)
}
