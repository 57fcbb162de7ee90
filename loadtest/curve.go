package loadtest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/authbench/authbench/results"
)

// Curve turns a steady scenario into a cost curve. Its rates run as
// randomized interleaved trials (RMIT: Abedi & Brecht, ICPE 2017): each
// repetition is a round in which every variant runs once, in an order
// shuffled for that round, its rates in a shuffled order too, so the
// drift of a shared machine lands on every variant alike and the rounds
// pair up for ratios. The slope of server CPU-seconds per second over
// the achieved rate at the upper rates is the marginal CPU per request;
// its intercept the idle CPU. Capacity is searched each round with the
// server held to a share of one core (Capacity.Quota), because on two
// cores no generator sharing the machine outruns a whole server core.
type Curve struct {
	// FitTop is how many of the highest rates the slope is fitted over:
	// below them most of the server's CPU is the Go runtime waking up
	// between requests, which is not the cost of a request. Default 3.
	FitTop int `yaml:"fit_top" json:"fit_top"`
	// Seed seeds the round orders and the bootstrap. Default 1.
	Seed uint64 `yaml:"seed" json:"seed"`
	// Calibrate scales the rates down to this machine before the first
	// round (calibrate.go): the rates as written are the most the curve
	// offers, and a machine on which some variant, the generator or
	// Redis cannot keep up with the top rate gets every rate scaled by
	// one factor. Fixed rates fitted to one machine overload a slower
	// one, and a slope fitted through a queue is not a cost.
	Calibrate bool `yaml:"calibrate" json:"calibrate"`
	// Interleave, when set, runs a variant's rates of a round as one
	// attack whose rate changes every Interleave, the rates alternating
	// in shuffled cycles until each has had about the scenario's
	// duration (interleave.go): the machine's drift then lands on every
	// rate alike instead of on whichever ran last. Each rate is still
	// one step of the round. Zero: one step after another.
	Interleave Duration `yaml:"interleave,omitempty" json:"interleave,omitempty"`
	// Capacity searches, each round, the highest rate meeting an SLO;
	// absent: no capacity search.
	Capacity *CapacitySpec `yaml:"capacity,omitempty" json:"capacity,omitempty"`
}

// minInterleave is the shortest interleave block: the counters are read
// at every block boundary (a few /proc files and two Redis INFO calls),
// which must stay a small part of a block, and a block must hold enough
// requests at the lowest rate to be more than a few.
const minInterleave = 100 * time.Millisecond

// CapacitySpec is the per-round capacity search of a curve.
type CapacitySpec struct {
	// Quota is the share of one core the server may use while probed
	// (a cgroup CPU quota): small enough that the generator, on its own
	// core, can outrun the server. Default 0.125.
	Quota float64 `yaml:"quota" json:"quota"`
	// Probe is each probe's duration. Default 2s.
	Probe Duration `yaml:"probe" json:"probe"`
	// Probes bounds the probes per round (and so the search's time).
	// Default 6.
	Probes int `yaml:"probes" json:"probes"`
	// P99 is the highest GET /api/me p99 a passing probe may have; it
	// must exceed the quota's throttling period (quotaPeriodFor), which alone
	// can delay a request that long. Default 25ms.
	P99 Duration `yaml:"p99" json:"p99"`
	// Timeout is the per-request timeout while probing: an overloaded
	// probe's backlog is dropped after it instead of lingering into the
	// next probe. Default 1s.
	Timeout Duration `yaml:"timeout" json:"timeout"`
	// Saturate, when set, runs a closed-loop probe that long each round
	// before the search, under the same quota (saturation.go):
	// Connections requests always in flight, as wrk drives a server, so
	// the server never waits for work and its CPU per request holds no
	// idle wake-ups. Zero: no such probe.
	Saturate Duration `yaml:"saturate,omitempty" json:"saturate,omitempty"`
	// Connections is the closed loop's requests in flight. Default 32,
	// wrk's in scripts/wrk-compare.sh.
	Connections int `yaml:"connections,omitempty" json:"connections,omitempty"`
	// KeepAwake keeps the server's pinned CPU from halting while the
	// quota holds the server, with an idle-priority busy loop there.
	// Off unless asked: awake.go gives the measurements and why.
	KeepAwake bool `yaml:"keep_awake,omitempty" json:"keep_awake,omitempty"`
}

