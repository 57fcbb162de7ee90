// Package raw holds what a load test keeps of every request: vegeta's
// results, one gob file per step, and the figures made from them.
//
// It sits between the runner (loadtest), which writes the files and
// measures each step through Metrics as results arrive, and the merge of
// several generators (merge), which reads the files back and computes
// the same figures over their union. Both use this one conversion from
// vegeta's results to results.Metrics, so a merged step's percentiles
// are those a single generator would have reported over the same
// requests, never an average of percentiles.
package raw
