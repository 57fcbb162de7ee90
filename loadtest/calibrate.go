package loadtest

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/authbench/authbench/results"
)

// Calibration limits. A probe passes when the machine keeps up with the
// rate with room to spare: the slope of CPU over rate is only the cost
// of a request while nothing queues, and a process above about 80 % of
// its core already queues in bursts.
const (
	// calibrateMaxUtil is the most of its core the server, or of its
	// cores the generator together with Redis, may use in a passing
	// probe.
	calibrateMaxUtil = 0.8
	// calibrateTarget is the share of a core the next probe aims at
	// after a probe that was over calibrateMaxUtil.
	calibrateTarget = 0.7
	// calibrateProbes bounds the probes per variant.
	calibrateProbes = 4
	// calibrateP99 is the GET /api/me p99 a passing probe may have when
	// the curve has no capacity SLO of its own.
	calibrateP99 = 25 * time.Millisecond
)

// calibrateRates runs before a curve's first round: each variant, in
// scenario order, is probed unthrottled at the current top rate (the
// scenario's top rate at first), and a failing probe lowers the top rate
// for it and every later variant (a probe that failed on its tail alone
// is repeated once first). The scenario's rates are then scaled
// by the final top rate over the asked one, so every variant runs the
// same rates and the rounds pair up. Rates only ever go down: the
// scenario's rates are the most the curve offers.
func (r *runner) calibrateRates(ctx context.Context, live []*liveVariant) {
	sc := r.sc
	asked := slices.Clone(sc.Rates)
	top := slices.Max(asked)
	p99 := calibrateP99
	if q := sc.Curve.Capacity; q != nil {
		p99 = q.P99.D()
	}
	cal := &results.RateCalibration{Asked: asked}
	rate := top
	for _, lv := range live {
		label := r.res.Variants[lv.vr].Label()
		r.warm(ctx, lv, rate)
		retried := false
		for i := 0; i < calibrateProbes && ctx.Err() == nil; i++ {
			r.prog.begin(label, "calibrate", 0, 0, sc.Duration.D(), rate)
			// record: without it an attack keeps no metrics (a warm-up's),
			// and every probe would read as nothing completed.
			st := r.attack(ctx, load{variant: label, pool: lv.pool, pids: lv.pids, store: lv.store, rate: rate, du: sc.Duration.D(), record: true}, nil)
			r.prog.end(label, "calibrate", st)
			if st.Interrupted {
				break
			}
			pass, why, next := calibrationVerdict(p99, rate, r.pin.Applied, st)
			cal.Probes = append(cal.Probes, results.CalibrationProbe{Variant: label, Rate: rate, Pass: pass, Reason: why})
			fmt.Fprintf(r.log, "loadtest: calibrate %s at %.0f req/s: %s\n", label, rate, passWord(pass, why))
			if pass {
				break
			}
			r.settle(lv)
			if !retried && tailOnly(rate, st) {
				// Only the tail broke, with every process below its limit
				// and every request answered: on a shared VM one probe's
				// hiccup, as often as a limit. Probe the same rate once
				// more before scaling every rate down for it.
				retried = true
				continue
			}
			rate = next
		}
	}
	if ctx.Err() != nil {
		return
	}
	cal.Factor = rate / top
	cal.Rates = scaleRates(asked, cal.Factor)
	r.calibration = cal
	if cal.Factor < 1 {
		sc.Rates = cal.Rates
		r.res.Scenario.Rates = cal.Rates
		r.note(fmt.Sprintf("curve rates scaled ×%.2f to this machine (%v req/s instead of %v): %s", cal.Factor, fmtRates(cal.Rates), fmtRates(asked), lastFailure(cal)))
	}
}

// calibrationVerdict judges a calibration probe at rate: it passes when
// every request was answered in time (achieved, success and GET /api/me
// p99 as a capacity probe's) and neither the server nor the generator's
// cores (the generator and, when the server is pinned apart, Redis,
// which shares them) were above calibrateMaxUtil. next is the rate to
// try after a failure: 1/1.3 of rate, lower still when a process was
// over its limit (scaled to calibrateTarget of its core) or the achieved
// rate fell short.
func calibrationVerdict(p99 time.Duration, rate float64, pinned bool, st results.Step) (pass bool, why string, next float64) {
	var bad []string
	next = rate / 1.3
	if st.All.Throughput < capacityMinAchieved*rate {
		bad = append(bad, fmt.Sprintf("completed %.0f/s of %.0f/s", st.All.Throughput, rate))
		next = math.Min(next, 0.8*st.All.Throughput)
	}
	if st.All.Success < capacityMinSuccess {
		bad = append(bad, fmt.Sprintf("success %.2f%%", 100*st.All.Success))
	}
	me, ok := st.Routes[results.RouteMe]
	if !ok {
		me = st.All
	}
	if me.Latency.P99 > p99 {
		bad = append(bad, fmt.Sprintf("GET /api/me p99 %v > %v", me.Latency.P99.Round(time.Microsecond), p99))
	}
	if u := utilOf(st); u > calibrateMaxUtil {
		bad = append(bad, fmt.Sprintf("server %.0f%% of its core", 100*u))
		next = math.Min(next, rate*calibrateTarget/u)
	}
	gen := st.Generator.Utilisation
	what := "generator"
	if pinned && st.Redis != nil && st.Generator.Cores > 0 {
		gen += st.Redis.CPUSeconds / st.Wall.Seconds() / float64(st.Generator.Cores)
		what = "generator + Redis"
	}
	if gen > calibrateMaxUtil || st.GeneratorBound {
		bad = append(bad, fmt.Sprintf("%s %.0f%% of its cores", what, 100*gen))
		if gen > 0 {
			next = math.Min(next, rate*calibrateTarget/math.Max(gen, calibrateMaxUtil))
		}
	}
	return len(bad) == 0, strings.Join(bad, "; "), math.Max(10, math.Round(next/10)*10)
}

// tailOnly reports whether a failed calibration probe at rate failed on
// its latency tail alone: every request completed and succeeded, and
// neither the server nor the generator was over calibrateMaxUtil.
func tailOnly(rate float64, st results.Step) bool {
	return st.All.Throughput >= capacityMinAchieved*rate && st.All.Success >= capacityMinSuccess &&
		utilOf(st) <= calibrateMaxUtil && st.Generator.Utilisation <= calibrateMaxUtil && !st.GeneratorBound
}

// scaleRates multiplies rates by factor, rounded to 10 req/s; a rate
// that rounding would merge into the one below it stays 10 above it, so
// the curve keeps its distinct rates.
func scaleRates(rates []float64, factor float64) []float64 {
	out := make([]float64, len(rates))
	for i, x := range rates {
		out[i] = math.Max(10, math.Round(x*factor/10)*10)
	}
	order := make([]int, len(out))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(rates[a], rates[b]) })
	for k := 1; k < len(order); k++ {
		if prev, cur := out[order[k-1]], &out[order[k]]; *cur <= prev {
			*cur = prev + 10
		}
	}
	return out
}

func passWord(pass bool, why string) string {
	if pass {
		return "kept up"
	}
	return "too fast (" + why + ")"
}

func fmtRates(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprintf("%.0f", x)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// lastFailure names the probe that set the final top rate.
func lastFailure(cal *results.RateCalibration) string {
	if p, ok := cal.Decider(); ok {
		return fmt.Sprintf("%s at %.0f req/s: %s", p.Variant, p.Rate, p.Reason)
	}
	return ""
}
