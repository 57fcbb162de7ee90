package stats

import (
	"errors"
	"fmt"
	"math"
)

// Sentinel errors. Every function wraps them with %w and a message naming
// the offending input (x, y, xs, num, den, level, resamples), so callers
// check them with errors.Is and people read what was wrong.
var (
	// ErrTooFewPoints means there is not enough data for an interval:
	// fewer than 3 points or 3 distinct x values for FitLine, fewer than
	// 2 values (empty included) for MeanCI and the bootstrap functions.
	ErrTooFewPoints = errors.New("stats: too few points")

	// ErrNoSpread means every x is the same, so no slope exists.
	ErrNoSpread = errors.New("stats: no spread in x")

	// ErrLengthMismatch means two slices that must pair up (x and y, or
	// num and den of paired trials) have different lengths.
	ErrLengthMismatch = errors.New("stats: length mismatch")

	// ErrNotFinite means an input value is NaN or ±Inf.
	ErrNotFinite = errors.New("stats: value is NaN or infinite")

	// ErrNonPositiveMean means the denominator of a ratio has a mean of
	// zero or less, in the data or in one of its bootstrap resamples.
	ErrNonPositiveMean = errors.New("stats: denominator mean is not positive")

	// ErrInvalidArgument means a parameter is out of range: a level not
	// strictly between 0 and 1, or too few bootstrap resamples.
	ErrInvalidArgument = errors.New("stats: invalid argument")
)

// checkFinite reports the first NaN or infinite value of xs, naming the
// slice and the index.
func checkFinite(name string, xs []float64) error {
	for i, v := range xs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: %s[%d] is %v", ErrNotFinite, name, i, v)
		}
	}
	return nil
}

// checkLevel accepts a confidence level strictly between 0 and 1.
func checkLevel(level float64) error {
	if !(level > 0 && level < 1) {
		return fmt.Errorf("%w: level is %v, want 0 < level < 1 (e.g. 0.95)", ErrInvalidArgument, level)
	}
	return nil
}
