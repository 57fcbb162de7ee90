package loadtest

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/authbench/authbench/results"
	"github.com/authbench/authbench/stats"
)

// Analysis constants: the confidence level of every interval and the
// bootstrap's resample count.
const (
	costLevel     = 0.95
	costResamples = 4000
)

// referenceVariants are the variants every other one is compared with,
// when the run has them.
var referenceVariants = []string{"jwt", "none"}

// analyzeCost builds the cost analysis of a curve run from its steps
// and the capacity rounds the runner kept.
func (r *runner) analyzeCost() *results.CostAnalysis {
	rounds := map[string][]results.CapacityRound{}
	unexplained := map[string]int{}
	for i, cs := range r.capState {
		v := r.res.Variants[i].Label()
		rounds[v] = cs.rounds
		unexplained[v] = cs.unexplained
	}
	ca := AnalyzeCost(r.res, rounds, unexplained)
	ca.Orders = r.orders
	ca.Calibration = r.calibration
	if q := r.sc.Curve.Capacity; q != nil {
		ca.Capacity = &results.CapacityMethod{Quota: q.Quota, QuotaMechanism: r.quotaMechanism, Probe: q.Probe.D(),
			P99: q.P99.D(), MinSuccess: capacityMinSuccess, MinAchieved: capacityMinAchieved, KeepAwake: r.awakeMethod()}
		if q.Saturate > 0 {
			ca.Capacity.Saturate, ca.Capacity.Connections = q.Saturate.D(), q.Connections
		}
		if r.quotaNoted {
			ca.Capacity.Quota = 0
		}
	}
	return ca
}

// AnalyzeCost fits every variant's cost curve in res (steps of kind
// "rate") and summarises its capacity rounds, then pairs the rounds for
// ratios to the reference variants. It reads only res and the rounds
// given, so a written run can be analysed again with the same seed and
// get the same figures.
func AnalyzeCost(res *results.Results, rounds map[string][]results.CapacityRound, unexplained map[string]int) *results.CostAnalysis {
	sc := res.Scenario
	c := sc.Curve
	if c == nil {
		c = &results.Curve{FitTop: min(3, len(sc.Rates)), Seed: 1}
	}
	rates := slices.Clone(sc.Rates)
	slices.Sort(rates)
	fit := rates[max(0, len(rates)-c.FitTop):]
	steps := fmt.Sprintf("%v s steps", sc.Duration.D().Seconds())
	if c.Interleave > 0 {
		steps = fmt.Sprintf("the rates interleaved in %v blocks within one attack, about %v s each", c.Interleave.D(), sc.Duration.D().Seconds())
	}
	ca := &results.CostAnalysis{
		Method: fmt.Sprintf("randomized interleaved trials: %d rounds, each running every variant once in a shuffled order over its rates in a shuffled order (%s); marginal CPU = least-squares slope of CPU-seconds per second over achieved rate at the %d highest rates, rounds as blocks (each round its own level: the machine's drift), 95 %% t interval; ratios = paired bootstrap over rounds (%d resamples, seed %d)",
			sc.Repetitions, steps, len(fit), costResamples, c.Seed),
		Rounds: sc.Repetitions, Seed: c.Seed, FitRates: fit, Level: costLevel, Resamples: costResamples,
	}
	top := rates[len(rates)-1]
	for _, v := range res.Variants {
		vc := costOf(v, fit, top, sc.Repetitions)
		if cr := rounds[v.Label()]; len(cr) > 0 {
			vc.Capacity = capacityOf(cr, unexplained[v.Label()], sc)
			quotaUseOf(vc.Capacity, v)
		}
		conns := 0
		if c.Capacity != nil {
			conns = c.Capacity.Connections
		}
		vc.Saturation = saturationOf(v, conns)
		if vc.Fit != nil && vc.Fit.Bends {
			ca.Notes = append(ca.Notes, fmt.Sprintf("%s: CPU over rate bends across the fitted rates (curvature %+.0f %%): its marginal CPU is an average over them", v.Label(), 100*vc.Fit.Curvature))
		}
		ca.Variants = append(ca.Variants, vc)
	}
	for i := range ca.Variants {
		for _, ref := range referenceVariants {
			j := slices.IndexFunc(ca.Variants, func(x results.VariantCost) bool { return x.Variant == ref })
			if j < 0 || j == i {
				continue
			}
			ca.Variants[i].Ratios = append(ca.Variants[i].Ratios, ratioOf(ca.Variants[i], ca.Variants[j], c.Seed))
		}
	}
	storeRatios(res, ca, c.Seed)
	return ca
}

