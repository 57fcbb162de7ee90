package stats_test

import (
	"fmt"

	"github.com/authbench/authbench/stats"
)

// A server's CPU-seconds per second at five achieved request rates, two
// runs each: the slope is the marginal CPU per request, the intercept the
// idle CPU.
func ExampleFitLine() {
	rate := []float64{500, 1000, 2000, 4000, 8000, 500, 1000, 2000, 4000, 8000}
	cpu := []float64{0.041, 0.049, 0.071, 0.108, 0.192, 0.039, 0.052, 0.069, 0.112, 0.189}
	l, err := stats.FitLine(rate, cpu, 0.95)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("marginal: %.2f µs CPU per request (95%% CI %.2f–%.2f)\n", l.Slope*1e6, l.SlopeLo*1e6, l.SlopeHi*1e6)
	fmt.Printf("idle: %.3f CPU-s/s (95%% CI %.3f–%.3f)\n", l.Intercept, l.InterceptLo, l.InterceptHi)
	fmt.Printf("bends: %v (p = %.2f)\n", l.Bends, l.CurvatureP)

	_, err = stats.FitLine(rate[:2], cpu[:2], 0.95)
	fmt.Println(err)
	// Output:
	// marginal: 20.04 µs CPU per request (95% CI 19.60–20.48)
	// idle: 0.030 CPU-s/s (95% CI 0.028–0.032)
	// bends: false (p = 0.83)
	// stats: too few points: 2 (x, y) points, need at least 3: through 2 a line fits exactly and has no confidence interval
}

// Interleaved trials: in each round variant A and variant B ran back to
// back, so the rounds are pairs.
func ExampleBootstrapPairedRatio() {
	a := []float64{31.2, 29.8, 35.1, 30.4, 33.0, 28.9}
	b := []float64{24.9, 24.1, 28.3, 24.0, 26.8, 23.5}
	iv, err := stats.BootstrapPairedRatio(a, b, 0.95, 10000, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("A/B = %.3f (95%% CI %.3f–%.3f, %d rounds); differs from 1: %v\n",
		iv.Estimate, iv.Lo, iv.Hi, iv.N, iv.Excludes(1))
	// Output:
	// A/B = 1.243 (95% CI 1.234–1.254, 6 rounds); differs from 1: true
}
