package jwtauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/authbench/authbench"
	"github.com/authbench/authbench/redisprov/redistest"
)

// TestStoreOutage stops a private Redis under a live jwt-blacklist backend:
// every operation that needs the store fails closed with
// ErrStoreUnavailable, and once Redis is back the same Backend works again.
func TestStoreOutage(t *testing.T) {
	rs := redistest.Private(t)
	client := rs.Client()
	t.Cleanup(func() { _ = client.Close() })
	clk := newClock()
	b, err := New(Config{Keys: testKeys(t, AlgHS256), Blacklist: client, Prefix: rs.Prefix, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	cr := login(t, b, "alice")
	checkErr(t, "Authenticate before outage", authenticate(b, cr.access.Value), nil)

	if err := rs.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	t.Run("down", func(t *testing.T) {
		checkErr(t, "Authenticate", authenticate(b, cr.access.Value), authbench.ErrStoreUnavailable)

		rec := httptest.NewRecorder()
		_, err := b.Login(rec, httptest.NewRequest(http.MethodPost, "/auth/login", nil), "alice")
		checkErr(t, "Login", err, authbench.ErrStoreUnavailable)
		checkNoCookies(t, rec)

		rec = httptest.NewRecorder()
		_, err = b.Refresh(rec, refreshReq(cr.refresh.Value))
		checkErr(t, "Refresh", err, authbench.ErrStoreUnavailable)
		checkNoCookies(t, rec) // kept: the refresh token may still be good

		rec = httptest.NewRecorder()
		checkErr(t, "Logout", b.Logout(rec, accessReq(cr.access.Value)), authbench.ErrStoreUnavailable)
		checkCleared(t, rec)

		checkErr(t, "RevokeUser", b.RevokeUser(context.Background(), "alice"), authbench.ErrStoreUnavailable)

		// Invalid tokens are refused without asking the store.
		checkErr(t, "Authenticate(garbage)", authenticate(b, "garbage"), authbench.ErrUnauthenticated)
	})

	if err := rs.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Run("back", func(t *testing.T) {
		// go-redis may keep its circuit open for about a second after
		// the server returns; poll for that, not for any TTL.
		deadline := time.Now().Add(10 * time.Second)
		for {
			err := authenticate(b, cr.access.Value)
			if err == nil {
				break
			}
			if !errors.Is(err, authbench.ErrStoreUnavailable) || time.Now().After(deadline) {
				t.Fatalf("Authenticate after restart: %v", err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		// The private Redis restarts empty unless it persisted; either
		// way a fresh login works end to end.
		fresh := login(t, b, "alice")
		checkErr(t, "Authenticate(fresh)", authenticate(b, fresh.access.Value), nil)
		_, err := refresh(t, b, fresh.refresh.Value)
		checkErr(t, "Refresh(fresh)", err, nil)
		checkErr(t, "RevokeUser", b.RevokeUser(context.Background(), "alice"), nil)
		checkErr(t, "Authenticate(fresh) after RevokeUser", authenticate(b, fresh.access.Value), authbench.ErrRevoked)
	})
}
