package main

// The cost-curve fixture (loadtest/curve.go, schema v2): a steady
// scenario with a curve block, run as randomized interleaved rounds over
// four rates, with a capacity search under a CPU quota after each
// variant's rates in every round. The steps are invented like the other
// fixtures'; the Cost block is what loadtest.AnalyzeCost makes of them,
// as the runner does at the end of a run.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/authbench/authbench/loadtest"
	"github.com/authbench/authbench/results"
)

// curveModel is a variant's invented cost curve: server CPU-seconds per
// second = drift × (idle + marginal × roundMul × rate) + bend × rate².
type curveModel struct {
	name     string
	idle     float64    // server CPU-seconds per second at no load
	marginal float64    // server CPU-seconds per request
	bend     float64    // quadratic term, CPU-s/s per (req/s)²: the curve steepens
	redis    float64    // Redis CPU-seconds per request
	roundMul [4]float64 // the variant's own drift per round, on marginal (pairing cannot cancel it)
	genLimit [4]float64 // where the generator runs out in each round's capacity probes (0: never)
	syscalls [2]float64 // read and write system calls per request
	switches float64    // context switches per request
	bytes    float64    // bytes read+written through system calls per request
}

var curveModels = []curveModel{
	{name: "none", idle: 0.011, marginal: 16e-6, roundMul: [4]float64{1, 1, 1, 1},
		// The generator, sharing the machine, ran out before the server in
		// rounds 2 and 4: capacity is a lower bound there.
		genLimit: [4]float64{0, 5500, 0, 5600},
		syscalls: [2]float64{1.03, 1.01}, switches: 0.18, bytes: 412},
	{name: "jwt", idle: 0.012, marginal: 24e-6, roundMul: [4]float64{1, 1, 1, 1},
		syscalls: [2]float64{1.03, 1.01}, switches: 0.19, bytes: 792},
	// jwt-blacklist's own round-to-round drift straddles jwt's cost: its
	// ratio's interval includes 1.
	{name: "jwt-blacklist", idle: 0.013, marginal: 24.4e-6, redis: 9.2e-6, roundMul: [4]float64{0.95, 1.08, 0.99, 1.06},
		syscalls: [2]float64{2.09, 2.07}, switches: 1.21, bytes: 905},
	// session's curve steepens at the top rates (bends).
	{name: "session", idle: 0.013, marginal: 31e-6, bend: 0.8e-9, redis: 8.1e-6, roundMul: [4]float64{1, 1, 1, 1},
		syscalls: [2]float64{2.11, 2.09}, switches: 1.24, bytes: 641},
}

// curveDrift is the machine's drift per round, shared by every variant
// run in it: what the paired ratios cancel.
var curveDrift = [4]float64{1.00, 1.02, 0.99, 1.01}

const (
	curveQuota  = 0.125
	curveProbes = 6
	curveP99    = 25 * time.Millisecond
)