// costOf fits one variant's curve: the marginal CPU is the blocked fit
// (stats.FitLineBlocked) with the rounds as blocks.
func costOf(v results.VariantResult, fit []float64, top float64, nRounds int) results.VariantCost {
	vc := results.VariantCost{Variant: v.Label(), TopRate: top}
	var xs, ys, rys, rxs []float64
	var blocks, rblocks []int
	byRound := map[int][2][]float64{}
	var meAt []results.Latency
	routesAt := map[string][]results.Latency{}
	var explain []results.Step
	for _, st := range v.Steps {
		if st.Kind != "rate" || st.Interrupted || st.Wall <= 0 {
			continue
		}
		if st.Rate == top {
			if m, ok := st.Routes[results.RouteMe]; ok {
				meAt = append(meAt, m.Latency)
			}
			for k, m := range st.Routes {
				routesAt[k] = append(routesAt[k], m.Latency)
			}
			explain = append(explain, st)
		}
		if !slices.Contains(fit, st.Rate) || st.Server == nil {
			continue
		}
		x, y := st.All.Rate, st.Server.CPUSeconds/st.Wall.Seconds()
		xs, ys, blocks = append(xs, x), append(ys, y), append(blocks, st.Repetition)
		p := byRound[st.Repetition]
		byRound[st.Repetition] = [2][]float64{append(p[0], x), append(p[1], y)}
		if st.Redis != nil {
			rxs, rys = append(rxs, x), append(rys, st.Redis.CPUSeconds/st.Wall.Seconds())
			rblocks = append(rblocks, st.Repetition)
		}
	}
	// Rounds are the blocks of the design: each round's level is the
	// machine's speed while it ran, not the cost of a request.
	if l, err := stats.FitLineBlocked(xs, ys, blocks, costLevel); err == nil {
		vc.ServerMarginal = &results.Interval{Estimate: l.Slope, Lo: l.SlopeLo, Hi: l.SlopeHi, N: l.N}
		vc.ServerIdle = &results.Interval{Estimate: l.Intercept, Lo: l.InterceptLo, Hi: l.InterceptHi, N: l.N}
		vc.Fit = &results.FitInfo{N: l.N, R2: l.R2, Bends: l.Bends, Curvature: finite(l.Curvature)}
	} else if len(v.Steps) > 0 {
		vc.Error = "marginal CPU not fitted: " + err.Error()
	}
	if l, err := stats.FitLineBlocked(rxs, rys, rblocks, costLevel); err == nil {
		vc.RedisMarginal = &results.Interval{Estimate: l.Slope, Lo: l.SlopeLo, Hi: l.SlopeHi, N: l.N}
	}
	for rep := 1; rep <= nRounds; rep++ {
		p, ok := byRound[rep]
		if !ok {
			vc.RoundMarginal = append(vc.RoundMarginal, 0)
			continue
		}
		if l, err := stats.FitLine(p[0], p[1], costLevel); err == nil {
			vc.RoundMarginal = append(vc.RoundMarginal, l.Slope)
		} else {
			vc.RoundMarginal = append(vc.RoundMarginal, 0)
		}
	}
	if len(meAt) > 0 {
		m := medianLatency(meAt)
		vc.Me = &m
	}
	if len(routesAt) > 0 {
		vc.Routes = map[string]results.Latency{}
		for k, ls := range routesAt {
			vc.Routes[k] = medianLatency(ls)
		}
	}
	vc.Explain = explainOf(explain, top)
	return vc
}

// finite maps NaN and ±Inf to 0 (JSON has no such numbers).
func finite(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}

