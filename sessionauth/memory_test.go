package sessionauth

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/authbench/authbench"
)

// idInShard returns a fresh, well-formed session ID whose first character
// is c, so a test knows which shard of memStorage it lands in.
func idInShard(c byte) string { return string(c) + newID("")[1:] }

// TestMemorySetSemantics pins the Redis semantics the in-memory storage
// copies, at the storage level: insert is SET NX and write SET XX, both
// treating a record past its ttl as absent, as Redis does a key past its
// TTL; get of such a record reports it absent and deletes it.
func TestMemorySetSemantics(t *testing.T) {
	ctx := context.Background()
	rec := record{user: "alice", created: 1, lastSeen: 1}
	tests := []struct {
		name     string
		advance  time.Duration // after inserting id with a one-minute ttl
		op       func(m *memStorage, id string) (bool, error)
		want     bool
		wantRecs int // records held afterwards
	}{
		{"insert over a live record", 0, func(m *memStorage, id string) (bool, error) {
			return m.insert(ctx, id, record{user: "bob"}, time.Hour, "")
		}, false, 1},
		{"insert over a record past its ttl", time.Minute, func(m *memStorage, id string) (bool, error) {
			return m.insert(ctx, id, record{user: "bob"}, time.Hour, "")
		}, true, 1},
		{"write to a live record", time.Minute - time.Nanosecond, func(m *memStorage, id string) (bool, error) {
			return m.write(ctx, id, rec, time.Hour)
		}, true, 1},
		{"write to a record past its ttl", time.Minute, func(m *memStorage, id string) (bool, error) {
			return m.write(ctx, id, rec, time.Hour)
		}, false, 1}, // not revived; left for the sweep
		{"write to an unknown ID", 0, func(m *memStorage, _ string) (bool, error) {
			return m.write(ctx, newID(""), rec, time.Hour)
		}, false, 1},
		{"get of a live record", time.Minute - time.Nanosecond, func(m *memStorage, id string) (bool, error) {
			_, err := m.get(ctx, id)
			return err == nil, nil
		}, true, 1},
		{"get of a record past its ttl", time.Minute, func(m *memStorage, id string) (bool, error) {
			_, err := m.get(ctx, id)
			if !errors.Is(err, authbench.ErrUnauthenticated) {
				return false, fmt.Errorf("get: %w, want ErrUnauthenticated", err)
			}
			return true, nil
		}, true, 0}, // deleted on the spot
		{"insert rotating the old session", 0, func(m *memStorage, id string) (bool, error) {
			return m.insert(ctx, newID(""), rec, time.Hour, id)
		}, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			m := newMemStorage(clock.Now)
			id := newID("")
			if ok, err := m.insert(ctx, id, rec, time.Minute, ""); !ok || err != nil {
				t.Fatalf("insert = %v, %v", ok, err)
			}
			clock.Advance(tt.advance)
			got, err := tt.op(m, id)
			if err != nil || got != tt.want {
				t.Errorf("got %v, %v; want %v", got, err, tt.want)
			}
			if recs, _ := m.size(); recs != tt.wantRecs {
				t.Errorf("%d records held, want %d", recs, tt.wantRecs)
			}
			m.checkConsistent(t)
		})
	}
}

// TestMemorySweep checks that expired records nobody reads again are
// removed by the sweep an insert into their shard triggers, with their
// index entries, and that live ones survive it.
func TestMemorySweep(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	m := newMemStorage(clock.Now)
	insert := func(user string, ttl time.Duration) {
		t.Helper()
		if ok, err := m.insert(ctx, idInShard('A'), record{user: user}, ttl, ""); !ok || err != nil {
			t.Fatalf("insert = %v, %v", ok, err)
		}
	}
	// One insert short of the first sweep: 62 records that expire in a
	// minute and one that lives.
	for i := range memSweepMin - 2 {
		insert(fmt.Sprintf("abandoned-%d", i), time.Minute)
	}
	insert("alive", time.Hour)
	clock.Advance(2 * time.Minute)
	if recs, users := m.size(); recs != memSweepMin-1 || users != memSweepMin-1 {
		t.Fatalf("before the sweep: %d records, %d users; want %d of each (nothing read, nothing swept)", recs, users, memSweepMin-1)
	}
	// The insert that reaches memSweepMin in the shard sweeps it.
	insert("new", time.Hour)
	if recs, users := m.size(); recs != 2 || users != 2 {
		t.Errorf("after the sweep: %d records, %d users; want 2 of each (alive and new)", recs, users)
	}
	if sh := m.shard(idInShard('A')); sh.inserts != 0 || sh.next != memSweepMin {
		t.Errorf("shard after the sweep: %d inserts, next at %d; want 0 and %d", sh.inserts, sh.next, memSweepMin)
	}
	for _, user := range []string{"alive", "new"} {
		if len(m.users[user]) != 1 {
			t.Errorf("index of %s = %v, want one ID", user, m.users[user])
		}
	}
	m.checkConsistent(t)
}

