package loadtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/authbench/authbench/raw"
	"github.com/authbench/authbench/results"
)

// Interleaved rates. On a shared VM the speed of the machine wanders at
// every time scale from a tenth of a second to minutes (at a constant
// rate the server's CPU per second moved 10–15 % between neighbouring
// windows whether they were 0.1 s or 8 s long: flicker, not white
// noise), so rates measured one after another in 2-second steps differ
// by the machine's drift as much as by their load, and a slope through
// them is mostly that drift. Alternating the rates in short blocks
// inside one attack puts every rate into the same stretch of time: the
// drift lands on all of them alike and cancels out of the slope, as a
// lock-in amplifier cancels 1/f noise by modulating its signal. Each
// rate still becomes one step per round (its blocks summed), so the
// analysis and the report see the same steps as before.

// blockPacer is a vegeta.Pacer holding rates[k] hits per second during
// block k, each block long: a piecewise-constant rate. vegeta has a
// constant, a linear and a sine pacer but none with steps, so it is
// written here.
type blockPacer struct {
	rates []float64
	block time.Duration
	// cum[k] is how many hits are due by the start of block k.
	cum []float64
}

func newBlockPacer(rates []float64, block time.Duration) blockPacer {
	p := blockPacer{rates: rates, block: block, cum: make([]float64, len(rates)+1)}
	for k, r := range rates {
		p.cum[k+1] = p.cum[k] + r*block.Seconds()
	}
	return p
}

// total is the length of the whole schedule.
func (p blockPacer) total() time.Duration { return time.Duration(len(p.rates)) * p.block }

// hits is how many hits should have been sent by t.
func (p blockPacer) hits(t time.Duration) float64 {
	if t <= 0 {
		return 0
	}
	k := int(t / p.block)
	if k >= len(p.rates) {
		return p.cum[len(p.rates)]
	}
	return p.cum[k] + p.rates[k]*(t-time.Duration(k)*p.block).Seconds()
}

// at is the inverse of hits: when hit n (counting from 1) is due; ok is
// false when the schedule holds fewer than n hits.
func (p blockPacer) at(n float64) (time.Duration, bool) {
	for k, r := range p.rates {
		if n <= p.cum[k+1] && r > 0 {
			return time.Duration(k)*p.block + time.Duration((n-p.cum[k])/r*float64(time.Second)), true
		}
	}
	return 0, false
}

// Pace implements vegeta.Pacer.
func (p blockPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if elapsed >= p.total() {
		return 0, true
	}
	if float64(hits) < p.hits(elapsed) {
		return 0, false
	}
	next, ok := p.at(float64(hits + 1))
	if !ok {
		return 0, true
	}
	return max(next-elapsed, 0), false
}

// Rate implements vegeta.Pacer.
func (p blockPacer) Rate(elapsed time.Duration) float64 {
	k := int(elapsed / p.block)
	if elapsed < 0 || k >= len(p.rates) {
		return 0
	}
	return p.rates[k]
}

// blockSchedule is the order of an interleaved attack's blocks: n
// cycles, each one block of every rate in an order drawn from rng, so
// every rate gets n blocks, spread over the whole attack, and no rate
// always follows the same other one.
func blockSchedule(rng *rand.Rand, rates []float64, n int) []float64 {
	out := make([]float64, 0, n*len(rates))
	for range n {
		out = append(out, shuffled(rng, rates)...)
	}
	return out
}

// blocksPerRate is how many blocks of block each rate gets so that its
// blocks add up to about du: at least 2, so that every rate appears in
// more than one stretch of the attack.
func blocksPerRate(du, block time.Duration) int {
	return max(2, int((du+block/2)/block))
}

// window is one measured block of an interleaved attack: from the
// reading at its start to the reading at its end.
type window struct {
	rate       float64 // the asked rate of the block
	from, to   time.Duration
	start, end *mark
}

// windows pairs the blocks of schedule with the readings taken at their
// boundaries: m0 at the start, marks[k] at the start of block k+1 and
// m1 (at wall) after the last. Readings that did not happen (an
// interrupted attack) merge their block into the one before.
func windows(schedule []float64, m0 *mark, marks []*mark, m1 *mark, wall time.Duration) []window {
	var out []window
	cur := window{rate: schedule[0], start: m0}
	for k, mk := range marks {
		if !mk.happened {
			continue
		}
		cur.to, cur.end = mk.began, mk
		out = append(out, cur)
		cur = window{rate: schedule[k+1], from: mk.began, start: mk}
	}
	cur.to, cur.end = wall, m1
	return append(out, cur)
}

// rateShare is what the blocks of one rate add up to.
type rateShare struct {
	wall     time.Duration
	cpu      time.Duration
	gen      time.Duration
	counters results.ProcCounters
	cpuOK    bool
	countOK  bool
	redisCPU float64
	calls    map[string]uint64
	redisOK  bool
	results  []kept
}

