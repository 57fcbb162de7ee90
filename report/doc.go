// Package report turns one load-test run's results.json into what people
// read: report.md and a self-contained report.html (tables, inline SVG
// charts, the trade-off in words, the environment), and compares two runs.
//
// A report is rendered from results.json and nothing else, so any run can
// be re-rendered later, after the code that measured it has changed: the
// only inputs besides that file are facts about the variants that do not
// depend on a run (how soon each can revoke a credential), kept in one
// table beside the tests that check it against the backends themselves.
//
// A run of one of the article's trade-offs (its Kind: store-latency,
// store-outage, revocation, scale-out, refresh-storm) leads with a
// section of its own instead of the steady headline: a table or two, a
// chart, and what the figures say in a few sentences, computed from
// results.json like everything else. Steps measured under different
// conditions (added store latency, instance count) are never merged into
// one cell; a result that breaks a promise (a request let through while
// the store was down, a server that died, a revoked cookie still
// accepted) is a warning at the top of the report.
//
// A cost-curve run (schema v2, Results.Cost) leads with its cost
// instead: per variant the marginal CPU per request and the capacity
// under a CPU quota, each with its confidence interval, and the ratios
// to jwt, with sentences saying which differences the intervals support
// and what explains them (system calls, context switches, Redis round
// trips). The at-rate figures, which include the idle CPU, follow as
// details. A v1 steady run says once, near the top, which of these it
// lacks.
//
// A cluster run (Kind cluster) is a steady run whose variants ran on one
// Redis and on a Redis Cluster ("session@cluster"): its section comes
// first (cost and capacity per store with the ratio cluster/single,
// Redis commands per master, and one master stopped under load against
// the share of slots it holds), then the cost and the steady details.
//
// Every figure that was measured more than once is shown as its median
// with its spread (min–max), because a difference smaller than a run's
// own spread says nothing. Output is deterministic: maps are sorted and
// floats formatted with fixed precision, so golden files stay stable.
//
// The load-test runner calls Write(runDir) at the end of a run; "authbench
// report" calls Write for existing runs and Compare for two of them.
package report