// curveRun is a cost-curve run: 4 rounds, rates 1000 to 7000 req/s,
// capacity under an eighth of a core, a real redis-server.
func curveRun() *results.Results {
	rng := rand.New(rand.NewPCG(11, 42))
	noise := func(spread float64) float64 { return 1 + spread*(2*rng.Float64()-1) }
	sc := scenario("curve")
	sc.Description = "synthetic cost-curve fixture for the report tests"
	sc.Rates = []float64{1000, 2000, 4000, 7000}
	sc.Repetitions = 4
	sc.Curve = &loadtest.Curve{FitTop: 3, Seed: 1, Capacity: &loadtest.CapacitySpec{
		Quota: curveQuota, Probe: loadtest.Duration(2 * time.Second), Probes: curveProbes,
		P99: loadtest.Duration(curveP99), Timeout: loadtest.Duration(time.Second),
		Saturate: loadtest.Duration(time.Second), Connections: 32}}
	r := &results.Results{
		Schema: results.Schema, RunID: "2026-11-29T101500Z-curve", Started: t0,
		ScenarioFile: "scenarios/curve.yaml", Scenario: sc.Record(), Environment: env(), Kind: sc.Kind(),
		Redis: results.RedisInfo{Label: "redis-server 7.0.15 on 127.0.0.1:41873 (local, persistence off)",
			Kind: "redis-server", Version: "7.0.15", Addr: "127.0.0.1:41873", Measured: true},
		Target:     results.TargetInfo{Mode: "process", ServerCPUMeasured: true},
		BcryptCost: 4,
		Pinning:    results.Pinning{Mode: "auto", Applied: true, ServerCPUs: []int{1}, GeneratorCPUs: []int{0}},
		Notes:      []string{synthetic, "bcrypt cost lowered to 4 so logins do not dominate"},
	}
	for vi, m := range curveModels {
		p := profileOf(m.name)
		r.Variants = append(r.Variants, results.VariantResult{Variant: m.name, ServerPID: 6100 + vi,
			Logins: results.LoginPhase{Users: 1000, Duration: 2200 * time.Millisecond}, RedisMemory: memory(p, 1000),
			Steps: []results.Step{}})
	}
	rounds := map[string][]results.CapacityRound{}
	unexplained := map[string]int{}
	var orders [][]string
	at := t0.Add(10 * time.Second)
	for rep := 1; rep <= sc.Repetitions; rep++ {
		// The runner's shuffles: variant order, then each variant's rates.
		order := rand.New(rand.NewPCG(sc.Curve.Seed, uint64(rep)))
		vis := shuffled(order, []int{0, 1, 2, 3})
		var names []string
		for _, vi := range vis {
			names = append(names, curveModels[vi].name)
		}
		orders = append(orders, names)
		for _, vi := range vis {
			m, vr := curveModels[vi], &r.Variants[vi]
			p := profileOf(m.name)
			at = at.Add(5 * time.Second) // warm-up
			for _, rate := range shuffled(order, sc.Rates) {
				st := step(rng, p, "rate", rep, len(vr.Steps)+1, rate, at, true)
				at = at.Add(21 * time.Second)
				x := st.All.Rate
				y := m.cpu(rep, x) * noise(0.004)
				curveCosts(&st, m, y, (0.001*noise(0.1)+m.redis*x*noise(0.02))*st.Wall.Seconds(), noise)
				setLatency(&st, curveLatency(p, rate, noise))
				vr.Steps = append(vr.Steps, st)
			}
			curveSaturation(m, vr, rep, &at)
			cr, unx := curveCapacity(rng, noise, m, vr, rep, &at, rounds[m.name])
			rounds[m.name] = append(rounds[m.name], cr)
			unexplained[m.name] += unx
		}
	}
	r.Finished = at.Add(5 * time.Second)
	ca := loadtest.AnalyzeCost(r, rounds, unexplained)
	ca.Orders = orders
	ca.Capacity = &results.CapacityMethod{Quota: curveQuota,
		QuotaMechanism: "cgroup v2 cpu.max=\"1250 10000\"", Probe: 2 * time.Second,
		P99: curveP99, MinSuccess: 0.999, MinAchieved: 0.99, Saturate: time.Second, Connections: 32}
	r.Cost = ca
	return r
}

// cpu is the model's server CPU-seconds per second at rate x in round rep.
func (m curveModel) cpu(rep int, x float64) float64 {
	return curveDrift[rep-1]*(m.idle+m.marginal*m.roundMul[rep-1]*x) + m.bend*x*x
}

// capacity is the rate at which the model's CPU reaches 90 % of the
// quota in round rep: where its tail breaks.
func (m curveModel) capacity(rep int) float64 {
	a := curveDrift[rep-1]*m.idle - 0.9*curveQuota
	b := curveDrift[rep-1] * m.marginal * m.roundMul[rep-1]
	if m.bend == 0 {
		return -a / b
	}
	return (-b + math.Sqrt(b*b-4*m.bend*a)) / (2 * m.bend)
}

// curveCosts sets a step's server cost from its CPU-seconds per second y,
// its system counters from the model and Redis's CPU from redisCPU
// seconds (the commands step() counted stay).
func curveCosts(st *results.Step, m curveModel, y, redisCPU float64, noise func(float64) float64) {
	n := float64(st.All.Requests)
	cpu := y * st.Wall.Seconds()
	st.Server.CPUSeconds, st.Server.CPUPerRequest, st.Server.Utilisation = cpu, cpu/n, y
	per := func(v float64) uint64 { return uint64(math.Round(v * n * noise(0.01))) }
	st.Server.Counters = &results.ProcCounters{
		ReadSyscalls: per(m.syscalls[0]), WriteSyscalls: per(m.syscalls[1]),
		BytesRead: per(m.bytes * 0.55), BytesWritten: per(m.bytes * 0.45),
		VoluntarySw: per(m.switches * 0.85), InvoluntarySw: per(m.switches * 0.15), ThreadsObserved: 9,
	}
	if st.Redis != nil {
		st.Redis.CPUSeconds = redisCPU
		st.Redis.CPUPerRequest = redisCPU / n
	}
}

// curveLatency is the latency of GET /api/me at rate on a whole core:
// flatter than step()'s, which models a server nearer its limit.
func curveLatency(p profile, rate float64, noise func(float64) float64) results.Latency {
	ms := func(v float64) time.Duration { return time.Duration(v * 1e6) }
	p50 := p.p50ms * (1 + rate/20000) * noise(0.04)
	p99 := p.p99ms * (1 + rate/5000) * noise(0.08)
	return results.Latency{
		Min: ms(p50 * 0.35), P50: ms(p50), P90: ms(p50 + (p99-p50)*0.45), P95: ms(p50 + (p99-p50)*0.65),
		P99: ms(p99), Max: ms(p99 * 3.1), Mean: ms(p50 * 1.2),
	}
}

