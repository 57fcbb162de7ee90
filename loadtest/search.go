package loadtest

import (
	"math"

	"github.com/authbench/authbench/results"
)

// probeFunc runs one probe at rate and reports whether it met the SLO,
// whether it was generator-bound, and whether it ran to the end (false:
// interrupted, stop searching).
type probeFunc func(rate float64) (pass, generatorBound, complete bool)

// searchMaxRate finds the highest rate meeting the SLO: from q.Start it
// doubles until a probe fails (or q.Max is reached), then bisects
// q.Bisect times between the last pass and the first failure. Rates are
// whole requests per second.
//
// GeneratorBound is set when the first failing probe, or the failing
// probe bounding the result, was generator-bound: the result is then the
// generator's limit, not necessarily the server's.
func searchMaxRate(q Search, probe probeFunc) results.MaxRate {
	var mr results.MaxRate
	run := func(rate float64) (pass, gb, ok bool) {
		mr.Probes++
		return probe(rate)
	}
	rate := math.Round(q.Start)
	for {
		pass, gb, ok := run(rate)
		if !ok {
			return mr
		}
		if !pass {
			mr.FailedAt, mr.GeneratorBound = rate, gb
			break
		}
		mr.Rate = rate
		if q.Max > 0 && rate >= q.Max {
			return mr
		}
		next := rate * 2
		if q.Max > 0 && next > q.Max {
			next = q.Max
		}
		rate = math.Round(next)
	}
	lo, hi := mr.Rate, mr.FailedAt
	for range q.Bisect {
		mid := math.Round((lo + hi) / 2)
		if mid <= lo || mid >= hi {
			break
		}
		pass, gb, ok := run(mid)
		if !ok {
			break
		}
		if pass {
			lo = mid
			continue
		}
		hi = mid
		mr.GeneratorBound = mr.GeneratorBound || gb
	}
	mr.Rate, mr.FailedAt = lo, hi
	return mr
}
