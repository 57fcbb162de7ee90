// Package loadtest drives "make loadtest": it loads every variant of a
// scenario (none, jwt, jwt-blacklist, session) with vegeta and measures
// what each request really costs the server and the store.
//
// A Scenario (scenarios/*.yaml, decoded strictly: an unknown field or a
// bad value is an error naming file and line) says which variants to
// run, how many virtual users, the request mix, and either fixed rates or
// a max-rate search under an SLO. Run starts one Redis (redisprov.Start,
// whose Label is in every result), then for each variant a server through
// a Launcher — a separate "authbench serve" process in the CLI, so its
// CPU is measured alone from /proc — and logs every virtual user in.
// Repetitions then run round-robin over the variants (repetition 1 of
// each, then 2 of each, …), so a machine whose speed drifts over minutes
// charges the drift to every variant alike. Each rate is held open-loop
// (constant pacer, unbounded workers: queueing delay shows in latency
// instead of being hidden by a capped pool).
//
// Each virtual user keeps its own cookies, sends only those whose Path
// matches (as a browser would) and never has two cookie-changing requests
// in flight, so the store sees a realistic key space and jwt-blacklist
// never sees a refresh token reused by accident.
//
// Per step it records vegeta's metrics overall and per route, server CPU
// seconds per request and peak RSS, Redis CPU seconds and commands per
// request as Redis itself counts them, and the generator's own CPU. A
// step the generator could not hold is flagged generator-bound, so no
// figure passes for the server's limit when it was the generator's.
// Results (results.json, schema "authbench.results/v2", see package
// results: the runner writes its types, the report reads them) and
// vegeta's raw gob results per step go to <out>/<run-id>/.
//
// Server CPU, peak RSS and system-call counters come from Linux's /proc,
// pinning from sched_setaffinity and capacity quotas from cgroups. On
// other systems (macOS) the package builds and runs, and Run says at
// start, in the log and in the results' notes, which of these figures it
// cannot measure there (sys_other.go).
package loadtest
