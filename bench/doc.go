// Package bench holds the go test benchmarks that answer "what does one
// authenticated request cost under each approach, on this machine?". It
// has no non-test code: the benchmarks live in its _test.go files and run
// with
//
//	go test -run '^$' -bench . -benchmem ./bench/...
//
// or `make bench`, which repeats them, stores the output under
// results/bench/ and compares it with the previous run (benchstat) and
// with the targets (bench/cmd/benchratio).
//
// Every sub-benchmark is named key=value by level, so benchstat can set
// them side by side (`benchstat -col /impl FILE` puts ours, the raw
// library operation and the peer in columns):
//
//	BenchmarkAuthenticate/backend=jwt/alg=ES256/impl=authbench
//	BenchmarkAuthenticate/backend=jwt/alg=ES256/impl=raw
//	BenchmarkAuthenticate/backend=jwt/alg=ES256/impl=mapclaims
//	BenchmarkAuthenticate/backend=session/cookie=signed/impl=authbench
//	BenchmarkAuthenticate/backend=session/cookie=unsigned/impl=scs
//
// impl=authbench is the backend's own method; impl=raw is the library
// operation it rests on, done by hand with nothing around it (golang-jwt's
// ParseWithClaims with typed claims and the same parser options; a go-redis
// GET of the same key plus the same decoding), so the ratio of the two is
// the overhead this project adds; impl=mapclaims and impl=scs are peers,
// the way most Go code does the same job. bench/README.md explains each
// benchmark and how to read the ratios.
//
// Figures that are not time are reported with b.ReportMetric and measured,
// not assumed: cookie-B/op (the Cookie header a browser sends to /api/me),
// redis-rt/op (round trips counted by a go-redis hook on the client the
// code under test uses; a pipeline is one) and redis-B/user (MEMORY USAGE
// of every key one login leaves in Redis, found by SCAN under the
// benchmark's own key prefix).
//
// Redis comes from redisprov/redistest, as for the tests: a redis-server
// started on a free port (or $AUTHBENCH_TEST_REDIS_ADDR), never an implicit
// 127.0.0.1:6379, and every key lives under a per-run prefix that is
// deleted afterwards.
package bench
