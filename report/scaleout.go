package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"

	"github.com/authbench/authbench/results"
)

// scaleCell is one variant pass's figures on some instances at one
// fixed rate, over repetitions.
type scaleCell struct {
	instances int
	rate      float64
	// throughput is successful requests per second; success a ratio.
	throughput, success Stat
	// cpu is server CPU µs per request, summed over the instances.
	cpu Stat
	// cmds is Redis commands per second.
	cmds Stat
	// p99 is in milliseconds.
	p99 Stat
	// max is the max-rate search result on these instances.
	max VariantSummary
}

// scaleCells groups v's fixed-rate steps by instance count and rate.
func scaleCells(v results.VariantResult) []scaleCell {
	type key struct {
		n    int
		rate float64
	}
	by := map[key][]results.Step{}
	var keys []key
	for _, st := range v.Steps {
		if st.Kind != "rate" {
			continue
		}
		k := key{instancesOf(st.Instances), st.Rate}
		if _, ok := by[k]; !ok {
			keys = append(keys, k)
		}
		by[k] = append(by[k], st)
	}
	slices.SortFunc(keys, func(a, b key) int {
		if a.n != b.n {
			return a.n - b.n
		}
		return cmpFloat(a.rate, b.rate)
	})
	var out []scaleCell
	for _, k := range keys {
		var thr, succ, cpu, cmds, p99 []float64
		for _, st := range by[k] {
			if st.All.Requests > 0 {
				thr, succ = append(thr, st.All.Throughput), append(succ, st.All.Success)
				p99 = append(p99, ms(st.All.Latency.P99))
			}
			if st.Server != nil {
				cpu = append(cpu, st.Server.CPUPerRequest*1e6)
			}
			if st.Redis != nil && st.Wall > 0 {
				cmds = append(cmds, float64(st.Redis.Commands)/st.Wall.Seconds())
			}
		}
		c := scaleCell{instances: k.n, rate: k.rate, throughput: statOf(thr), success: statOf(succ), cpu: statOf(cpu), cmds: statOf(cmds), p99: statOf(p99)}
		var rates []float64
		for _, m := range v.MaxRate {
			if instancesOf(m.Instances) == k.n {
				rates = append(rates, m.Rate)
				c.max.MaxRateBound = c.max.MaxRateBound || m.GeneratorBound
				c.max.MaxRateOpen = c.max.MaxRateOpen || (m.FailedAt == 0 && m.Rate > 0)
			}
		}
		c.max.MaxRate = statOf(rates)
		out = append(out, c)
	}
	return out
}

// scaleOutSection: what more server processes change on this machine —
// correctness without sticky routing, CPU per request, the store's load.
func scaleOutSection(s *Summary) (section, error) {
	r := s.R
	sec := section{ID: string(results.KindScaleOut), Title: "Scale-out: several server processes behind one load balancer"}
	search := false
	for _, v := range r.Variants {
		search = search || len(v.MaxRate) > 0
	}
	t := table{
		Caption: "Per variant and routing, on several server processes (median (min–max) over repetitions). Server CPU is summed over the processes.",
		Head:    []string{"variant", "routing", "instances", "offered req/s", "throughput (2xx/3xx per s)", "success", "server CPU µs/req", "Redis cmds/s", "p99 ms"},
	}
	if search {
		t.Head = append(t.Head, "max rate under SLO (req/s)")
	}
	cells := map[string][]scaleCell{}
	var nMin, nMax int
	for _, v := range r.Variants {
		cs := scaleCells(v)
		cells[v.Label()] = cs
		routing := string(v.Routing)
		if routing == "" {
			routing = "—"
		}
		for _, c := range cs {
			if nMin == 0 || c.instances < nMin {
				nMin = c.instances
			}
			nMax = max(nMax, c.instances)
			row := []string{v.Label(), routing, fmt.Sprint(c.instances), num(c.rate, 0), c.throughput.Format(0), pct(c.success, 1), c.cpu.Format(1), c.cmds.Format(0), c.p99.Format(2)}
			if search {
				row = append(row, maxRateCell(c.max))
			}
			t.Rows = append(t.Rows, row)
		}
	}
	t.Notes = append(t.Notes, "success: the share of requests answered 2xx/3xx. round-robin spreads requests evenly over the instances with no affinity (a user's next request reaches any instance, as behind a round-robin balancer shared by many clients); sticky sends all of a user's requests to one.")
	sec.Tables = append(sec.Tables, t)

	rates := heldRates(r)
	if len(rates) > 0 && nMax > nMin {
		rate := rates[len(rates)-1]
		at := func(label string, n int) *scaleCell {
			for i, c := range cells[label] {
				if c.instances == n && c.rate == rate {
					return &cells[label][i]
				}
			}
			return nil
		}
		sec.Findings = append(sec.Findings, correctnessFindings(r, &sec, at, rate, nMin, nMax)...)
		sec.Findings = append(sec.Findings, coresFinding(r, at, nMin, nMax))
		if f := storeLoadFinding(r, at, rate, nMin, nMax); f != "" {
			sec.Findings = append(sec.Findings, f)
		}

		title := "Server CPU per request against instances, at " + num(rate, 0) + " req/s (summed over instances, median)"
		p, err := scaleChart(r, cells, rate, "Server CPU per request against instances", "server CPU µs/req (all instances)", func(c scaleCell) Stat { return c.cpu })
		cs, err := chartOf("scale-out-cpu", title, p, err)
		if err != nil {
			return sec, err
		}
		sec.Charts = append(sec.Charts, cs...)
		title = "Redis commands per second against instances, at " + num(rate, 0) + " req/s (median)"
		p, err = scaleChart(r, cells, rate, "Redis commands per second against instances", "Redis commands per second", func(c scaleCell) Stat { return c.cmds })
		cs, err = chartOf("scale-out-redis", title, p, err)
		if err != nil {
			return sec, err
		}
		sec.Charts = append(sec.Charts, cs...)
	}
	return sec, nil
}