// interleavedSteps runs one attack of lv whose rates alternate in blocks
// of the curve's Interleave (blockSchedule), reads the servers', Redis's
// and the generator's counters at every block boundary, and returns one
// step per rate: the sum of its blocks. index is the first step's index
// among the variant's steps; progIndex and total place them in the
// progress line.
func (r *runner) interleavedSteps(ctx context.Context, lv *liveVariant, rng *rand.Rand, rep, index, progIndex, total int, rates []float64) []results.Step {
	sc := r.sc
	label := r.res.Variants[lv.vr].Label()
	block := sc.Curve.Interleave.D()
	n := blocksPerRate(sc.Duration.D(), block)
	schedule := blockSchedule(rng, rates, n)
	pacer := newBlockPacer(schedule, block)
	du := pacer.total()
	marks := make([]*mark, len(schedule)-1)
	for k := range marks {
		marks[k] = &mark{at: time.Duration(k+1) * block}
	}
	var ks []kept
	r.healProxy(label, index)
	r.prog.beginSpan(label, progIndex, len(rates), total, du,
		fmt.Sprintf("rates %s req/s interleaved in %d blocks of %v (%d per rate)", rateList(rates), len(schedule), block, n))
	opts := &attackOpts{
		pacer: pacer, marks: marks, du: du,
		onResult: keepResults(&ks),
	}
	obs := r.drive(ctx, load{variant: label, pool: lv.pool, pids: lv.pids, store: lv.store, rate: slices.Max(rates), du: du, record: true}, opts)

	ws := windows(schedule, &obs.m0, marks, &obs.m1, obs.wall)
	shares := map[float64]*rateShare{}
	for _, rate := range rates {
		shares[rate] = &rateShare{cpuOK: true, countOK: true, redisOK: true, calls: map[string]uint64{}}
	}
	for _, w := range ws {
		s := shares[w.rate]
		s.wall += w.to - w.from
		s.gen += w.end.gen - w.start.gen
		s.cpuOK = s.cpuOK && w.start.cpuOK && w.end.cpuOK
		s.cpu += w.end.cpu - w.start.cpu
		s.countOK = s.countOK && w.start.countOK && w.end.countOK
		d := w.end.counters.Minus(w.start.counters)
		threads := max(s.counters.ThreadsObserved, d.ThreadsObserved)
		s.counters.Add(d) // Add sums threads too, as over processes
		s.counters.ThreadsObserved = threads
		s.redisOK = s.redisOK && w.start.redisOK && w.end.redisOK
		if s.redisOK {
			s.redisCPU += w.end.redis.cpu - w.start.redis.cpu
			for cmd, c := range w.end.redis.calls {
				if b := w.start.redis.calls[cmd]; c > b {
					s.calls[cmd] += c - b
				}
			}
		}
	}
	// A request belongs to the window it was sent in: the same windows
	// the counters were read over.
	for _, k := range ks {
		off := k.res.Timestamp.Sub(obs.started)
		i := max(0, sort.Search(len(ws), func(j int) bool { return ws[j].from > off })-1)
		s := shares[ws[i].rate]
		s.results = append(s.results, k)
	}

	out := make([]results.Step, 0, len(rates))
	for i, rate := range rates {
		s := shares[rate]
		st := r.shareStep(label, rep, index+i, rate, s, &obs)
		r.prog.relabel(label, "rate", progIndex+i, total)
		r.prog.end(label, "rate", st)
		out = append(out, st)
	}
	return out
}

// shareStep turns one rate's share of an interleaved attack into its
// step, with the raw results of its own requests.
func (r *runner) shareStep(label string, rep, index int, rate float64, s *rateShare, obs *observation) results.Step {
	m := newStepMetrics()
	rs := make([]vegeta.Result, len(s.results))
	for i, k := range s.results {
		m.add(k.route, &k.res)
		rs[i] = k.res
	}
	st := results.Step{
		Kind: "rate", Repetition: rep, Index: index, Rate: rate, Duration: s.wall.Round(time.Millisecond),
		Started: obs.started.UTC(), Interrupted: obs.interrupted, Wall: s.wall,
		CredentialBytes: obs.credBytes, AddedLatency: r.addedLatency,
	}
	st.All, st.Routes = m.close()
	perWall(&st.All, s.wall)
	for k, rm := range st.Routes {
		perWall(&rm, s.wall)
		st.Routes[k] = rm
	}
	zero := mark{cpuOK: true, countOK: true}
	sum := mark{cpu: s.cpu, cpuOK: s.cpuOK, counters: s.counters, countOK: s.countOK}
	st.Server = processCost(zero, sum, st.All.Requests, s.wall)
	if st.Server != nil {
		st.Server.PeakRSSBytes, st.Server.PeakRSSReset = obs.peakRSS, obs.rssReset
	}
	if s.redisOK && obs.m0.redisOK && obs.m1.redisOK {
		st.Redis = redisCost(redisSnapshot{calls: map[string]uint64{}}, redisSnapshot{cpu: s.redisCPU, calls: s.calls}, st.All.Requests)
	}
	st.Generator = results.GeneratorCost{CPUSeconds: s.gen.Seconds(), Cores: r.genCPUs}
	if s.wall > 0 && r.genCPUs > 0 {
		st.Generator.Utilisation = s.gen.Seconds() / (s.wall.Seconds() * float64(r.genCPUs))
	}
	st.GeneratorBound, st.GeneratorBoundReason = generatorBound(rate, s.wall, st)
	name := rawFileName(label, st.Kind, rep, index, rate)
	if raw.Write(filepath.Join(r.dir, name), rs) == nil {
		st.RawFile = name
	}
	return st
}

// perWall restates a metrics set's rates over the time its blocks took:
// vegeta divides by the span from the first request to the last, which
// for blocks spread over a longer attack is too long.
func perWall(m *results.Metrics, wall time.Duration) {
	if wall <= 0 {
		return
	}
	m.Rate = float64(m.Requests) / wall.Seconds()
	m.Throughput = m.Success * float64(m.Requests) / wall.Seconds()
}

func rateList(rates []float64) string {
	s := make([]string, len(rates))
	for i, r := range rates {
		s[i] = fmt.Sprintf("%.0f", r)
	}
	return strings.Join(s, "/")
}
