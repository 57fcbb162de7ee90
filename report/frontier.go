package report

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/authbench/authbench"
	"github.com/authbench/authbench/results"
)

// This file reports a frontier run in three steps kept apart: frontierOf
// computes the points from results alone (a pure function), frontierWords
// says what they mean, frontierSection and frontierChart render them.

// windowStats are one action's revocation windows over a variant's
// trials, or the bound it states when they were not waited for.
type windowStats struct {
	// N is the trials that measured a window; Never those still accepted
	// at the timeout; Failed those that went wrong.
	N, Never, Failed int
	P50, P99, Max    time.Duration
	// Stated is why no trial ran ("" when trials ran); StatedMax the
	// variant's bound then, Unrevocable when it has none.
	Stated      string
	StatedMax   time.Duration
	Unrevocable bool
}

// window is the figure the frontier places the variant at: the
// measured p99, else the stated bound; ok false when there is none.
func (w windowStats) window() (time.Duration, bool) {
	switch {
	case w.N > 0 && w.Never == 0:
		return w.P99, true
	case w.Stated != "" && !w.Unrevocable:
		return w.StatedMax, true
	}
	return 0, false
}

// frontierPoint is one variant on the frontier.
type frontierPoint struct {
	Variant        string
	Colour, Marker string
	// CPU is the marginal server+Redis CPU per request in µs (the
	// interval's ends added: a conservative interval); HasCPU false when
	// the curve fitted none.
	CPU    results.Interval
	HasCPU bool
	// Capacity is requests per second per core; nil when unmeasured.
	Capacity *results.Interval
	// RefreshesPerHour is per client; RefreshShare of the curve's mix.
	RefreshesPerHour, RefreshShare float64
	LoadRate                       float64
	Logout, RevokeUser             windowStats
	Memory                         *results.FrontierMemory
	Partition                      *results.Partition
	// Violation: the cut instance accepted the revoked credential past
	// the variant's stated bound.
	Violation bool
	// Pareto: no other point is at least as good on both axes and
	// better on one.
	Pareto bool
}

// X is the point's revocation window (logout) and whether it has one.
func (p frontierPoint) X() (time.Duration, bool) { return p.Logout.window() }

// frontierOf computes the frontier of r: one point per variant with a
// frontier result, in the run's order, Pareto-optimal ones marked.
func frontierOf(r *results.Results) []frontierPoint {
	var out []frontierPoint
	for _, v := range r.Variants {
		f := v.Frontier
		if f == nil {
			continue
		}
		facts := factsOf(v)
		p := frontierPoint{Variant: v.Label(), Colour: facts.Colour, Marker: facts.Marker,
			RefreshesPerHour: f.RefreshesPerClientHour, RefreshShare: f.RefreshShare, LoadRate: f.LoadRate,
			Memory: f.Memory, Partition: f.Partition}
		if vc := costVariantNamed(r.Cost, v.Label()); vc != nil {
			if vc.ServerMarginal != nil {
				p.CPU, p.HasCPU = *vc.ServerMarginal, true
				if rm := vc.RedisMarginal; rm != nil {
					p.CPU.Estimate += rm.Estimate
					p.CPU.Lo += rm.Lo
					p.CPU.Hi += rm.Hi
				}
				p.CPU.Estimate, p.CPU.Lo, p.CPU.Hi = p.CPU.Estimate*1e6, p.CPU.Lo*1e6, p.CPU.Hi*1e6
			}
			if vc.Capacity != nil {
				c := vc.Capacity.PerCore
				p.Capacity = &c
			}
		}
		p.Logout = windowsOf(f, results.ActionLogout, facts.LogoutBound)
		p.RevokeUser = windowsOf(f, results.ActionRevokeUser, facts.RevokeUserBound)
		p.Violation = f.Partition != nil && f.Partition.AcceptedPastBound
		out = append(out, p)
	}
	markPareto(out)
	return out
}

func costVariantNamed(ca *results.CostAnalysis, name string) *results.VariantCost {
	if ca == nil {
		return nil
	}
	for i := range ca.Variants {
		if ca.Variants[i].Variant == name {
			return &ca.Variants[i]
		}
	}
	return nil
}

