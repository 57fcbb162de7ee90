package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"testing"
	"time"

	"github.com/authbench/authbench/redisprov"
)

// TestClusterShardOutage stops one master of a private local Redis
// Cluster under the stateful variants: users whose keys hash to that
// master's slots get fail-closed 503s, everyone else is served as before
// (the cluster runs with cluster-require-full-coverage no), each user's
// answer is the same on every retry, and once the master is back every
// user can log in and work again without restarting the server.
func TestClusterShardOutage(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("no redis-server on PATH: a local cluster needs it (apt-get install redis-server)")
	}
	for _, v := range variants() {
		if !v.cluster {
			continue
		}
		t.Run(v.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cl, err := redisprov.StartCluster(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cl.Close() })
			cc := cl.Client()
			t.Cleanup(func() { _ = cc.Close() })
			e := newEnv(t, v, cc, cl.Prefix)
			ts := httptest.NewServer(e.srv)
			t.Cleanup(ts.Close)

			const n = 18
			clients := make([]*client, n)
			for i := range clients {
				clients[i] = newClient(t, ts)
				wantStatus(t, "login", clients[i].login(fmt.Sprintf("user-%d", i)), http.StatusOK)
			}
			if err := cl.StopNode(1); err != nil {
				t.Fatal(err)
			}
			var failed, served int
			for i, c := range clients {
				first := c.do(http.MethodGet, "/api/me", "").code
				if again := c.do(http.MethodGet, "/api/me", "").code; again != first {
					t.Errorf("user-%d: /api/me answered %d then %d during the outage", i, first, again)
				}
				switch first {
				case http.StatusServiceUnavailable:
					failed++
				case http.StatusOK:
					served++
				default:
					t.Errorf("user-%d: /api/me %d during the outage, want 200 or 503", i, first)
				}
			}
			t.Logf("one master of 3 down: %d of %d users got 503, %d were served", failed, n, served)
			if failed == 0 || served == 0 {
				t.Errorf("one master down: %d users failed, %d served; want the outage to hit only that master's users", failed, served)
			}

			if err := cl.StartNode(ctx, 1); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(10 * time.Second)
			for i := range clients {
				for {
					c := newClient(t, ts)
					r := c.login(fmt.Sprintf("user-%d", i))
					if r.code == http.StatusOK && c.do(http.MethodGet, "/api/me", "").code == http.StatusOK {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("user-%d: after the master came back, login gives %d", i, r.code)
					}
					time.Sleep(50 * time.Millisecond)
				}
			}
		})
	}
}