// medianLatency is the per-percentile median of several steps' latencies.
func medianLatency(ls []results.Latency) results.Latency {
	med := func(f func(results.Latency) time.Duration) time.Duration {
		xs := make([]time.Duration, len(ls))
		for i, l := range ls {
			xs[i] = f(l)
		}
		slices.Sort(xs)
		if len(xs)%2 == 1 {
			return xs[len(xs)/2]
		}
		return (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
	}
	return results.Latency{
		Mean: med(func(l results.Latency) time.Duration { return l.Mean }),
		P50:  med(func(l results.Latency) time.Duration { return l.P50 }),
		P90:  med(func(l results.Latency) time.Duration { return l.P90 }),
		P95:  med(func(l results.Latency) time.Duration { return l.P95 }),
		P99:  med(func(l results.Latency) time.Duration { return l.P99 }),
		Max:  med(func(l results.Latency) time.Duration { return l.Max }),
		Min:  med(func(l results.Latency) time.Duration { return l.Min }),
	}
}

// explainOf sums the counters of the steps at rate and divides by their
// requests.
func explainOf(steps []results.Step, rate float64) *results.Explain {
	var n uint64
	var c results.ProcCounters
	var redisCmds uint64
	var redisN uint64
	var cred float64
	ok := false
	for _, st := range steps {
		cred += st.CredentialBytes
		if st.Server == nil || st.Server.Counters == nil {
			continue
		}
		ok = true
		n += st.All.Requests
		c.Add(*st.Server.Counters)
		if st.Redis != nil {
			redisCmds += st.Redis.Commands
			redisN += st.All.Requests
		}
	}
	if !ok || n == 0 {
		return nil
	}
	f := float64(n)
	e := &results.Explain{
		Rate:            rate,
		ReadSyscalls:    float64(c.ReadSyscalls) / f,
		WriteSyscalls:   float64(c.WriteSyscalls) / f,
		ContextSwitches: float64(c.VoluntarySw+c.InvoluntarySw) / f,
		ServerBytes:     float64(c.BytesRead+c.BytesWritten) / f,
		CredentialBytes: cred / float64(len(steps)),
	}
	if redisN > 0 {
		e.RedisCommands = float64(redisCmds) / float64(redisN)
	}
	return e
}

// capacityOf summarises a variant's capacity rounds: the mean over
// rounds of the highest passing rate with its t interval, scaled to one
// core by the quota.
func capacityOf(rounds []results.CapacityRound, unexplained int, sc results.Scenario) *results.CapacityResult {
	cr := &results.CapacityResult{Rounds: rounds, Unexplained: unexplained}
	var xs []float64
	for _, r := range rounds {
		if r.Rate == 0 && r.FailedAt > 0 {
			// The search ran out of probes before any passed (its guess
			// was too high): this round says only "below FailedAt".
			cr.NotFound++
			continue
		}
		xs = append(xs, r.Rate)
		if r.FailedAt == 0 || r.GeneratorBound {
			cr.LowerBound = true
		}
		cr.GeneratorBound = cr.GeneratorBound || r.GeneratorBound
	}
	cr.Rate = meanInterval(xs)
	q := 0.0
	if sc.Curve != nil && sc.Curve.Capacity != nil {
		q = sc.Curve.Capacity.Quota
	}
	cr.PerCore = perCore(cr.Rate, q)
	return cr
}

// quotaUseOf sets c's QuotaUse, Failed and Bursts from v's capacity
// probes: what the server used of its quota at each round's capacity,
// and how many failures were the quota running out in bursts.
func quotaUseOf(c *results.CapacityResult, v results.VariantResult) {
	at := map[int]float64{}
	for _, r := range c.Rounds {
		if r.Rate > 0 {
			at[r.Round] = r.Rate
		}
	}
	var use []float64
	seen := map[int]bool{}
	for _, st := range v.Steps {
		if st.Kind != "capacity" || st.SLO == nil || st.Server == nil || st.Quota <= 0 {
			continue
		}
		share := st.Server.Utilisation / st.Quota
		if !st.SLO.Pass {
			c.Failed++
			if server, gen, throttled := whoWasBusy(st, st.Quota); throttled && !server && !gen {
				c.Bursts++
			}
			continue
		}
		if rate, ok := at[st.Repetition]; ok && st.Rate == rate && !seen[st.Repetition] {
			seen[st.Repetition] = true
			use = append(use, share)
		}
	}
	if len(use) > 0 {
		iv := meanInterval(use)
		c.QuotaUse = &iv
	}
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// ratioOf pairs a's and b's rounds: capacity(a)/capacity(b) and marginal
// CPU(a)/marginal CPU(b), each a paired bootstrap over the rounds both
// have figures for.
func ratioOf(a, b results.VariantCost, seed uint64) results.Ratio {
	out := results.Ratio{To: b.Variant}
	if a.Capacity != nil && b.Capacity != nil {
		ra, rb := roundMap(a.Capacity.Rounds), roundMap(b.Capacity.Rounds)
		var num, den []float64
		for _, k := range slices.Sorted(maps.Keys(ra)) {
			if y, ok := rb[k]; ok && ra[k] > 0 && y > 0 {
				num, den = append(num, ra[k]), append(den, y)
			}
		}
		if iv, err := stats.BootstrapPairedRatio(num, den, costLevel, costResamples, seed); err == nil {
			out.Capacity = &results.Interval{Estimate: iv.Estimate, Lo: iv.Lo, Hi: iv.Hi, N: iv.N}
		}
	}
	var num, den []float64
	for i := range min(len(a.RoundMarginal), len(b.RoundMarginal)) {
		if a.RoundMarginal[i] > 0 && b.RoundMarginal[i] > 0 {
			num, den = append(num, a.RoundMarginal[i]), append(den, b.RoundMarginal[i])
		}
	}
	if iv, err := stats.BootstrapPairedRatio(num, den, costLevel, costResamples, seed+1); err == nil {
		out.Marginal = &results.Interval{Estimate: iv.Estimate, Lo: iv.Lo, Hi: iv.Hi, N: iv.N}
	}
	saturationRatios(&out, a.Saturation, b.Saturation, seed)
	return out
}

func roundMap(rs []results.CapacityRound) map[int]float64 {
	m := map[int]float64{}
	for _, r := range rs {
		m[r.Round] = r.Rate
	}
	return m
}
