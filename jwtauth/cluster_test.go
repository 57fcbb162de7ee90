package jwtauth

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/authbench/authbench"
	"github.com/authbench/authbench/redisprov/redistest"
)

// TestOnCluster runs the stateful variants' whole flow on a real Redis
// Cluster (a local one of three masters): every MGET, script and
// pipeline must stay within one hash slot, or the cluster answers
// CROSSSLOT and the step fails. It also checks that one user's keys share
// a slot while different users' keys spread over the masters.
func TestOnCluster(t *testing.T) {
	for _, epoch := range []bool{false, true} {
		name := "jwt-blacklist"
		if epoch {
			name = "jwt-epoch"
		}
		t.Run(name, func(t *testing.T) {
			cc, prefix := redistest.Cluster(t)
			clk := newClock()
			b, err := New(Config{Keys: testKeys(t, AlgHS256), Blacklist: cc, Prefix: prefix, Epoch: epoch, Now: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			alice := login(t, b, "alice")
			other := login(t, b, "alice")
			checkErr(t, "Authenticate", authenticate(b, alice.access.Value), nil)
			clk.Advance(10 * time.Minute)
			next, err := refresh(t, b, alice.refresh.Value)
			checkErr(t, "Refresh", err, nil)
			if !epoch {
				_, err = refresh(t, b, alice.refresh.Value)
				checkErr(t, "Refresh(replayed)", err, authbench.ErrRevoked)
				checkErr(t, "Authenticate(family revoked by the replay)", authenticate(b, next.access.Value), authbench.ErrRevoked)
			}
			checkErr(t, "Logout", b.Logout(httptest.NewRecorder(), accessReq(other.access.Value)), nil)
			checkErr(t, "Authenticate(logged out)", authenticate(b, other.access.Value), authbench.ErrRevoked)

			slots := map[int64]bool{}
			for _, user := range []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"} {
				cr := login(t, b, user)
				c, err := b.Parse(cr.access.Value)
				if err != nil {
					t.Fatal(err)
				}
				keys := b.BlacklistKeys(c)
				var first int64 = -1
				for _, k := range keys {
					s, err := cc.ClusterKeySlot(ctx, k).Result()
					if err != nil {
						t.Fatal(err)
					}
					if first >= 0 && s != first {
						t.Errorf("user %s: key %s in slot %d, its other keys in %d", user, k, s, first)
					}
					first = s
				}
				slots[first] = true
				checkErr(t, "RevokeUser", b.RevokeUser(ctx, user), nil)
				checkErr(t, "Authenticate(revoked user)", authenticate(b, cr.access.Value), authbench.ErrRevoked)
			}
			if len(slots) < 2 {
				t.Errorf("8 users' keys all in one slot %v: the hash tag is not per user", slots)
			}
		})
	}
}
