package loadtest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	vegeta "github.com/tsenart/vegeta/v12/lib"

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
}

// TestShardOutageOf analyses a hand-made outage step: users on the
// stopped master who failed in the window, others served, the window's
// bounds respected, recovery timed from the restart's start.
func TestShardOutageOf(t *testing.T) {
	t0 := time.Unix(1000, 0)
	stop := &mark{began: time.Second, applied: time.Second + time.Millisecond, happened: true}
	restart := &mark{began: 3 * time.Second, applied: 4 * time.Second, happened: true}
	res := func(vu int, at, lat time.Duration, code uint16) kept {
		return kept{route: results.RouteMe, res: vegeta.Result{URL: fmt.Sprintf("http://x/api/me?vu=%d", vu), Timestamp: t0.Add(at), Latency: lat, Code: code}}
	}
	ms := time.Millisecond
	ks := []kept{
		res(0, 500*ms, ms, 200),     // before the stop: not counted
		res(0, 1500*ms, ms, 503),    // on the stopped master, in the window
		res(1, 1600*ms, ms, 200),    // elsewhere, served
		res(2, 1700*ms, ms, 200),    // elsewhere, served
		res(0, 2990*ms, 20*ms, 503), // ends after the restart began: not in the window
		res(0, 3100*ms, ms, 503),    // after the restart began, still failing
		res(0, 4500*ms, 2*ms, 401),  // the restarted master came back empty
		res(0, 4600*ms, 3*ms, 200),  // served again
		res(1, 4700*ms, ms, 200),
	}
	userNode := map[int]int{0: 1, 1: 0, 2: 2}
	got := shardOutageOf(ks, t0, stop, restart, userNode, 1)
	want := results.ShardOutage{Mapped: true, StoppedAt: stop.applied, RestartBegan: restart.began, RestartedAt: restart.applied,
		UsersSeen: 3, UsersOnNode: 1, UsersFailed: 1, FailedOnNode: 1,
		OnNode: results.WindowCount{Requests: 1, Failures: 1}, Elsewhere: results.WindowCount{Requests: 2},
		After: results.WindowCount{Requests: 4, Failures: 1, Unauthorized: 1}, FirstSuccessOnNode: 1603 * ms}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("shardOutageOf =\n %+v\nwant\n %+v", got, want)
	}
	if got := shardOutageOf(ks, t0, stop, restart, nil, 1); got.Mapped || got.UsersOnNode != 0 || got.UsersFailed != 1 || got.FailedElsewhere != 1 {
		t.Errorf("unmapped: %+v", got)
	}
}