// setLatency gives a step's requests l (GET /api/me) and every other
// route its own: refresh signs or looks up more, login pays bcrypt.
func setLatency(st *results.Step, l results.Latency) {
	scale := func(l results.Latency, f float64, add time.Duration) results.Latency {
		g := func(d time.Duration) time.Duration { return time.Duration(float64(d)*f) + add }
		return results.Latency{Mean: g(l.Mean), P50: g(l.P50), P90: g(l.P90), P95: g(l.P95), P99: g(l.P99), Max: g(l.Max), Min: g(l.Min)}
	}
	st.All.Latency = scale(l, 1.04, 0)
	for k, m := range st.Routes {
		switch k {
		case results.RouteMe:
			m.Latency = l
		case results.RouteRefresh:
			m.Latency = scale(l, 1.35, 0)
		case results.RouteLogin:
			m.Latency = scale(l, 1.2, 1100*time.Microsecond) // bcrypt cost 4
		case results.RouteLogout:
			m.Latency = scale(l, 1.1, 0)
		}
		st.Routes[k] = m
	}
}

// curveSaturation appends round rep's closed-loop probe of m under the
// quota: the server busy to 99 % of it at 0.6× its open-loop marginal
// CPU per request (no idle wake-ups), except where the generator runs
// out (none's rounds 2 and 4), which then reach 1.5× the generator's
// open-loop limit and leave the server short of saturation. Its noise
// has its own seed, so the rest of the fixture draws what it drew
// before this probe existed.
func curveSaturation(m curveModel, vr *results.VariantResult, rep int, at *time.Time) {
	rng := rand.New(rand.NewPCG(23, uint64(rep)))
	noise := func(spread float64) float64 { return 1 + spread*(2*rng.Float64()-1) }
	p := profileOf(m.name)
	cpu := 0.6 * curveDrift[rep-1] * m.marginal * m.roundMul[rep-1] * noise(0.01)
	tput := 0.99 * curveQuota / cpu
	if g := m.genLimit[rep-1]; g > 0 {
		tput = min(tput, 1.5*g)
	}
	st := stepFor(rng, p, results.StepSaturation, rep, len(vr.Steps)+1, tput, *at, true, time.Second)
	st.Rate, st.Quota = 0, curveQuota
	st.RawFile = fmt.Sprintf("raw/%s-%02d-saturation-r%d-0.gob", m.name, st.Index, rep)
	*at = at.Add(1500 * time.Millisecond)
	st.All.Rate, st.All.Throughput = tput, tput
	st.Generator.Utilisation = 0.62
	if m.genLimit[rep-1] > 0 {
		st.Generator.Utilisation = 0.97
	}
	me := curveLatency(p, tput, noise)
	me.P99 = time.Duration(12 * noise(0.1) * 1e6)
	setLatency(&st, me)
	curveCosts(&st, m, tput*cpu, 0.9*m.redis*tput*st.Wall.Seconds(), noise)
	periods := uint64(st.Wall / (8 * time.Millisecond))
	st.Throttling = &results.Throttling{Periods: periods, Throttled: periods * 97 / 100, Time: time.Duration(periods*97/100) * 7 * time.Millisecond}
	vr.Steps = append(vr.Steps, st)
}

