package redistest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/authbench/authbench/redisprov"
	"github.com/redis/go-redis/v9"
)

// Environment variables that choose the test Redis.
const (
	// EnvAddr names a Redis (host:port) to use instead of starting one.
	EnvAddr = "AUTHBENCH_TEST_REDIS_ADDR"
	// EnvAllowEmbedded, set to "1", accepts the in-process miniredis when
	// no real Redis is available.
	EnvAllowEmbedded = "AUTHBENCH_TEST_ALLOW_EMBEDDED"
)

// PrefixBase starts every per-test key prefix; random hex digits and a
// colon follow. It differs from the CLI's "authbench:" so test leftovers
// are never mistaken for a run's data.
const PrefixBase = "authbench-test:"

// fixHint says how to get a Redis for the tests; every failure repeats it.
const fixHint = "install redis-server (apt-get install redis-server) or set " + EnvAddr +
	" (" + EnvAllowEmbedded + "=1 accepts the in-process miniredis instead)"

const (
	// startTimeout bounds provisioning; a container image pull is the
	// slow case.
	startTimeout = 3 * time.Minute
	// cleanupTimeout bounds deleting one test's keys.
	cleanupTimeout = 10 * time.Second
)

// shared is the Redis of this test binary, started on first use.
var shared struct {
	once  sync.Once
	redis *redisprov.Redis
	err   error
}

// Shared returns a client to the Redis shared by this test binary, and a
// key prefix unique to this test ("authbench-test:<8 hex digits>:"). The
// test must write only under the prefix. At cleanup the keys under the
// prefix are deleted (SCAN and UNLINK, never a flush) and the client is
// closed.
//
// The client has redisprov's fail-fast options (500 ms timeouts, no
// retries). The Redis is started once, on the first call, and dies with
// the test binary; see the package documentation for where it comes from.
func Shared(tb testing.TB) (*redis.Client, string) {
	tb.Helper()
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
		defer cancel()
		shared.redis, shared.err = provision(ctx, os.Getenv(EnvAddr), allowEmbedded())
	})
	if shared.err != nil {
		tb.Fatalf("redistest: no Redis for the tests: %v", shared.err)
	}
	r := shared.redis
	prefix := redisprov.NewPrefix(PrefixBase)
	client := r.Client()
	tb.Logf("redistest: %s, key prefix %s", r.Label(), prefix)
	tb.Cleanup(func() {
		// A fresh client: the test may have closed its own, or broken it.
		c := redis.NewClient(redisprov.ClientOptions(r.Addr))
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if _, err := redisprov.DeletePrefix(ctx, c, prefix); err != nil {
			tb.Errorf("redistest: delete this test's keys: %v", err)
		}
	})
	tb.Cleanup(func() { _ = client.Close() })
	return client, prefix
}

// Private starts a redis-server for this test alone, so that the test can
// stop it (Stop) and bring it back on the same address (Start) to see how
// code behaves during and after a store outage. Its Prefix is a fresh
// per-test prefix. It is closed at cleanup.
//
// It skips the test when the only Redis available is one the test cannot
// stop: the address in AUTHBENCH_TEST_REDIS_ADDR, or a Docker engine.
func Private(tb testing.TB) *redisprov.Redis {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	r, err := redisprov.Start(ctx, redisprov.Options{
		NoContainers: true, // a container cannot be stopped and restarted on the same port
		NoEmbedded:   !allowEmbedded(),
		Prefix:       redisprov.NewPrefix(PrefixBase),
	})
	if err != nil {
		if addr := os.Getenv(EnvAddr); addr != "" {
			tb.Skipf("redistest: this test stops and restarts its Redis, which needs a redis-server on PATH; only %s=%s is available (%v)", EnvAddr, addr, err)
		}
		if redisprov.DockerEngine(ctx) == nil {
			tb.Skipf("redistest: this test stops and restarts its Redis, which needs a redis-server on PATH; only a Docker engine is available (%v)", err)
		}
		tb.Fatalf("redistest: no Redis this test can stop and restart: %v; %s", err, fixHint)
	}
	tb.Logf("redistest: private %s", r.Label())
	tb.Cleanup(func() {
		if err := r.Close(); err != nil {
			tb.Errorf("redistest: %v", err)
		}
	})
	return r
}

// provision applies the test suite's policy: the given address if any
// (and then nothing else), else a container or a redis-server, and the
// embedded store only when allowed.
func provision(ctx context.Context, addr string, embeddedOK bool) (*redisprov.Redis, error) {
	r, err := redisprov.Start(ctx, redisprov.Options{Addr: addr, NoEmbedded: !embeddedOK})
	switch {
	case err != nil && addr != "":
		return nil, fmt.Errorf("%w (from %s)", err, EnvAddr)
	case err != nil:
		return nil, fmt.Errorf("%w; %s", err, fixHint)
	}
	return r, nil
}

// allowEmbedded reports whether AUTHBENCH_TEST_ALLOW_EMBEDDED is "1".
func allowEmbedded() bool { return os.Getenv(EnvAllowEmbedded) == "1" }
