package scenarios_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authbench/authbench/loadtest"
	"github.com/authbench/authbench/report"
	"github.com/authbench/authbench/results"
)

// TestCluster runs scenarios/cluster.yaml in miniature on one Redis and
// on a local 3-master cluster the runner starts (the only cluster of
// this test binary): every variant on both stores, each cluster step's
// commands split by master, and one master stopped under load. The
// outage check is exact, not statistical: the users who fail are exactly
// those whose keys are on the stopped master, and no one else fails.
func TestCluster(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("no redis-server on PATH: a local cluster needs it (apt-get install redis-server)")
	}
	res := miniature(t, "cluster.yaml", func(sc *loadtest.Scenario) {
		sc.Users, sc.Curve = 60, nil
		sc.Rates, sc.Duration, sc.Repetitions = []float64{150}, loadtest.Duration(time.Second), 1
		sc.Mix = loadtest.Mix{Me: 100}
		o := &sc.Cluster.Outage
		o.Rate, o.Before, o.Window, o.After = 200, loadtest.Duration(time.Second), loadtest.Duration(2*time.Second), loadtest.Duration(4*time.Second)
	})
	if res.Kind != results.KindCluster {
		t.Fatalf("kind %q", res.Kind)
	}
	ci := res.Cluster
	if ci == nil || !ci.Owned || !ci.Measured || len(ci.Nodes) != 3 {
		t.Fatalf("cluster info %+v", ci)
	}
	slots := 0
	for _, n := range ci.Nodes {
		slots += n.Slots
	}
	if slots != results.ClusterSlots {
		t.Errorf("masters hold %d slots, want %d", slots, results.ClusterSlots)
	}
	for _, name := range []string{"jwt", "jwt-blacklist", "session"} {
		single, cluster := variant(t, res, name), variant(t, res, name+"@cluster")
		if single.Store != "" || cluster.Store != results.StoreCluster {
			t.Errorf("%s: stores %q and %q", name, single.Store, cluster.Store)
		}
		stateful := name != "jwt"
		for _, st := range cluster.Steps {
			if st.Kind != results.StepRate {
				continue
			}
			if st.Redis == nil || len(st.Redis.Nodes) != 3 {
				t.Fatalf("%s@cluster step %d: no per-master split: %+v", name, st.Index, st.Redis)
			}
			for _, n := range st.Redis.Nodes {
				if stateful && n.Commands == 0 {
					t.Errorf("%s@cluster step %d: master %s served no command: the load does not spread", name, st.Index, n.Addr)
				}
			}
		}
		if len(cluster.ShardOutages) != 1 {
			t.Fatalf("%s@cluster: %d shard outages, want 1", name, len(cluster.ShardOutages))
		}
		so := cluster.ShardOutages[0]
		if so.Error != "" || so.UsersSeen == 0 || so.SlotShare < 0.3 || so.SlotShare > 0.36 {
			t.Fatalf("%s@cluster: outage %+v", name, so)
		}
		if !stateful {
			if so.UsersFailed != 0 {
				t.Errorf("jwt@cluster keeps nothing in Redis, yet %d users failed", so.UsersFailed)
			}
			continue
		}
		if !so.Mapped || so.UsersOnNode == 0 || so.UsersOnNode == so.UsersSeen {
			t.Errorf("%s@cluster: %d of %d users seen on the stopped master (mapped %v): want some, not all", name, so.UsersOnNode, so.UsersSeen, so.Mapped)
		}
		if so.FailedOnNode != so.UsersOnNode || so.FailedElsewhere != 0 {
			t.Errorf("%s@cluster: failed %d of %d users on the stopped master and %d elsewhere: want exactly those on it", name, so.FailedOnNode, so.UsersOnNode, so.FailedElsewhere)
		}
		if so.OnNode.Failures != so.OnNode.Requests || so.Elsewhere.Failures != 0 {
			t.Errorf("%s@cluster: on the stopped master %d of %d requests failed, elsewhere %d of %d", name, so.OnNode.Failures, so.OnNode.Requests, so.Elsewhere.Failures, so.Elsewhere.Requests)
		}
		if so.FirstSuccessOnNode < 0 {
			t.Errorf("%s@cluster: its users on the stopped master never succeeded again after the restart: %+v", name, so)
		}
	}
	// The run renders: the terminal summary and the report's cluster
	// section, from results.json alone.
	var sum bytes.Buffer
	loadtest.Summary(&sum, res)
	dir := t.TempDir()
	if err := res.Write(filepath.Join(dir, "results.json")); err != nil {
		t.Fatal(err)
	}
	if err := report.Write(dir); err != nil {
		t.Fatalf("report: %v", err)
	}
	md, err := os.ReadFile(filepath.Join(dir, report.MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Redis Cluster: the same variants", "exactly those on it; every other user was served", "session@cluster"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
}
