// Package redistest gives tests and benchmarks a real Redis: a shared
// redis-server per test binary with a fresh key prefix per test (Shared),
// or a dedicated one a test may stop and restart to inject an outage
// (Private).
//
// Where the Redis comes from:
//
//   - AUTHBENCH_TEST_REDIS_ADDR (host:port) when set: a Redis the user
//     owns. Nothing is ever flushed there; each test's keys are deleted by
//     prefix when it ends.
//   - otherwise a testcontainers container when a Docker engine answers,
//   - otherwise a redis-server on PATH, started on a free loopback port.
//
// The in-process miniredis is not accepted, because the suite's tests are
// about a real store over a real connection (timeouts, outages, TTLs),
// unless AUTHBENCH_TEST_ALLOW_EMBEDDED=1. Without any Redis, tests fail
// with a message saying how to get one: install redis-server
// (apt-get install redis-server) or set AUTHBENCH_TEST_REDIS_ADDR.
//
// Nothing here touches 127.0.0.1:6379 unless asked to with
// AUTHBENCH_TEST_REDIS_ADDR.
//
// The shared server is started once per test binary and never stopped
// explicitly: a test binary cannot run code at exit without TestMain, so
// the server is started with a parent-death signal (see package
// redisprov) and dies with the binary.
//
// Typical use:
//
//	func TestLogout(t *testing.T) {
//		client, prefix := redistest.Shared(t)
//		b, err := sessionauth.New(sessionauth.Config{Client: client, Prefix: prefix})
//		...
//	}
package redistest
