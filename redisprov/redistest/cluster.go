package redistest

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/authbench/authbench/redisprov"
	"github.com/redis/go-redis/v9"
)

// EnvClusterAddrs names a Redis Cluster (comma-separated host:port of its
// nodes) to use instead of starting a local one.
const EnvClusterAddrs = "AUTHBENCH_TEST_REDIS_CLUSTER_ADDRS"

// sharedCluster is the local cluster of this test binary, started on
// first use: one per package run, not one per test, so CI pays the start
// (about a second) once.
var sharedCluster struct {
	once    sync.Once
	cluster *redisprov.Cluster
	addrs   []string
	label   string
	err     error
}

// Cluster returns a client to the Redis Cluster shared by this test
// binary and a key prefix unique to this test, like Shared. The cluster
// is the one in AUTHBENCH_TEST_REDIS_CLUSTER_ADDRS, else a local one of
// three masters started from redis-server (redisprov.StartCluster),
// whose nodes die with the test binary. Without redis-server and without
// the variable the test is skipped, saying so. At cleanup the test's keys
// are deleted on every master.
func Cluster(tb testing.TB) (*redis.ClusterClient, string) {
	tb.Helper()
	sharedCluster.once.Do(func() {
		if v := os.Getenv(EnvClusterAddrs); v != "" {
			sharedCluster.addrs = strings.Split(v, ",")
			sharedCluster.label = "given Redis Cluster " + v
			return
		}
		if _, err := exec.LookPath("redis-server"); err != nil {
			sharedCluster.err = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
		defer cancel()
		c, err := redisprov.StartCluster(ctx, PrefixBase)
		if err != nil {
			sharedCluster.err = err
			return
		}
		sharedCluster.cluster, sharedCluster.addrs, sharedCluster.label = c, c.Addrs, c.Label()
	})
	if sharedCluster.err != nil {
		if _, err := exec.LookPath("redis-server"); err != nil {
			tb.Skipf("redistest: no Redis Cluster: set %s or install redis-server to start a local one (%v)", EnvClusterAddrs, err)
		}
		tb.Fatalf("redistest: local Redis Cluster: %v", sharedCluster.err)
	}
	prefix := redisprov.NewPrefix(PrefixBase)
	client := redis.NewClusterClient(redisprov.ClusterClientOptions(sharedCluster.addrs))
	tb.Logf("redistest: %s, key prefix %s", sharedCluster.label, prefix)
	tb.Cleanup(func() {
		c := redis.NewClusterClient(redisprov.ClusterClientOptions(sharedCluster.addrs))
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if _, err := redisprov.DeleteClusterPrefix(ctx, c, prefix); err != nil {
			tb.Errorf("redistest: delete this test's cluster keys: %v", err)
		}
	})
	tb.Cleanup(func() { _ = client.Close() })
	return client, prefix
}