// correctnessFindings says which passes answered fewer requests as
// instances were added: for session-memory behind round-robin the
// expected, article-making case; for any other a warning.
func correctnessFindings(r *results.Results, sec *section, at func(string, int) *scaleCell, rate float64, nMin, nMax int) []string {
	var out []string
	for _, v := range r.Variants {
		lo, hi := at(v.Label(), nMin), at(v.Label(), nMax)
		if lo == nil || hi == nil || !lo.success.Ok() || !hi.success.Ok() {
			continue
		}
		if hi.success.Median >= 0.99 {
			continue
		}
		var steps []string
		for _, c := range scaleCellsAt(r, v, rate) {
			steps = append(steps, fmt.Sprintf("%s on %s", pct(c.success, 0), plural(c.instances, "instance")))
		}
		if factsOf(v).perProcess(v.Variant) && v.Routing != results.RoutingSticky {
			// GET /api/me alone shows the 1-in-n: every refused one is
			// followed by a login, which succeeds wherever it lands.
			var me []string
			for _, c := range scaleCellsAt(r, v, rate) {
				var xs []float64
				for _, st := range v.Steps {
					if m, ok := st.Routes[results.RouteMe]; ok && m.Requests > 0 && st.Rate == rate && max(st.Instances, 1) == c.instances {
						xs = append(xs, m.Success)
					}
				}
				if len(xs) > 0 {
					me = append(me, fmt.Sprintf("%s on %s", pct(statOf(xs), 0), plural(c.instances, "instance")))
				}
			}
			f := fmt.Sprintf("Behind round-robin, %s answered %s of all requests: a session held in one process's memory works only on the instance that issued the cookie, and without affinity a user's next request reaches that instance about 1 time in n", v.Variant, sentence(steps))
			if len(me) > 0 {
				f += fmt.Sprintf(" (GET /api/me alone: %s; each refused one sends the user back to log in, and the login succeeds wherever it lands)", sentence(me))
			}
			for _, w := range r.Variants {
				if w.Variant == v.Variant && w.Routing == results.RoutingSticky {
					if c := at(w.Label(), nMax); c != nil && c.success.Ok() {
						f += fmt.Sprintf("; with sticky routing it answered %s on %s", pct(c.success, 0), plural(nMax, "instance"))
					}
				}
			}
			out = append(out, f+".")
			continue
		}
		sec.Warnings = append(sec.Warnings, fmt.Sprintf("%s answered fewer requests successfully as instances were added (%s): its instances share keys and store, so they should all accept its credentials.", v.Label(), sentence(steps)))
	}
	return out
}

// scaleCellsAt is v's cells at rate, by instances.
func scaleCellsAt(r *results.Results, v results.VariantResult, rate float64) []scaleCell {
	var out []scaleCell
	for _, c := range scaleCells(v) {
		if c.rate == rate {
			out = append(out, c)
		}
	}
	return out
}

// coresFinding is the honest note: on a machine with few cores more
// processes share the same CPUs, so they cannot add capacity; it quotes
// what the run shows about it.
func coresFinding(r *results.Results, at func(string, int) *scaleCell, nMin, nMax int) string {
	cores := r.Environment.Cores
	f := fmt.Sprintf("This machine has %s", plural(cores, "core"))
	if cores <= nMax {
		f += fmt.Sprintf(": %d server processes share them with each other and the load generator, so more processes cannot add capacity here; what scaling out changes is correctness and the store's load", nMax)
	} else {
		f += fmt.Sprintf(", more than the %d server processes, but they share them with the load generator, so capacity can grow only as far as free cores allow", nMax)
	}
	var cpu []string
	for _, v := range r.Variants {
		lo, hi := at(v.Label(), nMin), at(v.Label(), nMax)
		if lo == nil || hi == nil || !lo.cpu.Ok() || !hi.cpu.Ok() || v.Routing == results.RoutingSticky {
			continue
		}
		cpu = append(cpu, fmt.Sprintf("%s %s → %s µs", v.Label(), num(lo.cpu.Median, 1), num(hi.cpu.Median, 1)))
	}
	if len(cpu) > 0 {
		f += fmt.Sprintf(". Server CPU per request from %s to %s: %s", plural(nMin, "instance"), plural(nMax, "instance"), strings.Join(cpu, ", "))
	}
	var caps []string
	for _, v := range r.Variants {
		lo, hi := at(v.Label(), nMin), at(v.Label(), nMax)
		// A pass that lost correctness (session-memory round-robin) has
		// no capacity to speak of: its probes fail on errors.
		if lo == nil || hi == nil || !lo.max.MaxRate.Ok() || !hi.max.MaxRate.Ok() || v.Routing == results.RoutingSticky || hi.success.Median < 0.99 {
			continue
		}
		caps = append(caps, fmt.Sprintf("%s %s → %s", v.Label(), maxRateCell(lo.max), maxRateCell(hi.max)))
	}
	if len(caps) > 0 {
		f += "; max sustainable rate, req/s: " + strings.Join(caps, ", ")
	}
	return f + "."
}

