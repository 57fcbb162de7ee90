// Package merge combines the results of several load generators that
// drove one server at the same time into one run, as if one generator
// had sent every request.
//
// Each generator (authbench loadtest --target URL --generator NAME, on
// this or another host) writes its own run folder with raw results per
// step. Merge lines the runs' steps up and, per step, adds the asked and
// achieved rates, recomputes every latency percentile, success ratio and
// status count from the union of the raw results (vegeta's metrics over
// them, through package raw, exactly as the runner computes one
// generator's), carries over any part's generator-bound verdict, and
// states how far apart the generators' step starts were. Percentiles are
// never averaged: the p99 of two halves is not the average of their p99s.
//
// Merge is a function of values (results and a source of raw results);
// LoadDir reads a run folder into such a value. Runs whose steps do not
// line up (another scenario, other variants, other steps) are refused
// with an error naming the folder and the step.
package merge
