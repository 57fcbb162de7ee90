package stats

import (
	"fmt"
	"math"
)

// Interval is an estimate with a confidence interval [Lo, Hi] resting on
// N observations (for a bootstrap ratio see BootstrapRatio and
// BootstrapPairedRatio for what N counts).
type Interval struct {
	Estimate, Lo, Hi float64
	N                int
}

// Contains reports whether Lo <= v <= Hi. It is false for NaN v.
func (iv Interval) Contains(v float64) bool { return iv.Lo <= v && v <= iv.Hi }

// Excludes reports whether v lies outside [Lo, Hi]: the difference from v
// is significant at the interval's level. It is false for NaN v, so a NaN
// is neither contained nor excluded.
func (iv Interval) Excludes(v float64) bool { return v < iv.Lo || v > iv.Hi }

// HalfWidthRel returns the half-width relative to the estimate,
// (Hi-Lo)/2/|Estimate|: 0.05 means "±5%". It is +Inf for a zero estimate
// with an interval of some width and NaN for a zero estimate with none.
func (iv Interval) HalfWidthRel() float64 {
	return (iv.Hi - iv.Lo) / 2 / math.Abs(iv.Estimate)
}

// MeanCI returns the mean of xs with its Student-t confidence interval at
// level (0.95 for 95%): mean ± TQuantile((1+level)/2, n-1)·s/√n, where s
// is the sample standard deviation (n-1 denominator). It assumes the
// values are independent and their mean roughly normal.
//
// It needs at least 2 values (ErrTooFewPoints: one value has no spread to
// estimate); NaN or infinite values give ErrNotFinite and a level outside
// (0, 1) ErrInvalidArgument. Identical values give Lo == Hi == Estimate.
func MeanCI(xs []float64, level float64) (Interval, error) {
	if len(xs) < 2 {
		return Interval{}, fmt.Errorf("%w: xs has %d values, need at least 2 for an interval", ErrTooFewPoints, len(xs))
	}
	if err := checkFinite("xs", xs); err != nil {
		return Interval{}, err
	}
	if err := checkLevel(level); err != nil {
		return Interval{}, err
	}
	n := len(xs)
	m := mean(xs)
	var ss float64
	for _, v := range xs {
		ss += (v - m) * (v - m)
	}
	half := TQuantile((1+level)/2, n-1) * math.Sqrt(ss/float64(n-1)/float64(n))
	return Interval{Estimate: m, Lo: m - half, Hi: m + half, N: n}, nil
}

// mean returns the arithmetic mean of xs, which must not be empty.
func mean(xs []float64) float64 {
	var s float64
	for _, v := range xs {
		s += v
	}
	return s / float64(len(xs))
}