// windowsOf summarises f's trials of action; bound is what the variant
// states, used when no trial ran.
func windowsOf(f *results.Frontier, action string, bound *authbench.Bound) windowStats {
	var w windowStats
	if why, ok := f.Unmeasured[action]; ok {
		w.Stated = why
		if bound != nil {
			w.Unrevocable, w.StatedMax = bound.Never, bound.Max
		} else {
			w.Unrevocable = true
		}
		return w
	}
	var ds []time.Duration
	for _, t := range f.Trials {
		switch {
		case t.Action != action:
		case t.Error != "":
			w.Failed++
		case t.Window < 0:
			w.Never++
		default:
			ds = append(ds, t.Window)
		}
	}
	slices.Sort(ds)
	w.N = len(ds)
	if w.N > 0 {
		w.P50, w.P99, w.Max = quantile(ds, 0.5), quantile(ds, 0.99), ds[len(ds)-1]
	}
	return w
}

// quantile is the nearest-rank q-quantile of sorted ds.
func quantile(ds []time.Duration, q float64) time.Duration {
	i := int(math.Ceil(q*float64(len(ds)))) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

// markPareto marks the points no other point dominates (a window no
// longer and a cost no higher, one of them strictly); a point without a
// window or a cost is off the frontier.
func markPareto(ps []frontierPoint) {
	for i := range ps {
		xi, ok := ps[i].X()
		if !ok || !ps[i].HasCPU {
			continue
		}
		ps[i].Pareto = true
		for j := range ps {
			xj, ok := ps[j].X()
			if j == i || !ok || !ps[j].HasCPU {
				continue
			}
			yi, yj := ps[i].CPU.Estimate, ps[j].CPU.Estimate
			if xj <= xi && yj <= yi && (xj < xi || yj < yi) {
				ps[i].Pareto = false
				break
			}
		}
	}
}

// frontierThresholds are the revocation windows the words answer for.
var frontierThresholds = []time.Duration{10 * time.Millisecond, time.Second, time.Minute}

// frontierWords says, from the points alone, which variant revokes
// within each threshold at the lowest cost (and when the run cannot tell
// the cheapest from the next), and which broke its bound.
func frontierWords(ps []frontierPoint, ref string) []string {
	var out []string
	var refCPU float64
	for _, p := range ps {
		if p.Variant == ref && p.HasCPU {
			refCPU = p.CPU.Estimate
		}
	}
	for _, th := range frontierThresholds {
		var fit []frontierPoint
		for _, p := range ps {
			if x, ok := p.X(); ok && x <= th && p.HasCPU && !p.Violation {
				fit = append(fit, p)
			}
		}
		if len(fit) == 0 {
			out = append(out, fmt.Sprintf("No variant of this run revokes within %s (logout, p99).", human(th)))
			continue
		}
		slices.SortStableFunc(fit, func(a, b frontierPoint) int { return cmpFloat(a.CPU.Estimate, b.CPU.Estimate) })
		best := fit[0]
		s := fmt.Sprintf("To revoke within %s at the lowest cost on this machine, use %s (%s µs/request%s)",
			human(th), best.Variant, num(best.CPU.Estimate, 1), ratioWords(best.CPU.Estimate, refCPU, ref))
		if len(fit) > 1 && fit[1].CPU.Lo <= best.CPU.Hi {
			s += fmt.Sprintf("; %s (%s µs/request) is within its interval, so this run does not tell them apart", fit[1].Variant, num(fit[1].CPU.Estimate, 1))
		}
		out = append(out, s+".")
	}
	for _, p := range ps {
		if p.Violation {
			out = append(out, violationWords(p))
		}
	}
	return out
}

func ratioWords(x, ref float64, name string) string {
	if ref <= 0 || name == "" {
		return ""
	}
	return fmt.Sprintf(", %sx of %s", num(x/ref, 1), name)
}

func violationWords(p frontierPoint) string {
	q := p.Partition
	return fmt.Sprintf("BUG: %s, cut off from Redis, still accepted a revoked credential %s after revoke-user, past its stated bound of %s.",
		p.Variant, windowWords(q.LastAccepted), windowWords(q.Bound))
}

// windowWords writes a window to µs precision: "0", "850 µs", "3.2 ms".
func windowWords(d time.Duration) string {
	switch {
	case d <= 0:
		return "0"
	case d < time.Millisecond:
		return num(float64(d)/1e3, 0) + " µs"
	case d < time.Second:
		return num(float64(d)/1e6, 1) + " ms"
	}
	return human(d)
}

func (w windowStats) cells() []string {
	switch {
	case w.Stated != "" && w.Unrevocable:
		return []string{"never", "never", "never"}
	case w.Stated != "":
		s := "≤ " + human(w.StatedMax) + " (stated)"
		return []string{s, s, s}
	case w.N == 0 && w.Never > 0:
		return []string{"not refused", "not refused", "not refused"}
	case w.N == 0:
		return []string{"–", "–", "–"}
	}
	max := windowWords(w.Max)
	if w.Never > 0 {
		max = fmt.Sprintf("%d not refused", w.Never)
	}
	return []string{windowWords(w.P50), windowWords(w.P99), max}
}

func (p frontierPoint) partitionCell() string {
	q := p.Partition
	switch {
	case q == nil:
		return "no store"
	case q.Error != "":
		return "failed: " + q.Error
	case p.Violation:
		return fmt.Sprintf("⚠ BUG: accepted until %s, past its bound %s", windowWords(q.LastAccepted), windowWords(q.Bound))
	}
	var st []string
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range q.Statuses {
			if !yield(k) {
				return
			}
		}
	}) {
		st = append(st, fmt.Sprintf("%s×%d", k, q.Statuses[k]))
	}
	first := "none"
	if q.FirstRefused >= 0 {
		first = fmt.Sprintf("%d after %s", q.FirstStatus, windowWords(q.FirstRefused))
	}
	acc := "never"
	if q.LastAccepted >= 0 {
		acc = "until " + windowWords(q.LastAccepted)
	}
	return fmt.Sprintf("accepted %s, first refusal %s (%s over %s)", acc, first, strings.Join(st, ", "), human(q.Hold))
}

