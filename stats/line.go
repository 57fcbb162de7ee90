package stats

import (
	"fmt"
	"math"
)

// Line is a straight line y = Intercept + Slope·x fitted by ordinary least
// squares, with Student-t confidence intervals on both coefficients and a
// test of whether the data bend away from a straight line.
//
// In the load-test suite x is the achieved request rate (requests per
// second) and y the server's CPU-seconds per second, so Slope is the
// marginal CPU-seconds per request and Intercept the idle CPU.
type Line struct {
	// Slope and Intercept are the least-squares estimates.
	Slope, Intercept float64
	// [SlopeLo, SlopeHi] and [InterceptLo, InterceptHi] are the
	// confidence intervals at the level passed to FitLine:
	// estimate ± TQuantile((1+level)/2, N-2)·standard error.
	SlopeLo, SlopeHi         float64
	InterceptLo, InterceptHi float64
	// N is the number of (x, y) points; the intervals have N-2 degrees
	// of freedom.
	N int
	// R2 is the coefficient of determination, 1 - SSE/SST: the share of
	// y's variance the line explains. It is 1 when y is constant.
	R2 float64
	// ResidualSD is the residual standard deviation √(SSE/(N-2)), in
	// y's units.
	ResidualSD float64
	// Bends, Curvature and CurvatureP report the curvature test; see
	// FitLine. Bends is CurvatureP < BendAlpha.
	Bends      bool
	Curvature  float64
	CurvatureP float64
	// Blocks is the number of blocks of FitLineBlocked (0 for FitLine):
	// the slope's interval then has N-Blocks-1 degrees of freedom.
	Blocks int
}

// FitLine fits y = Intercept + Slope·x to the points (x[i], y[i]) by
// ordinary least squares and gives Student-t confidence intervals at
// level (0.95 for 95%) with N-2 degrees of freedom. The intervals assume
// independent errors of constant spread around a true straight line.
//
// Too few points: FitLine needs at least 3 points with at least 3
// distinct x values and returns ErrTooFewPoints otherwise. With 2 points
// (or 2 distinct rates, however often each is repeated) a line passes
// through them (their means) exactly, and nothing in the data can show
// either how uncertain the slope is or that a line is the right shape;
// FitLine refuses rather than report an interval of zero width. With 3
// points there is 1 degree of freedom and the intervals are honest but
// wide (t = 12.706 at 95%). All x equal is ErrNoSpread, x and y of
// different lengths ErrLengthMismatch, a NaN or infinite value
// ErrNotFinite, and a level outside (0, 1) ErrInvalidArgument.
//
// A bending curve: with at least 4 points FitLine also fits the
// quadratic y = a + b·x + c·x² and tests c = 0 with a two-sided t-test
// (N-3 degrees of freedom). Bends is set when its p-value, CurvatureP,
// is below BendAlpha. Slope is then still the least-squares line, which
// is the average slope over the measured range of x, not the marginal
// cost at any particular rate; the caller should say so. Curvature is
// the change in the quadratic's local slope b + 2c·x across the measured
// range, as a fraction of Slope: 2c·(max x - min x)/Slope. 0.8 means the
// curve is steeper at the highest rate than at the lowest by 80% of the
// average slope; a negative value means it flattens (±Inf if Slope is 0). When the line fits
// to rounding error (residual SD at most 1e-12 of max |y|) there is no
// curvature to test: Curvature is 0 and CurvatureP 1. With 3 points the
// test cannot be made: Curvature and CurvatureP are NaN and Bends is
// false.
func FitLine(x, y []float64, level float64) (Line, error) {
	if len(x) != len(y) {
		return Line{}, fmt.Errorf("%w: x has %d values, y has %d", ErrLengthMismatch, len(x), len(y))
	}
	if err := checkFinite("x", x); err != nil {
		return Line{}, err
	}
	if err := checkFinite("y", y); err != nil {
		return Line{}, err
	}
	if err := checkLevel(level); err != nil {
		return Line{}, err
	}
	n := len(x)
	if n < 3 {
		return Line{}, fmt.Errorf("%w: %d (x, y) points, need at least 3: through 2 a line fits exactly and has no confidence interval", ErrTooFewPoints, n)
	}
	switch d := distinct(x); {
	case d == 1:
		return Line{}, fmt.Errorf("%w: all %d x values are %v", ErrNoSpread, n, x[0])
	case d < 3:
		return Line{}, fmt.Errorf("%w: x has only %d distinct values, need at least 3: through 2 a line fits exactly", ErrTooFewPoints, d)
	}

	mx, my := mean(x), mean(y)
	var sxx, sxy, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxx += dx * dx
		sxy += dx * dy
		syy += dy * dy
	}
	b := sxy / sxx
	a := my - b*mx
	res := make([]float64, n)
	var sse float64
	for i := range x {
		res[i] = (y[i] - my) - b*(x[i]-mx)
		sse += res[i] * res[i]
	}
	df := n - 2
	s := math.Sqrt(sse / float64(df))
	t := TQuantile((1+level)/2, df)
	seB := s / math.Sqrt(sxx)
	seA := s * math.Sqrt(1/float64(n)+mx*mx/sxx)
	r2 := 1.0
	if syy > 0 {
		r2 = max(0, 1-sse/syy)
	}
	l := Line{
		Slope: b, Intercept: a,
		SlopeLo: b - t*seB, SlopeHi: b + t*seB,
		InterceptLo: a - t*seA, InterceptHi: a + t*seA,
		N: n, R2: r2, ResidualSD: s,
	}
	l.Curvature, l.CurvatureP = curvature(x, y, mx, res, b)
	l.Bends = l.CurvatureP < BendAlpha
	return l, nil
}

