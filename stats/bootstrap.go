package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// pcgStream is the second seed word of the PCG generator the bootstrap
// functions use: rand.NewPCG(seed, pcgStream).
const pcgStream = 0x9e3779b97f4a7c15

// BootstrapRatio compares two independent samples: its Estimate is
// mean(num)/mean(den), and [Lo, Hi] is a percentile bootstrap confidence
// interval at level (0.95 for 95%). Each of resamples resamples draws
// len(num) values from num and, independently, len(den) values from den,
// with replacement, and takes the ratio of their means; Lo and Hi are the
// (1-level)/2 and (1+level)/2 quantiles (see Quantile) of those ratios.
// N is the size of the smaller sample.
//
// The draws come from math/rand/v2's PCG seeded with (seed, pcgStream),
// in a fixed order, so the same inputs and seed always give the same
// interval.
//
// Each sample needs at least 2 values (ErrTooFewPoints, also for an empty
// one); NaN or infinite values give ErrNotFinite; a level outside (0, 1)
// or fewer resamples than put one in each tail (2/(1-level): 40 at 0.95;
// 10 000 is a sound choice) give ErrInvalidArgument. A mean of den that
// is zero or negative gives ErrNonPositiveMean, and so does a resample
// whose den mean is, since the ratio is then unbounded and no interval
// means anything.
//
// The percentile interval is too narrow for small samples: simulated on
// normal data, a 95% interval covered the true ratio about 87% of the
// time with 6 values a side, 92% with 12 and 94% with 30 (the paired one
// 83%, 90% and 94%). More trials help; more resamples do not.
func BootstrapRatio(num, den []float64, level float64, resamples int, seed uint64) (Interval, error) {
	if err := checkRatio(num, den, level, resamples); err != nil {
		return Interval{}, err
	}
	rng := rand.New(rand.NewPCG(seed, pcgStream))
	ratios := make([]float64, resamples)
	for r := range ratios {
		var sn, sd float64
		for range num {
			sn += num[rng.IntN(len(num))]
		}
		for range den {
			sd += den[rng.IntN(len(den))]
		}
		if !(sd > 0) {
			return Interval{}, fmt.Errorf("%w: bootstrap resample %d of den has mean %v", ErrNonPositiveMean, r, sd/float64(len(den)))
		}
		ratios[r] = (sn / float64(len(num))) / (sd / float64(len(den)))
	}
	return percentile(mean(num)/mean(den), ratios, level, min(len(num), len(den))), nil
}

// BootstrapPairedRatio is BootstrapRatio for paired trials: num[i] and
// den[i] were measured together (the interleaved trials of one round),
// so they share whatever drifted between rounds. Each resample draws
// len(num) indices with replacement and keeps both members of each pair,
// which cancels the shared drift instead of counting it as noise.
// Estimate is mean(num)/mean(den), the ratio of means (not the mean of
// the per-pair ratios), and N is the number of pairs.
//
// num and den of different lengths give ErrLengthMismatch; otherwise the
// errors, the seeding and the determinism are those of BootstrapRatio.
func BootstrapPairedRatio(num, den []float64, level float64, resamples int, seed uint64) (Interval, error) {
	if len(num) != len(den) {
		return Interval{}, fmt.Errorf("%w: paired num has %d values, den has %d", ErrLengthMismatch, len(num), len(den))
	}
	if err := checkRatio(num, den, level, resamples); err != nil {
		return Interval{}, err
	}
	n := len(num)
	rng := rand.New(rand.NewPCG(seed, pcgStream))
	ratios := make([]float64, resamples)
	for r := range ratios {
		var sn, sd float64
		for range n {
			i := rng.IntN(n)
			sn += num[i]
			sd += den[i]
		}
		if !(sd > 0) {
			return Interval{}, fmt.Errorf("%w: bootstrap resample %d of den has mean %v", ErrNonPositiveMean, r, sd/float64(n))
		}
		ratios[r] = sn / sd
	}
	return percentile(mean(num)/mean(den), ratios, level, n), nil
}

// checkRatio validates the inputs shared by the bootstrap ratios.
func checkRatio(num, den []float64, level float64, resamples int) error {
	for _, s := range []struct {
		name string
		xs   []float64
	}{{"num", num}, {"den", den}} {
		if len(s.xs) < 2 {
			return fmt.Errorf("%w: %s has %d values, need at least 2", ErrTooFewPoints, s.name, len(s.xs))
		}
		if err := checkFinite(s.name, s.xs); err != nil {
			return err
		}
	}
	if err := checkLevel(level); err != nil {
		return err
	}
	if need := minResamples(level); resamples < need {
		return fmt.Errorf("%w: resamples is %d, need at least %d at level %v", ErrInvalidArgument, resamples, need, level)
	}
	if m := mean(den); !(m > 0) {
		return fmt.Errorf("%w: den has mean %v", ErrNonPositiveMean, m)
	}
	return nil
}

// minResamples is the fewest resamples that put at least one in each tail
// of a percentile interval at level: 2/(1-level), rounded up (with a
// tolerance for 1-level not being exact in binary).
func minResamples(level float64) int {
	return int(math.Ceil(2/(1-level) - 1e-9))
}

// percentile sorts ratios and returns the percentile interval at level
// around est.
func percentile(est float64, ratios []float64, level float64, n int) Interval {
	slices.Sort(ratios)
	return Interval{
		Estimate: est,
		Lo:       Quantile(ratios, (1-level)/2),
		Hi:       Quantile(ratios, (1+level)/2),
		N:        n,
	}
}