func (p frontierPoint) memoryCells() (redisCell, procCell string) {
	m := p.Memory
	if m == nil {
		return "–", "–"
	}
	redisCell = "0 (no store)"
	if m.RedisBytesPerUser != nil {
		redisCell = num(*m.RedisBytesPerUser, 0) + " B"
	}
	var ps []string
	for _, b := range m.ProcessBytesPerUser {
		ps = append(ps, num(b, 0)+" B")
	}
	procCell = strings.Join(ps, " / ")
	if procCell == "" {
		procCell = "–"
	}
	if m.Error != "" {
		procCell += " (" + m.Error + ")"
	}
	return redisCell, procCell
}

// frontierSection renders the points: a table, the words, the chart.
func frontierSection(s *Summary) (section, error) {
	r := s.R
	sec := section{ID: string(results.KindFrontier), Title: "Revocation frontier: what each revocation guarantee costs per request"}
	ps := frontierOf(r)
	t := table{
		Caption: "Per variant: marginal server+Redis CPU per request (95 % interval, the ends of the server's and Redis's intervals added), capacity per core, the revocation window under load (p50 / p99 / max over trials, every instance asked every poll), memory per logged-in user, and what an instance cut off from Redis answered after revoke-user.",
		Head: []string{"variant", "CPU µs/request", "capacity req/s/core", "refreshes/client/h", "logout p50", "p99", "max",
			"revoke-user p50", "p99", "max", "Redis/user", "process/user", "partition"},
	}
	for _, p := range ps {
		cpu := "–"
		if p.HasCPU {
			cpu = fmt.Sprintf("%s [%s, %s]", num(p.CPU.Estimate, 1), num(p.CPU.Lo, 1), num(p.CPU.Hi, 1))
		}
		capCell := "–"
		if p.Capacity != nil {
			capCell = num(p.Capacity.Estimate, 0)
		}
		rc, pc := p.memoryCells()
		row := append([]string{p.Variant, cpu, capCell, num(p.RefreshesPerHour, 0)}, p.Logout.cells()...)
		row = append(row, p.RevokeUser.cells()...)
		row = append(row, rc, pc, p.partitionCell())
		t.Rows = append(t.Rows, row)
		if p.Violation {
			sec.Warnings = append(sec.Warnings, violationWords(p))
		}
	}
	if q := r.Scenario.Frontier; q != nil {
		t.Notes = append(t.Notes, fmt.Sprintf("Trials ran on %d instances under a background load at %s of each variant's capacity per core; a bound longer than the %s timeout is stated, not waited for. A JWT client refreshes every half access TTL at %s requests/s, and those refreshes are in its cost.",
			q.Instances, num(100*q.LoadShare, 0)+" %", human(time.Duration(q.Timeout)), num(q.ClientRate, 1)))
	}
	sec.Tables = []table{t}
	sec.Findings = frontierWords(ps, "jwt")
	p, err := frontierChart(ps)
	charts, err := chartOf("frontier", "Revocation window (logout, p99; log scale, 0 at the left edge) against marginal server+Redis CPU per request, Pareto-optimal variants joined", p, err)
	if err != nil {
		return sec, err
	}
	sec.Charts = charts
	return sec, nil
}

