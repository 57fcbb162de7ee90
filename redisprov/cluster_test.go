package redisprov

import (
	"context"
	"errors"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestCluster starts a real local cluster: keys spread over all three
// masters, a multi-key command across slots is refused (CROSSSLOT) while
// one within a hash tag works, one stopped master takes only its own
// slots down and comes back with them, and Close leaves no process.
func TestCluster(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("no redis-server on PATH: a local cluster needs it (apt-get install redis-server)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := StartCluster(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	t.Log(c.Label())
	if len(c.Addrs) != ClusterMasters {
		t.Fatalf("Addrs = %v, want %d", c.Addrs, ClusterMasters)
	}
	cc := c.Client()
	t.Cleanup(func() { _ = cc.Close() })

	const n = 60
	for i := range n {
		if err := cc.Set(ctx, c.Prefix+"k"+strconv.Itoa(i), "v", time.Minute).Err(); err != nil {
			t.Fatalf("SET %d: %v", i, err)
		}
	}
	perNode := map[string]int64{}
	for _, addr := range c.Addrs {
		if err := nodeDo(ctx, addr, func(nc *redis.Client) error {
			var err error
			perNode[addr], err = nc.DBSize(ctx).Result()
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if perNode[addr] == 0 {
			t.Errorf("node %s holds no key of %d: slots not spread (%v)", addr, n, perNode)
		}
	}
	t.Logf("keys per node: %v", perNode)

	if err := cc.MGet(ctx, c.Prefix+"k1", c.Prefix+"k2", c.Prefix+"k3").Err(); err == nil {
		t.Error("MGET across slots succeeded, want CROSSSLOT")
	}
	if err := cc.MGet(ctx, c.Prefix+"{u}a", c.Prefix+"{u}b").Err(); err != nil {
		t.Errorf("MGET within one hash tag: %v", err)
	}

	// One master down: its keys fail, the others' keep working.
	down := c.Addrs[1]
	if err := c.StopNode(1); err != nil {
		t.Fatal(err)
	}
	var failed, served int
	for i := range n {
		key := c.Prefix + "k" + strconv.Itoa(i)
		if err := cc.Get(ctx, key).Err(); err != nil {
			failed++
		} else {
			served++
		}
	}
	if failed == 0 || served == 0 {
		t.Errorf("with %s down: %d keys failed, %d served; want some of each", down, failed, served)
	}
	t.Logf("with %s down: %d of %d keys failed (node held %d)", down, failed, n, perNode[down])
	if err := c.StartNode(ctx, 1); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; i < n; {
		err := cc.Get(ctx, c.Prefix+"k"+strconv.Itoa(i)).Err()
		switch {
		case err == nil || errors.Is(err, redis.Nil): // restarted empty: persistence is off
			i++
		case time.Now().After(deadline):
			t.Fatalf("after StartNode, key %d still fails: %v", i, err)
		default:
			time.Sleep(50 * time.Millisecond)
		}
	}

	if _, err := DeleteClusterPrefix(ctx, cc, c.Prefix); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	for _, n := range c.nodes {
		if n.cmd != nil {
			t.Errorf("node %s still running after Close", n.addr())
		}
	}
}