// distinct returns the number of distinct values in xs.
func distinct(xs []float64) int {
	seen := make(map[float64]struct{}, len(xs))
	for _, v := range xs {
		seen[v] = struct{}{}
	}
	return len(seen)
}

// FitLineBlocked fits the line of FitLine to points measured in blocks
// (block[i] names the block of point i): the slope and its interval are
// the within-block estimate of a randomized block design, in which every
// block has its own intercept and all share one slope. In the load-test
// suite a block is a round of randomized interleaved trials: the
// machine's speed drifts from round to round, which moves all of a
// round's points together, and that drift is not the cost of a request.
// The pooled line counts it as scatter around the line; the blocked fit
// takes each round's level out first, so the slope rests on how CPU
// moved with the rate inside each round.
//
// Slope is Σ(x−x̄ₖ)(y−ȳₖ) / Σ(x−x̄ₖ)² over every point, x̄ₖ and ȳₖ being
// its block's means; its interval is Student-t with N−B−1 degrees of
// freedom (B blocks), from the residuals around each block's own line.
// Intercept is ȳ − Slope·x̄ (the blocks' mean intercept when each block
// has the same x), and its interval is the pooled fit's width about it;
// R2, ResidualSD and the curvature test are the pooled fit's. The pooled
// fit's requirements apply (FitLine's errors); besides, a block design
// needs some block with two distinct x (ErrNoSpread) and N−B−1 ≥ 1
// (ErrTooFewPoints). With every point in one block it is FitLine.
func FitLineBlocked(x, y []float64, block []int, level float64) (Line, error) {
	if len(block) != len(x) {
		return Line{}, fmt.Errorf("%w: x has %d values, block has %d", ErrLengthMismatch, len(x), len(block))
	}
	l, err := FitLine(x, y, level)
	if err != nil {
		return Line{}, err
	}
	type sums struct{ n, x, y float64 }
	by := map[int]*sums{}
	for i, k := range block {
		s := by[k]
		if s == nil {
			s = &sums{}
			by[k] = s
		}
		s.n++
		s.x += x[i]
		s.y += y[i]
	}
	nb := len(by)
	if nb == 1 {
		l.Blocks = 1
		return l, nil
	}
	df := len(x) - nb - 1
	if df < 1 {
		return Line{}, fmt.Errorf("%w: %d points in %d blocks leave no degree of freedom for the slope's interval", ErrTooFewPoints, len(x), nb)
	}
	var sxx, sxy float64
	for i, k := range block {
		s := by[k]
		dx, dy := x[i]-s.x/s.n, y[i]-s.y/s.n
		sxx += dx * dx
		sxy += dx * dy
	}
	if sxx == 0 {
		return Line{}, fmt.Errorf("%w: no block has two distinct x values", ErrNoSpread)
	}
	b := sxy / sxx
	var sse float64
	for i, k := range block {
		s := by[k]
		e := (y[i] - s.y/s.n) - b*(x[i]-s.x/s.n)
		sse += e * e
	}
	seB := math.Sqrt(sse/float64(df)) / math.Sqrt(sxx)
	t := TQuantile((1+level)/2, df)
	a := mean(y) - b*mean(x)
	l.InterceptLo, l.InterceptHi = a-(l.Intercept-l.InterceptLo), a+(l.InterceptHi-l.Intercept)
	l.Slope, l.Intercept = b, a
	l.SlopeLo, l.SlopeHi = b-t*seB, b+t*seB
	l.Blocks = nb
	return l, nil
}
