// Package stats holds the small, exact statistics the load-test suite
// reports with: a straight-line fit with confidence intervals, a check
// that the line is the right shape, t intervals for a mean, and
// bootstrap intervals for the ratio of two variants.
//
// # Marginal and idle CPU
//
// The suite measures a server's CPU-seconds per second at several achieved
// request rates, repeated. CPU/s = idle + marginal × rate, so FitLine's
// Slope is the marginal CPU-seconds per request and its Intercept the
// idle CPU, each with a Student-t confidence interval (N-2 degrees of
// freedom). FitLine refuses fewer than 3 points or 3 distinct rates
// (ErrTooFewPoints): two rates are always joined exactly by a line, which
// says nothing about its uncertainty or its shape. With 4 or more points
// it also fits a quadratic and sets Line.Bends when the curvature is
// significant; the slope is then an average over the measured range, not
// a cost per request that holds at any rate, and the report should say
// so rather than trust it.
//
// # Comparing variants
//
// A comparison is a ratio, variant A over variant B, with a 95% percentile
// bootstrap interval from repeated randomized trials: BootstrapPairedRatio
// when the trials of one round were interleaved and so share that round's
// conditions (resample whole pairs), BootstrapRatio for independent
// samples. A ratio whose interval contains 1 is no evidence of a
// difference (Interval.Contains, Interval.Excludes). The bootstrap is
// seeded (math/rand/v2 PCG), so a report re-rendered from the same data
// shows the same interval. With few trials a percentile interval is too
// narrow (see BootstrapRatio), so a comparison rests on enough rounds.
// MeanCI gives the t interval of one mean, and Quantile the interpolated
// quantile the bootstrap reads its interval from.
//
// # Errors
//
// Bad input is an error, never a silent NaN: the sentinel errors in
// errors.go are wrapped with a message naming the input and checked with
// errors.Is.
//
// # Implementation
//
// Only the standard library is used. TQuantile is hand-written (the
// standard library has no t distribution and go.mod does not require
// gonum's stat packages): it inverts the t distribution function,
// computed from the regularized incomplete beta function, by bisection
// to float64 resolution, and is checked against closed forms and tables.
package stats
