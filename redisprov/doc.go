// Package redisprov provides the Redis that tests, benchmarks and the CLI
// run against, and says which one it is.
//
// Start tries, in order:
//
//  1. the address the user gave (Options.Addr; the CLI fills it from
//     --redis-addr or REDIS_ADDR, see AddrFromEnv). A given address is the
//     only candidate: if it does not answer PING within 2 s, Start fails
//     with an error naming it rather than quietly measuring something else;
//  2. a Redis container, through testcontainers, when a Docker engine
//     answers a health check within 1.5 s (see DockerEngine);
//  3. a redis-server binary on PATH, started on a free loopback port with
//     persistence off, in a temporary folder;
//  4. an embedded, in-process miniredis, labelled EMBEDDED wherever it is
//     printed, because its figures are not a network store's.
//
// Options turn off steps 2 to 4, so that a benchmark can refuse the
// embedded store. Start writes one line to Options.Log naming the choice
// and why the earlier steps were skipped, for example
//
//	redis: no Docker engine (DOCKER_HOST unset, no /var/run/docker.sock: testcontainers: rootless Docker not found); using redis-server 7.0.15 started by authbench on 127.0.0.1:40123
//
// and Redis.Label gives the same description for result headers.
//
// # Keys and cleanup
//
// Every run writes under its own key prefix (Redis.Prefix, by default
// "authbench:" and 8 random hex digits), so runs sharing a server never
// see each other's keys. Close on a Redis the user gave deletes only the
// keys under that prefix, with SCAN and UNLINK (DeletePrefix); nothing
// here ever flushes a database. A Redis this package started is stopped
// and its files removed.
//
// # Processes
//
// A redis-server started here binds 127.0.0.1 only and never outlives its
// parent: on Linux it gets SIGKILL when the parent dies (Pdeathsig), which
// is how a test binary, which cannot run code at exit, or a CLI killed
// with SIGKILL, leaves nothing behind. Temporary folders of such dead
// parents are removed the next time a redis-server is started here.
// Containers are reaped by testcontainers' Ryuk sidecar.
//
// # Outages
//
// Stop and Start on a Redis this package started as a process (redis-server
// or embedded) inject and end a store outage on the same address; they
// return ErrNotOwned for a given address or a container. Clients made with
// Client or ClientOptions fail fast (500 ms timeouts, no retries), because
// the backends under test fail closed and the suite measures how quickly a
// dead store turns into a refusal.
//
// Tests use the helpers in package redistest rather than calling Start.
package redisprov
