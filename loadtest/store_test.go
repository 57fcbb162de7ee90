package loadtest

import (
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/authbench/authbench/redisprov"
	"github.com/authbench/authbench/redisprov/redistest"
	"github.com/authbench/authbench/results"
)

// TestUsersByNode maps users to masters on a real cluster by the keys
// found there, and agrees with the slot each user's hash tag hashes to.
func TestUsersByNode(t *testing.T) {
	cc, prefix := redistest.Cluster(t)
	ctx := t.Context()
	nodes, err := masterSlots(ctx, cc)
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != redisprov.ClusterMasters {
		t.Fatalf("%d masters: %+v", len(nodes), nodes)
	}
	r := &runner{cluster: &clusterState{}}
	for _, n := range nodes {
		c := redis.NewClient(redisprov.ClientOptions(n.Addr))
		t.Cleanup(func() { _ = c.Close() })
		r.cluster.nodes = append(r.cluster.nodes, c)
	}
	const users = 30
	for i := range users {
		if err := cc.Set(ctx, fmt.Sprintf("%s{u:user-%d}:fam:x", prefix, i), "1", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	got, err := r.usersByNode(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != users {
		t.Fatalf("mapped %d users, want %d: %v", len(got), users, got)
	}
	per := map[int]int{}
	for vu, n := range got {
		per[n]++
		slot, err := cc.ClusterKeySlot(ctx, fmt.Sprintf("{u:user-%d}", vu)).Result()
		if err != nil {
			t.Fatal(err)
		}
		lo := 0
		for j := range n {
			lo += nodes[j].Slots
		}
		if int(slot) < lo || int(slot) >= lo+nodes[n].Slots {
			t.Errorf("user-%d: slot %d, mapped to master %d holding %d..%d", vu, slot, n, lo, lo+nodes[n].Slots-1)
		}
	}
	if len(per) != redisprov.ClusterMasters {
		t.Errorf("users spread over %d masters, want %d: %v", len(per), redisprov.ClusterMasters, per)
	}
	_ = results.ClusterSlots
}
