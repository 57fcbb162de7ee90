package stats

import "math"

// BendAlpha is the significance level of FitLine's curvature test: Bends
// is set when the quadratic term's two-sided p-value is below it.
const BendAlpha = 0.05

// exactFit is the residual SD, relative to max |y|, at or below which a
// straight line is taken to fit exactly: the residuals are rounding
// error, and a t-test on them would be noise.
const exactFit = 1e-12

// curvature tests the quadratic term of y = a + b·x + c·x² for FitLine,
// given the mean of x, the residuals of the straight-line fit and its
// slope. It returns 2c·(max x - min x)/slope and the two-sided p-value of
// c, or NaN, NaN with fewer than 4 points.
//
// It regresses the line's residuals on w = u² - mean(u²) - g·u, with
// u = x - mean(x) and g chosen so that w is orthogonal to 1 and u. Then
// the coefficient of w is exactly the quadratic's c, the quadratic's
// residuals are the line's minus c·w, and no 3×3 system is solved, so
// the fit stays accurate when x is in thousands and x² in millions.
func curvature(x, y []float64, mx float64, res []float64, slope float64) (curv, p float64) {
	n := len(x)
	if n < 4 {
		return math.NaN(), math.NaN()
	}
	var sse, maxY float64
	for i := range res {
		sse += res[i] * res[i]
		maxY = max(maxY, math.Abs(y[i]))
	}
	if math.Sqrt(sse/float64(n-2)) <= exactFit*maxY {
		return 0, 1
	}
	var suu, suuu float64
	for _, v := range x {
		u := v - mx
		suu += u * u
		suuu += u * u * u
	}
	m2, g := suu/float64(n), suuu/suu
	w := make([]float64, n)
	var sww, swr float64
	for i, v := range x {
		u := v - mx
		w[i] = u*u - m2 - g*u
		sww += w[i] * w[i]
		swr += w[i] * res[i]
	}
	c := swr / sww
	var sseQ float64
	for i := range res {
		e := res[i] - c*w[i]
		sseQ += e * e
	}
	dfQ := float64(n - 3)
	tstat := c / math.Sqrt(sseQ/dfQ/sww) // ±Inf when the quadratic is exact
	lo, hi := x[0], x[0]
	for _, v := range x {
		lo, hi = min(lo, v), max(hi, v)
	}
	return 2 * c * (hi - lo) / slope, twoSidedP(tstat, dfQ)
}