// storeLoadFinding: Redis commands per second follow the requests, not
// the processes.
func storeLoadFinding(r *results.Results, at func(string, int) *scaleCell, rate float64, nMin, nMax int) string {
	var busy, idle []string
	for _, v := range r.Variants {
		lo, hi := at(v.Label(), nMin), at(v.Label(), nMax)
		if lo == nil || hi == nil || !lo.cmds.Ok() || !hi.cmds.Ok() {
			continue
		}
		// Under one command per 100 requests is Redis's own idle traffic
		// and other clients, not the variant's.
		if hi.cmds.Median < rate/100 && lo.cmds.Median < rate/100 {
			idle = append(idle, v.Label())
			continue
		}
		busy = append(busy, fmt.Sprintf("%s %s → %s%s", v.Label(), num(lo.cmds.Median, 0), num(hi.cmds.Median, 0), spreadNote(hi.cmds, lo.cmds)))
	}
	if len(busy) == 0 {
		return ""
	}
	f := fmt.Sprintf("Every instance of a stateful variant shares one Redis, so its commands per second follow the requests (%s req/s), not the processes: from %s to %s, %s", num(rate, 0), plural(nMin, "instance"), plural(nMax, "instance"), strings.Join(busy, "; "))
	if len(idle) > 0 {
		f += fmt.Sprintf("; %s put no load on it", sentence(idle))
	}
	return f + "."
}

// scaleChart: one figure against instances, one line per variant pass.
func scaleChart(r *results.Results, cells map[string][]scaleCell, rate float64, title, ylabel string, get func(scaleCell) Stat) (*plot.Plot, error) {
	p, err := variantLines(newPlot(title, "server processes", ylabel), r, func(v results.VariantResult) (w whiskers) {
		for _, c := range cells[v.Label()] {
			if st := get(c); c.rate == rate && st.Ok() {
				w.add(float64(c.instances), st)
			}
		}
		return w
	})
	if p != nil {
		p.X.Tick.Marker = instanceTicks{}
	}
	return p, err
}

// instanceTicks labels whole instance counts only.
type instanceTicks struct{}

func (instanceTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for n := math.Ceil(lo); n <= hi; n++ {
		out = append(out, plot.Tick{Value: n, Label: fmt.Sprint(n)})
	}
	return out
}

// scaleOutReport is how a scale-out run is reported: its steps vary by
// the number of server processes.
var scaleOutReport = kindReport{
	section: scaleOutSection,
	line: func(sc results.Scenario) string {
		if sc.ScaleOut == nil {
			return ""
		}
		var ns []string
		for _, n := range sc.ScaleOut.Instances {
			ns = append(ns, strconv.Itoa(n))
		}
		line := " Scale-out: " + strings.Join(ns, ", ") + " server processes per variant, requests spread round-robin"
		if len(sc.ScaleOut.Sticky) > 0 {
			line += "; " + strings.Join(sc.ScaleOut.Sticky, ", ") + " also with sticky routing"
		}
		return line + "."
	},
	servers: func(q results.Scenario) string {
		if q.ScaleOut == nil {
			return ""
		}
		var ns []string
		for _, n := range q.ScaleOut.Instances {
			ns = append(ns, strconv.Itoa(n))
		}
		return fmt.Sprintf("%s \"authbench serve\" processes per variant, sharing keys and Redis (server CPU summed over them)", strings.Join(ns, ", "))
	},
	stepsNote: " Server CPU is summed over the instances.",
	dim: &dimension{
		head:      "instances",
		value:     func(st results.Step) string { return strconv.Itoa(instancesOf(st.Instances)) },
		order:     func(st results.Step) float64 { return float64(instancesOf(st.Instances)) },
		condition: func(_ time.Duration, n int) string { return " on " + plural(instancesOf(n), "instance") },
		baseline:  fewestInstances,
	},
}

// fewestInstances keeps the steps on the fewest instances.
func fewestInstances(r *results.Results) (func(time.Duration, int) bool, string) {
	lo, ok := 0, false
	for _, v := range r.Variants {
		for _, st := range v.Steps {
			if n := instancesOf(st.Instances); !ok || n < lo {
				lo, ok = n, true
			}
		}
	}
	if !ok {
		return func(time.Duration, int) bool { return true }, ""
	}
	return func(_ time.Duration, n int) bool { return instancesOf(n) == lo }, plural(lo, "instance")
}