// frontierFloor is where a window of 0 is drawn: a decade below the
// shortest positive window, at the left edge, labelled "0".
func frontierFloor(ps []frontierPoint) float64 {
	lo := math.Inf(1)
	for _, p := range ps {
		if x, ok := p.X(); ok && x > 0 {
			lo = min(lo, x.Seconds())
		}
	}
	if math.IsInf(lo, 1) {
		lo = 1e-3
	}
	return math.Pow(10, math.Floor(math.Log10(lo))-1)
}

// zeroLogTicks are log ticks whose first (the floor) reads "0".
type zeroLogTicks struct{ floor float64 }

func (z zeroLogTicks) Ticks(min, max float64) []plot.Tick {
	ts := []plot.Tick{{Value: z.floor, Label: "0"}}
	for _, t := range (plot.LogTicks{Prec: -1}).Ticks(min, max) {
		if t.Value <= z.floor*1.000001 {
			continue
		}
		if t.Label != "" {
			t.Label = tickWindow(t.Value)
		}
		ts = append(ts, t)
	}
	return ts
}

// tickWindow labels a decade of seconds: "100 µs", "10 ms", "1000 s".
func tickWindow(sec float64) string {
	switch {
	case sec < 1e-3:
		return num(sec*1e6, 0) + " µs"
	case sec < 1:
		return num(sec*1e3, 0) + " ms"
	}
	return num(sec, 0) + " s"
}

// frontierChart draws one point per variant with a window and a cost,
// whiskers for the cost's interval, the Pareto-optimal ones joined, a
// variant that broke its bound ringed in red. Nil when nothing to draw.
func frontierChart(ps []frontierPoint) (*plot.Plot, error) {
	floor := frontierFloor(ps)
	p := newPlot("", "revocation window after logout (p99)", "server+Redis µs per request")
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = zeroLogTicks{floor}
	var front plotter.XYs
	drawn, hi := 0, 0.0
	maxX := floor * 10
	for _, pt := range ps {
		d, ok := pt.X()
		if !ok || !pt.HasCPU {
			continue
		}
		x := max(d.Seconds(), floor)
		maxX = max(maxX, x)
		xy := plotter.XYs{{X: x, Y: pt.CPU.Estimate}}
		sc, err := plotter.NewScatter(xy)
		if err != nil {
			return nil, err
		}
		st := recordedStyle(pt.Colour, pt.Marker, pt.Variant)
		c := st.Colour
		sc.Color, sc.Shape, sc.Radius = c, st.Marker, vg.Points(4)
		eb, err := plotter.NewYErrorBars(yErrs{x: x, iv: pt.CPU})
		if err != nil {
			return nil, err
		}
		eb.Color = c
		p.Add(eb, sc)
		p.Legend.Add(pt.Variant, sc)
		if pt.Violation {
			ring, _ := plotter.NewScatter(xy)
			ring.Color, ring.Shape, ring.Radius = color.RGBA{R: 0xd0, A: 0xff}, draw.RingGlyph{}, vg.Points(8)
			p.Add(ring)
		}
		if pt.Pareto {
			front = append(front, xy[0])
		}
		hi = max(hi, pt.CPU.Hi)
		drawn++
	}
	if drawn == 0 {
		return nil, nil
	}
	slices.SortFunc(front, func(a, b plotter.XY) int { return cmpFloat(a.X, b.X) })
	if len(front) > 1 {
		l, err := plotter.NewLine(front)
		if err != nil {
			return nil, err
		}
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		p.Add(l)
		p.Legend.Add("Pareto-optimal", l)
	}
	p.X.Min = floor
	p.X.Max = math.Pow(10, math.Ceil(math.Log10(maxX*1.5)))
	headroom(p, hi)
	p.Legend.Top, p.Legend.Left = true, false
	return p, nil
}

// yErrs is one point's interval, as plotter.YErrorBars reads it.
type yErrs struct {
	x  float64
	iv results.Interval
}

func (e yErrs) Len() int                  { return 1 }
func (e yErrs) XY(int) (float64, float64) { return e.x, e.iv.Estimate }
func (e yErrs) YError(int) (low, high float64) {
	return e.iv.Estimate - e.iv.Lo, e.iv.Hi - e.iv.Estimate
}

// frontierReport is how a frontier run is reported.
var frontierReport = kindReport{
	section: frontierSection,
	line: func(q results.Scenario) string {
		f := q.Frontier
		if f == nil {
			return ""
		}
		return fmt.Sprintf("Frontier: cost curve, then %s per action on %s under %s of capacity, asked every %s; memory over %s; partition held %s.",
			plural(f.Trials, "trial"), plural(f.Instances, "instance"), num(100*f.LoadShare, 0)+" %", time.Duration(f.Poll),
			plural(f.MemoryLogins, "login"), human(time.Duration(f.PartitionHold)))
	},
}