// TestMemoryBoundedGrowth logs in round after round of sessions that are
// then abandoned (never read, never logged out) and lets each round
// expire: the records held stay within the documented bound, twice the
// sessions live at the shards' previous sweeps plus memSweepMin per shard,
// far below the number ever created.
func TestMemoryBoundedGrowth(t *testing.T) {
	const perRound, rounds = 300, 40
	e := newEnvOn(t, inMemory, true)
	// Live at a shard's previous sweep: at most this round's and the
	// previous round's sessions.
	bound := 2*(2*perRound) + memShards*memSweepMin
	if perRound*rounds <= 2*bound {
		t.Fatalf("test too small: %d sessions created could stay under the bound %d without any sweep", perRound*rounds, bound)
	}
	for r := range rounds {
		for i := range perRound {
			e.login(t, nil, fmt.Sprintf("user-%d", i))
		}
		if recs, _ := e.mem.size(); recs > bound {
			t.Fatalf("round %d: %d records held, want at most %d", r, recs, bound)
		}
		e.clock.Advance(DefaultIdleTimeout + ttlSlack)
	}
	if recs, users := e.mem.size(); recs < perRound || users != perRound {
		// The last round is expired now but not yet swept: at least
		// its sessions are still held, in one index per user.
		t.Errorf("%d records, %d users; want at least %d and %d", recs, users, perRound, perRound)
	}
}

// TestMemoryInstances shows the sticky-session case: two processes with
// the same signing key (so cookies verify on both, as with a shared
// --session-key-file) but their own memory. A session works only on the
// instance that issued it; logout and revocation on the other one do
// nothing to it.
func TestMemoryInstances(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	clock := newClock()
	a, err := New(Config{Memory: true, HashKey: key, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(Config{Memory: true, HashKey: key, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ea := &env{b: a, clock: clock}
	cookie := ea.login(t, nil, "alice").Value
	ctx := context.Background()

	if _, err := b.Lookup(ctx, cookie); !errors.Is(err, authbench.ErrUnauthenticated) {
		t.Errorf("the other instance: Lookup error = %v, want ErrUnauthenticated", err)
	}
	if err := b.Logout(httptest.NewRecorder(), request(cookie)); err != nil {
		t.Errorf("logout on the other instance: %v", err)
	}
	if err := b.RevokeUser(ctx, "alice"); err != nil {
		t.Errorf("revoke on the other instance: %v", err)
	}
	if id, err := a.Lookup(ctx, cookie); err != nil || id.User != "alice" {
		t.Errorf("the issuing instance after logout and revocation elsewhere: %+v, %v; want alice", id, err)
	}
	if err := a.RevokeUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Lookup(ctx, cookie); !errors.Is(err, authbench.ErrUnauthenticated) {
		t.Errorf("the issuing instance after revocation there: error = %v, want ErrUnauthenticated", err)
	}
}

// TestMemoryConcurrent mixes logins, lookups, refreshes, logouts,
// revocations and a moving clock (so records expire, are found expired
// and are swept) on one in-memory Backend, for the race detector. No
// operation may fail for any reason but the session having ended, and the
// storage must be consistent afterwards (checked by newEnvOn's cleanup)
// and empty once every user is revoked.
func TestMemoryConcurrent(t *testing.T) {
	const users, workers, iterations = 5, 6, 150
	e := newEnvOn(t, inMemory, true, func(c *Config) {
		c.IdleTimeout = 10 * time.Second
		c.TouchInterval = time.Second
	})
	ended := func(err error) bool {
		return errors.Is(err, authbench.ErrUnauthenticated) || errors.Is(err, authbench.ErrExpired)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, workers+1)
	for g := range workers {
		wg.Go(func() {
			for i := range iterations {
				user := fmt.Sprintf("user-%d", (g+i)%users)
				w := httptest.NewRecorder()
				if _, err := e.b.Login(w, request(), user); err != nil {
					errs <- fmt.Errorf("login: %w", err)
					return
				}
				r := request(w.Result().Cookies()[0].Value)
				e.clock.Advance(100 * time.Millisecond)
				if id, err := e.b.Authenticate(r); (err != nil && !ended(err)) || (err == nil && id.User != user) {
					errs <- fmt.Errorf("authenticate %s: %+v, %w", user, id, err)
					return
				}
				if _, err := e.b.Refresh(httptest.NewRecorder(), r); err != nil && !ended(err) {
					errs <- fmt.Errorf("refresh: %w", err)
					return
				}
				if i%3 == 0 {
					if err := e.b.Logout(httptest.NewRecorder(), r); err != nil {
						errs <- fmt.Errorf("logout: %w", err)
						return
					}
				}
			}
		})
	}
	wg.Go(func() {
		for i := range iterations {
			if err := e.b.RevokeUser(ctx, fmt.Sprintf("user-%d", i%users)); err != nil {
				errs <- fmt.Errorf("revoke: %w", err)
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i := range users {
		if err := e.b.RevokeUser(ctx, fmt.Sprintf("user-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if recs, idx := e.mem.size(); recs != 0 || idx != 0 {
		t.Errorf("after revoking everyone: %d records, %d indexes; want none", recs, idx)
	}
}