// curveCapacity runs one round's capacity search of m under the quota
// the way the runner does (grow or shrink by 1.3 from a guess, then
// bisect to 2 %, at most curveProbes probes), appending every probe to
// vr's steps. It returns the round and how many probes failed with
// neither process busy (each probed once more).
func curveCapacity(rng *rand.Rand, noise func(float64) float64, m curveModel, vr *results.VariantResult, rep int, at *time.Time, earlier []results.CapacityRound) (results.CapacityRound, int) {
	p := profileOf(m.name)
	capRate := m.capacity(rep)
	genLimit := m.genLimit[rep-1]
	unexplained := 0
	// jwt-blacklist's second round has a tail that broke with both
	// processes idle: the runner probes that rate again.
	flaky := m.name == "jwt-blacklist" && rep == 2
	probe := func(rate float64) (pass, genBound bool) {
		run := func(breakTail bool) (bool, bool) {
			st := stepFor(rng, p, "capacity", rep, len(vr.Steps)+1, rate, *at, true, 2*time.Second)
			*at = at.Add(2500 * time.Millisecond)
			st.Quota = curveQuota
			demand := m.cpu(rep, rate) * noise(0.004)
			util := min(demand, 0.99*curveQuota)
			me := curveLatency(p, rate, noise)
			// Under the quota every request may wait out a throttled period.
			me.P99 = time.Duration((6 + 10*math.Pow(rate/capRate, 4)) * noise(0.05) * 1e6)
			me.Max = me.P99 * 2
			var why string
			switch {
			case genLimit > 0 && rate > genLimit:
				achieved := genLimit * noise(0.01)
				st.All.Rate, st.All.Throughput = achieved, achieved
				st.GeneratorBound = true
				st.GeneratorBoundReason = fmt.Sprintf("achieved %.0f/s of %.0f/s asked; generator CPU at 97%% of its 1 core(s)", achieved, rate)
				st.Generator.Utilisation = 0.97
				util = min(m.cpu(rep, achieved), 0.99*curveQuota)
				why = fmt.Sprintf("completed %.0f/s of %.0f/s offered; generator-bound (generator CPU 97%%, server %.0f%% of its limit)", achieved, rate, 100*util/curveQuota)
			case rate > capRate:
				done := capRate * noise(0.01)
				st.All.Throughput = done
				me.P99 = time.Duration((120 + 300*(rate/capRate-1)) * noise(0.1) * 1e6)
				me.Max = 990 * time.Millisecond
				why = fmt.Sprintf("completed %.0f/s of %.0f/s offered; GET /api/me p99 %v > %v", done, rate, me.P99.Round(time.Microsecond), curveP99)
			case breakTail:
				me.P99 = time.Duration(31.2 * 1e6)
				why = fmt.Sprintf("GET /api/me p99 %v > %v; neither busy (server %.0f%% of its limit, generator %.0f%%): not a server limit", me.P99.Round(time.Microsecond), curveP99, 100*util/curveQuota, 100*st.Generator.Utilisation)
			}
			curveCosts(&st, m, util, (0.001+m.redis*st.All.Throughput)*st.Wall.Seconds(), noise)
			setLatency(&st, me)
			// Throttled periods grow steeply toward the quota (no draw:
			// the fixture's other noise stays as it was).
			periods := uint64(st.Wall / (8 * time.Millisecond))
			share := math.Min(1, math.Pow(util/(0.99*curveQuota), 6))
			if breakTail {
				share = 0.02
			}
			st.Throttling = &results.Throttling{Periods: periods, Throttled: uint64(share * float64(periods)),
				Time: time.Duration(share * float64(periods) * float64(7*time.Millisecond))}
			st.SLO = &results.SLOVerdict{Pass: why == "", Reason: why}
			vr.Steps = append(vr.Steps, st)
			return st.SLO.Pass, st.GeneratorBound
		}
		if flaky && rate <= capRate {
			flaky = false
			run(true)
			unexplained++
		}
		return run(false)
	}
	guess := 0.0
	var xs []float64
	for _, cr := range earlier {
		if cr.Rate > 0 {
			xs = append(xs, cr.Rate)
		}
	}
	if len(xs) > 0 {
		slices.Sort(xs)
		guess = xs[len(xs)/2]
	} else {
		for i := len(vr.Steps) - 1; i >= 0 && guess == 0; i-- {
			if st := vr.Steps[i]; st.Kind == "rate" && st.Rate == 7000 {
				guess = curveQuota / st.Server.CPUPerRequest
			}
		}
	}
	cr := searchCapacity(guess, curveProbes, probe)
	cr.Round = rep
	return cr, unexplained
}

// searchCapacity is loadtest's search (curve.go), which is unexported.
func searchCapacity(guess float64, maxProbes int, probe func(rate float64) (pass, genBound bool)) results.CapacityRound {
	var cr results.CapacityRound
	round := func(x float64) float64 { return math.Max(10, math.Round(x/10)*10) }
	rate := round(guess)
	lo, hi := 0.0, 0.0
	for cr.Probes < maxProbes {
		cr.Probes++
		pass, gb := probe(rate)
		if pass {
			lo = max(lo, rate)
		} else if hi == 0 || rate < hi {
			hi, cr.GeneratorBound = rate, gb
		}
		var next float64
		switch {
		case hi == 0:
			next = rate * 1.3
		case lo == 0:
			next = rate / 1.3
		default:
			if (hi-lo)/lo <= 0.02 {
				cr.Rate, cr.FailedAt = lo, hi
				return cr
			}
			next = (lo + hi) / 2
		}
		next = round(next)
		if next == rate || (lo > 0 && next <= lo) || (hi > 0 && next >= hi) {
			break
		}
		rate = next
	}
	cr.Rate, cr.FailedAt = lo, hi
	return cr
}

// shuffled is loadtest's: a copy of xs in an order drawn from rng.
func shuffled[T any](rng *rand.Rand, xs []T) []T {
	out := slices.Clone(xs)
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}