// Bounds of the closed-loop probe: long enough that its start (the
// connections opening) is a small part of it, short enough to stay one
// probe among many; at most maxConnections requests in flight.
const (
	minSaturate    = 200 * time.Millisecond
	maxSaturate    = time.Minute
	maxConnections = 1024
)

// Capacity SLO thresholds besides the p99: a probe passes only when at
// least this share of offered requests completed per second and this
// share succeeded.
const (
	capacityMinAchieved = 0.99
	capacityMinSuccess  = 0.999
	// minQuota is the kernel's smallest CFS quota per period.
	minQuota = time.Millisecond
	// busyShare is the share of its limit (quota or core) at which a
	// server, or of its cores at which the generator, counts as busy on
	// average.
	busyShare = 0.85
)

func (s *Scenario) curveDefaults() {
	c := s.Curve
	if c == nil {
		return
	}
	if c.FitTop == 0 {
		c.FitTop = min(3, len(s.Rates))
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if q := c.Capacity; q != nil {
		if q.Quota == 0 {
			q.Quota = 0.125
		}
		defaultDur(&q.Probe, 2*time.Second)
		if q.Probes == 0 {
			q.Probes = 6
		}
		defaultDur(&q.P99, 25*time.Millisecond)
		defaultDur(&q.Timeout, time.Second)
		if q.Saturate > 0 && q.Connections == 0 {
			q.Connections = 32
		}
	}
}

func (s *Scenario) validateCurve(bad func(path, format string, args ...any)) {
	c := s.Curve
	if c == nil {
		return
	}
	if k := s.Kind(); k != results.KindSteady && k != results.KindFrontier && k != results.KindCluster {
		bad("$.curve", "curve: a %s scenario has its own steps; a curve belongs to a steady scenario", k)
	}
	if s.Search != nil {
		bad("$.search", "search: a curve searches capacity itself (curve.capacity); leave search out")
	}
	distinct := map[float64]bool{}
	for _, r := range s.Rates {
		distinct[r] = true
	}
	if len(distinct) != len(s.Rates) {
		bad("$.rates", "rates: a curve needs distinct rates, got %v", s.Rates)
	}
	if c.FitTop < 3 || c.FitTop > len(s.Rates) {
		bad("$.curve.fit_top", "curve.fit_top: %d: want 3 up to the number of rates (%d): a line through fewer than 3 rates has no confidence interval", c.FitTop, len(s.Rates))
	}
	if iv := c.Interleave.D(); iv != 0 {
		switch {
		case iv < minInterleave:
			bad("$.curve.interleave", "curve.interleave: %s: want at least %s (the counters are read at every block boundary)", iv, minInterleave)
		case iv > s.Duration.D()/2:
			bad("$.curve.interleave", "curve.interleave: %s: want at most half the duration (%s), so that every rate gets two blocks or more", iv, s.Duration.D())
		}
		if s.Generators > 1 {
			bad("$.curve.interleave", "curve.interleave: not with generators: %d (each generator's run is merged by its steps' raw results, which an interleaved step spreads over one attack)", s.Generators)
		}
		if s.Kind() == results.KindCluster {
			bad("$.curve.interleave", "curve.interleave: not with a cluster scenario, whose steps carry every master's own counters")
		}
	}
	if q := c.Capacity; q != nil {
		if s.MaxConnections > 0 && q.Saturate > 0 && q.Connections > s.MaxConnections {
			bad("$.curve.capacity.connections", "curve.capacity.connections: %d: more than max_connections (%d) allows in flight; raise max_connections or lower this", q.Connections, s.MaxConnections)
		}
		if q.Quota <= 0 || q.Quota > 1 {
			bad("$.curve.capacity.quota", "curve.capacity.quota: %g: want a share of one core in (0, 1]", q.Quota)
		}
		if q.Probe < Duration(500*time.Millisecond) {
			bad("$.curve.capacity.probe", "curve.capacity.probe: %s: want at least 500ms", q.Probe.D())
		}
		if q.Probes < 2 {
			bad("$.curve.capacity.probes", "curve.capacity.probes: %d: want at least 2", q.Probes)
		}
		if q.Quota > 0 && q.P99 <= Duration(quotaPeriodFor(q.Quota)) {
			bad("$.curve.capacity.p99", "curve.capacity.p99: %s: want more than the quota period (%s), which alone can delay a request that long", q.P99.D(), quotaPeriodFor(q.Quota))
		}
		if q.Timeout <= 0 {
			bad("$.curve.capacity.timeout", "curve.capacity.timeout: must be positive")
		}
		if d := q.Saturate.D(); d != 0 {
			switch {
			case d < minSaturate || d > maxSaturate:
				bad("$.curve.capacity.saturate", "curve.capacity.saturate: %s: want %s up to %s (a closed-loop probe per variant and round)", d, minSaturate, maxSaturate)
			case s.Kind() == results.KindCluster:
				bad("$.curve.capacity.saturate", "curve.capacity.saturate: not with a cluster scenario, whose steps carry every master's own counters")
			}
		}
		if q.Connections < 0 || q.Connections > maxConnections {
			bad("$.curve.capacity.connections", "curve.capacity.connections: %d: want 1 up to %d requests in flight", q.Connections, maxConnections)
		}
	}
}

// shuffled returns a copy of xs in an order drawn from rng.
func shuffled[T any](rng *rand.Rand, xs []T) []T {
	out := slices.Clone(xs)
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// curveRound is the repetition body of a curve scenario: round rep runs
// every variant once, in a shuffled order, each over its rates in a
// shuffled order (or interleaved in one attack: Curve.Interleave), then
// its capacity search.
func (r *runner) curveRound(ctx context.Context) func(int, []*liveVariant) {
	sc := r.sc
	return func(rep int, live []*liveVariant) {
		rng := rand.New(rand.NewPCG(sc.Curve.Seed, uint64(rep)))
		order := shuffled(rng, live)
		if rep == 1 && sc.Curve.Calibrate {
			r.calibrateRates(ctx, live)
		}
		names := make([]string, len(order))
		for i, lv := range order {
			names[i] = r.res.Variants[lv.vr].Label()
		}
		r.orders = append(r.orders, names)
		fmt.Fprintf(r.log, "loadtest: round %d of %d: %s\n", rep, sc.Repetitions, strings.Join(names, ", "))
		total := len(sc.Rates) * sc.Repetitions
		done := len(sc.Rates) * (rep - 1)
		for _, lv := range order {
			if ctx.Err() != nil {
				return
			}
			rates := shuffled(rng, sc.Rates)
			r.warm(ctx, lv, rates[0])
			vr := &r.res.Variants[lv.vr]
			if sc.Curve.Interleave > 0 {
				vr.Steps = append(vr.Steps, r.interleavedSteps(ctx, lv, rng, rep, len(vr.Steps)+1, done+1, total, rates)...)
			} else {
				for i, rate := range rates {
					if ctx.Err() != nil {
						return
					}
					vr.Steps = append(vr.Steps, r.step(ctx, lv, "rate", rep, len(vr.Steps)+1, total, rate, &attackOpts{progIndex: done + i + 1}))
				}
			}
			if sc.Curve.Capacity != nil && ctx.Err() == nil {
				r.capacityRound(ctx, lv, rep)
			}
		}
	}
}

// probeOutcome is what one capacity probe showed.
type probeOutcome struct {
	pass bool
	// generatorBound: the generator, not the server, ran out.
	generatorBound bool
	// unexplained: the SLO failed while neither process was busy.
	unexplained bool
	// complete is false when the probe was interrupted.
	complete bool
}

// searchCapacity finds the highest rate passing probe, starting from
// guess and spending at most maxProbes probes: it grows (×1.3) or
// shrinks (÷1.3) from guess until it has a passing and a failing rate,
// then bisects between them until they are within 2 %. Rates are
// rounded to 10 req/s. The result's Rate is the highest passing rate
// seen (0: none passed), FailedAt the lowest failing rate above it.
func searchCapacity(guess float64, maxProbes int, probe func(rate float64) probeOutcome) results.CapacityRound {
	var cr results.CapacityRound
	round := func(x float64) float64 { return math.Max(10, math.Round(x/10)*10) }
	rate := round(guess)
	lo, hi := 0.0, 0.0
	for cr.Probes < maxProbes {
		cr.Probes++
		o := probe(rate)
		if !o.complete {
			break
		}
		if o.pass {
			lo = max(lo, rate)
		} else if hi == 0 || rate < hi {
			hi, cr.GeneratorBound = rate, o.generatorBound
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

// capacityVerdict judges a capacity probe: achieved completions, success
// and GET /api/me p99 against the SLO, and, when it failed, whose limit
// it was. quota is the server's share of one core (0: none).
func capacityVerdict(q CapacitySpec, quota float64, st results.Step) (probeOutcome, string) {
	o := probeOutcome{complete: !st.Interrupted}
	var why []string
	if st.All.Throughput < capacityMinAchieved*st.Rate {
		why = append(why, fmt.Sprintf("completed %.0f/s of %.0f/s offered", st.All.Throughput, st.Rate))
	}
	if st.All.Success < capacityMinSuccess {
		why = append(why, fmt.Sprintf("success %.2f%% < %.1f%%", 100*st.All.Success, 100*capacityMinSuccess))
	}
	me, ok := st.Routes[results.RouteMe]
	if !ok {
		me = st.All
	}
	if p := me.Latency.P99; p > q.P99.D() {
		why = append(why, fmt.Sprintf("GET /api/me p99 %v > %v", p.Round(time.Microsecond), q.P99.D()))
	}
	o.pass = len(why) == 0 && o.complete
	if o.pass {
		return o, ""
	}
	limit := coreLimit(quota)
	serverBusy, genBusy, throttled := whoWasBusy(st, quota)
	switch {
	case genBusy && !serverBusy:
		// Before throttling: a generator that ran out sends in bursts,
		// which throttle the server too; a lower bound is the safe claim.
		o.generatorBound = true
		why = append(why, fmt.Sprintf("generator-bound (generator CPU %.0f%%, server %.0f%% of its limit)", 100*st.Generator.Utilisation, 100*utilOf(st)/limit))
	case throttled && !serverBusy:
		why = append(why, fmt.Sprintf("server throttled in %.0f%% of its quota periods at %.0f%% of its quota on average: the quota's limit, reached in bursts",
			100*st.Throttling.Share(), 100*utilOf(st)/limit))
	case !genBusy && !serverBusy && st.Server != nil:
		o.unexplained = true
		why = append(why, fmt.Sprintf("neither busy (server %.0f%% of its limit, generator %.0f%%): not a server limit", 100*utilOf(st)/limit, 100*st.Generator.Utilisation))
	}
	return o, strings.Join(why, "; ")
}

// whoWasBusy says of a probe whether the server was busy on average (at
// busyShare of its limit), whether the generator was (it fell
// behind, or used busyShare of its cores), and whether a server
// held to quota was throttled in at least results.BurstThrottled of its periods.
func whoWasBusy(st results.Step, quota float64) (server, generator, throttled bool) {
	server = st.Server != nil && st.Server.Utilisation >= busyShare*coreLimit(quota)
	generator = st.GeneratorBound || st.Generator.Utilisation >= busyShare
	throttled = quota > 0 && st.Throttling.Share() >= results.BurstThrottled
	return server, generator, throttled
}

func utilOf(st results.Step) float64 {
	if st.Server == nil {
		return 0
	}
	return st.Server.Utilisation
}

// capacityRound runs one round's capacity search for lv under the quota.
func (r *runner) capacityRound(ctx context.Context, lv *liveVariant, rep int) {
	spec := *r.sc.Curve.Capacity
	vr := func() *results.VariantResult { return &r.res.Variants[lv.vr] }
	quota := r.applyQuota(lv, spec.Quota)
	defer r.clearQuota(lv)
	if quota > 0 && spec.KeepAwake {
		defer r.keepAwake()()
	}
	if spec.Saturate > 0 && ctx.Err() == nil {
		r.saturate(ctx, lv, rep, quota)
	}
	guess := r.capacityGuess(lv, quota)
	opts := &attackOpts{du: spec.Probe.D(), timeout: spec.Timeout.D()}
	unexplained := 0
	cr := searchCapacity(guess, spec.Probes, func(rate float64) probeOutcome {
		run := func() probeOutcome {
			st := r.underQuota(lv, quota, func() results.Step {
				return r.step(ctx, lv, "capacity", rep, len(vr().Steps)+1, 0, rate, opts)
			})
			o, why := capacityVerdict(spec, quota, st)
			st.SLO = &results.SLOVerdict{Pass: o.pass, Reason: why}
			vr().Steps = append(vr().Steps, st)
			r.prog.verdict(st)
			if !o.pass {
				r.settle(lv)
			}
			return o
		}
		o := run()
		if o.unexplained && ctx.Err() == nil {
			// A tail that broke with both processes idle says nothing
			// about the server: probe the same rate once more.
			unexplained++
			o = run()
		}
		return o
	})
	cr.Round = rep
	cs := r.capState[lv.vr]
	if cs == nil {
		cs = &capacityState{}
		r.capState[lv.vr] = cs
	}
	cs.rounds = append(cs.rounds, cr)
	cs.unexplained += unexplained
}

// capacityGuess is where a round's search starts: the median of the
// variant's earlier rounds, else the rate the server's quota would
// sustain at this round's CPU per request at its top rate.
func (r *runner) capacityGuess(lv *liveVariant, quota float64) float64 {
	v := r.res.Variants[lv.vr]
	if c := r.capState[lv.vr]; c != nil {
		var xs []float64
		for _, cr := range c.rounds {
			if cr.Rate > 0 {
				xs = append(xs, cr.Rate)
			}
		}
		if len(xs) > 0 {
			slices.Sort(xs)
			return xs[len(xs)/2]
		}
	}
	top := slices.Max(r.sc.Rates)
	limit := coreLimit(quota)
	for i := len(v.Steps) - 1; i >= 0; i-- {
		st := v.Steps[i]
		if st.Kind == "rate" && st.Rate == top && st.Server != nil && st.Server.CPUPerRequest > 0 {
			// At-rate CPU per request still carries some idle cost, so
			// this guess errs low; the search grows from it.
			return limit / st.Server.CPUPerRequest
		}
	}
	return top * limit
}

// capacityState is what the runner keeps of a variant's capacity rounds
// for the analysis.
type capacityState struct {
	rounds      []results.CapacityRound
	unexplained int
}

// settle lets a server drain after an overloaded step: the generator's
// idle connections (an overload opens one per request in flight) are
// closed, and the server's CPU is watched until it is quiet, so the next
// step does not inherit the last one's backlog.
func (r *runner) settle(lv *liveVariant) {
	r.client.CloseIdleConnections()
	if len(lv.pids) == 0 {
		time.Sleep(200 * time.Millisecond)
		return
	}
	deadline := time.Now().Add(3 * time.Second)
	prev, err := sumCPU(lv.pids)
	for err == nil && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		cur, e := sumCPU(lv.pids)
		if e != nil {
			return
		}
		if cur-prev < 5*time.Millisecond { // under 5 % of a core
			return
		}
		prev = cur
	}
}
