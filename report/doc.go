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
// Every figure that was measured more than once is shown as its median
// with its spread (min–max), because a difference smaller than a run's
// own spread says nothing. Output is deterministic: maps are sorted and
// floats formatted with fixed precision, so golden files stay stable.
//
// The load-test runner calls Write(runDir) at the end of a run; "authbench
// report" calls Write for existing runs and Compare for two of them.
package report
