package stats

import (
	"math"
	"slices"
)

// Quantile returns the q-quantile of sorted, which must be in ascending
// order, by linear interpolation between order statistics (Hyndman and
// Fan's definition 7, the default of R and NumPy): with h = (n-1)q, it is
// sorted[⌊h⌋] + (h-⌊h⌋)(sorted[⌊h⌋+1] - sorted[⌊h⌋]). So q = 0 is the
// minimum, q = 1 the maximum and q = 0.5 the median.
//
// It returns NaN for an empty slice, for q outside [0, 1] or NaN, and for
// a slice that is not sorted, rather than a wrong quantile (nothing in
// the suite panics on data).
func Quantile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 || !(q >= 0 && q <= 1) {
		return math.NaN()
	}
	if !slices.IsSorted(sorted) {
		return math.NaN()
	}
	h := float64(n-1) * q
	i := int(h)
	if i >= n-1 {
		return sorted[n-1]
	}
	return sorted[i] + (h-float64(i))*(sorted[i+1]-sorted[i])
}
