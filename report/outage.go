package report

import (
	"fmt"
	"image/color"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"github.com/authbench/authbench/results"
)

// outageRun is one outage step with what the step recorded.
type outageRun struct {
	o      results.OutageResult
	step   *results.Step
	outage *results.Phase // the "outage" phase; nil when not recorded
}

// outageGroup is a variant's outage steps at one rate.
type outageGroup struct {
	v    results.VariantResult
	rate float64
	runs []outageRun
}

// outageGroups groups every variant's outages by the rate of their step.
func outageGroups(r *results.Results) []outageGroup {
	var out []outageGroup
	for _, v := range r.Variants {
		by := map[float64][]outageRun{}
		for _, o := range v.Outages {
			st := stepOf(v, o.Step)
			if st == nil {
				continue // Load rejects this; kept safe for Render on unchecked input
			}
			by[st.Rate] = append(by[st.Rate], outageRun{o: o, step: st, outage: phaseOf(st, "outage")})
		}
		for _, rate := range slices.Sorted(maps.Keys(by)) {
			out = append(out, outageGroup{v: v, rate: rate, runs: by[rate]})
		}
	}
	return out
}

// statusName is how a status code reads in the breakdown.
func statusName(code string) string {
	if code == "0" {
		return "no response"
	}
	return code
}

// outageSection: what clients saw while Redis was unreachable, how soon
// each variant recovered, and whether its servers survived.
func outageSection(s *Summary) (section, error) {
	r := s.R
	sec := section{ID: string(results.KindStoreOutage), Title: "Store outage: Redis unreachable under load"}
	window := "the outage"
	if q := r.Scenario.Outage; q != nil {
		window = "the " + time.Duration(q.Window).String() + " outage"
	}
	groups := outageGroups(r)
	clients := table{
		Caption: "What clients saw during " + window + " and after Redis was restored (median (min–max) over repetitions).",
		Head: []string{"variant", "offered req/s", "requests during outage", "status codes during outage (share)",
			"errors during outage", "unchecked 2xx", "first 2xx after restore", "no failures after"},
		Notes: []string{
			"unchecked 2xx: requests started after the cut and answered with a 2xx before the restore by a variant that needs Redis, i.e. let through without their store check. Fail-closed means 0.",
			"first 2xx: from the restore to the first successful answer to a request started after it; no failures after: from the restore until no request failed with a 5xx or without a response.",
		},
	}
	health := table{
		Caption: "Did the servers survive? Goroutines summed over the variant's processes, taken with the servers quiet, before and after each outage step.",
		Head:    []string{"variant", "offered req/s", "repetition", "alive", "restarted", "goroutines before → after", "leaked"},
	}
	type errRate struct {
		label, mostly string
		ratio         Stat
		usesStore     bool
	}
	var errs []errRate
	var firsts, steadies []string
	var failOpen, checked []string
	healthy, measuredHealth := true, false
	for _, g := range groups {
		label := g.v.Label()
		var reqs, errRatio, unchecked []float64
		var first, steady []time.Duration
		shares := map[string][]float64{}
		usesStore := false
		for _, run := range g.runs {
			usesStore = usesStore || run.o.UsesStore
			first, steady = append(first, run.o.FirstSuccess), append(steady, run.o.Steady)
			unchecked = append(unchecked, float64(run.o.Unchecked))
			if len(run.o.Timeline) == 0 {
				sec.Warnings = append(sec.Warnings, fmt.Sprintf("%s at %s req/s, repetition %d: the outage was not applied (no cut or no restore recorded); its figures are not an outage's.", label, num(g.rate, 0), run.step.Repetition))
			}
			if run.o.UsesStore && run.o.Unchecked > 0 {
				sec.Warnings = append(sec.Warnings, fmt.Sprintf("FAIL-OPEN: %s answered %d request(s) with a 2xx while Redis was unreachable (%s req/s, repetition %d): requests let through without their store check.", label, run.o.Unchecked, num(g.rate, 0), run.step.Repetition))
			}
			if ph := run.outage; ph != nil {
				reqs = append(reqs, float64(ph.All.Requests))
				errRatio = append(errRatio, 1-ph.All.Success)
				for code := range ph.All.StatusCodes {
					if _, ok := shares[code]; !ok {
						shares[code] = nil
					}
				}
			}
			h := run.o.Health
			cells := healthCells(h, s.R.Applied().LeakTolerance)
			health.Rows = append(health.Rows, append([]string{label, num(g.rate, 0), strconv.Itoa(run.step.Repetition)}, cells...))
			measuredHealth = measuredHealth || h.Measured
			switch {
			case !h.Alive:
				healthy = false
				sec.Warnings = append(sec.Warnings, fmt.Sprintf("A %s server process did not survive the outage step (%s req/s, repetition %d)%s.", label, num(g.rate, 0), run.step.Repetition, noteSuffix(h.Note)))
			case h.Restarted:
				healthy = false
				sec.Warnings = append(sec.Warnings, fmt.Sprintf("A %s server answered with another process ID after the outage step (%s req/s, repetition %d): it restarted.", label, num(g.rate, 0), run.step.Repetition))
			case h.Leaked:
				healthy = false
				sec.Warnings = append(sec.Warnings, fmt.Sprintf("%s leaked goroutines in the outage step (%s req/s, repetition %d): %d before, %d after, more than %d apart.", label, num(g.rate, 0), run.step.Repetition, h.GoroutinesBefore, h.GoroutinesAfter, s.R.Applied().LeakTolerance))
			}
		}
		// A code absent from one repetition had a 0% share there.
		for _, run := range g.runs {
			if ph := run.outage; ph != nil && ph.All.Requests > 0 {
				for code := range shares {
					shares[code] = append(shares[code], float64(ph.All.StatusCodes[code])/float64(ph.All.Requests))
				}
			}
		}
		codes := slices.Sorted(maps.Keys(shares))
		slices.SortStableFunc(codes, func(a, b string) int {
			return cmpFloat(statOf(shares[b]).Median, statOf(shares[a]).Median)
		})
		var breakdown []string
		for _, c := range codes {
			breakdown = append(breakdown, statusName(c)+": "+pct(statOf(shares[c]), 1))
		}
		// Any unchecked request is a finding: the cell sums them rather
		// than taking a median that could hide one repetition's.
		uncheckedCell := "n/a (no store)"
		if usesStore {
			total, in := 0.0, 0
			for _, u := range unchecked {
				total += u
				if u > 0 {
					in++
				}
			}
			switch {
			case total > 0:
				uncheckedCell = fmt.Sprintf("⚠ %s FAIL-OPEN (in %d of %d)", num(total, 0), in, len(unchecked))
				failOpen = append(failOpen, label)
			case len(unchecked) > 1:
				uncheckedCell = fmt.Sprintf("0 (all %d)", len(unchecked))
				checked = append(checked, label)
			default:
				uncheckedCell = "0"
				checked = append(checked, label)
			}
		}
		cellOr := func(c string) string {
			if c == "" {
				return "—"
			}
			return c
		}
		clients.Rows = append(clients.Rows, []string{label, num(g.rate, 0), statOf(reqs).Format(0), cellOr(strings.Join(breakdown, ", ")),
			pct(statOf(errRatio), 1), uncheckedCell, durCell(first, "never"), durCell(steady, "never")})
		mostly := ""
		if len(codes) > 0 && !strings.HasPrefix(codes[0], "2") && !strings.HasPrefix(codes[0], "3") {
			mostly = statusName(codes[0])
		}
		errs = append(errs, errRate{label: label, mostly: mostly, ratio: statOf(errRatio), usesStore: usesStore})
		firsts = append(firsts, label+" "+durCell(first, "never"))
		steadies = append(steadies, label+" "+durCell(steady, "never"))
	}
	sec.Tables = append(sec.Tables, clients, health)

	// Findings: fail-closed or not, what the outage looked like, recovery,
	// survival.
	if len(failOpen) > 0 {
		sec.Findings = append(sec.Findings, fmt.Sprintf("FAIL-OPEN: %s let requests through with a 2xx while the store that checks them was unreachable (see the warnings above).", sentence(failOpen)))
	}
	if len(checked) > 0 {
		sec.Findings = append(sec.Findings, fmt.Sprintf("Fail-closed: while Redis was unreachable, %s answered no request with a 2xx (unchecked: 0 in every repetition).", sentence(checked)))
	}
	var hurt, fine, storeless []string
	for _, e := range errs {
		if !e.ratio.Ok() {
			continue
		}
		c := fmt.Sprintf("%s %s", e.label, pct(e.ratio, 1))
		if e.mostly != "" {
			c += " (mostly " + e.mostly + ")"
		}
		if e.usesStore {
			hurt = append(hurt, c)
		} else {
			fine = append(fine, c)
			storeless = append(storeless, e.label)
		}
	}
	if len(hurt)+len(fine) > 0 {
		f := "During " + window + ", the share of requests answered with an error was: " + sentence(append(hurt, fine...))
		if len(fine) > 0 {
			verb := "never asks"
			if len(storeless) > 1 {
				verb = "never ask"
			}
			f += fmt.Sprintf("; %s %s Redis, so the outage does not reach it", sentence(storeless), verb)
		}
		sec.Findings = append(sec.Findings, f+".")
	}
	if len(firsts) > 0 {
		f := fmt.Sprintf("After the restore, the first 2xx came after: %s; the last failure ended after: %s", strings.Join(firsts, ", "), strings.Join(steadies, ", "))
		if strings.Contains(f, "never") {
			f += " (never: not before the step ended)"
		}
		sec.Findings = append(sec.Findings, f+".")
	}
	switch {
	case !healthy:
		sec.Findings = append(sec.Findings, "Not every server came through intact: see the warnings above and the health table.")
	case measuredHealth:
		sec.Findings = append(sec.Findings, fmt.Sprintf("Every server process survived: alive, not restarted, and its goroutines back within %d of before.", s.R.Applied().LeakTolerance))
	}

	title, p, err := timelineChart(groups)
	cs, err := chartOf("store-outage-timeline", title, p, err)
	if err != nil {
		return sec, err
	}
	sec.Charts = cs
	return sec, nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func noteSuffix(note string) string {
	if note == "" {
		return ""
	}
	return ": " + note
}

// healthCells are alive, restarted, goroutines and leaked for one step.
func healthCells(h results.ServerHealth, tolerance int) []string {
	alive := "yes"
	if !h.Alive {
		alive = "⚠ NO"
	}
	if !h.Measured {
		note := "not checked"
		if h.Note != "" {
			note += ": " + h.Note
		}
		return []string{alive, "—", note, "—"}
	}
	restarted := "no"
	if h.Restarted {
		restarted = "⚠ YES"
	}
	leaked := fmt.Sprintf("no (%s, tolerance %d)", signed(float64(h.GoroutinesAfter-h.GoroutinesBefore), 0), tolerance)
	if h.Leaked {
		leaked = fmt.Sprintf("⚠ YES (%s)", signed(float64(h.GoroutinesAfter-h.GoroutinesBefore), 0))
	}
	return []string{alive, restarted, fmt.Sprintf("%d → %d", h.GoroutinesBefore, h.GoroutinesAfter), leaked}
}

// unreachable shades the outage window on the timeline.
var unreachable = color.RGBA{R: 0xf2, G: 0xc4, B: 0xc4, A: 0xff}

// timelineChart: the share of requests answered OK per time slice, one
// line per variant at the highest rate (median over repetitions), with
// the window Redis was unreachable shaded.
func timelineChart(groups []outageGroup) (string, *plot.Plot, error) {
	top := map[string]outageGroup{}
	var order []results.VariantResult
	for _, g := range groups {
		if _, ok := top[g.v.Label()]; !ok {
			order = append(order, g.v)
		}
		if cur, ok := top[g.v.Label()]; !ok || g.rate > cur.rate {
			top[g.v.Label()] = g
		}
	}
	var rates []string
	var cuts, restores []float64
	type line struct {
		v   results.VariantResult
		xys plotter.XYs
	}
	var lines []line
	end := 0.0
	for _, v := range order {
		g := top[v.Label()]
		share := map[time.Duration][]float64{}
		for _, run := range g.runs {
			if len(run.o.Timeline) == 0 {
				continue
			}
			cuts, restores = append(cuts, run.o.CutAt.Seconds()), append(restores, run.o.RestoredAt.Seconds())
			for _, b := range run.o.Timeline {
				if b.Requests > 0 {
					share[b.Offset] = append(share[b.Offset], 100*float64(b.OK)/float64(b.Requests))
				}
			}
		}
		if len(share) == 0 {
			continue
		}
		var xys plotter.XYs
		for _, off := range slices.Sorted(maps.Keys(share)) {
			xys = append(xys, plotter.XY{X: off.Seconds(), Y: statOf(share[off]).Median})
			end = max(end, off.Seconds())
		}
		lines = append(lines, line{v, xys})
		if r := num(g.rate, 0); !slices.Contains(rates, r) {
			rates = append(rates, r)
		}
	}
	title := "Requests answered OK over time at " + strings.Join(rates, ", ") + " req/s (median over repetitions); Redis unreachable in the shaded span"
	if len(lines) == 0 {
		return title, nil, nil
	}
	p := newPlot("Share of requests answered OK over time", "time since the step started (s)", "answered OK (%)")
	cut, restore := statOf(cuts).Median, statOf(restores).Median
	title += fmt.Sprintf(", from %s s to %s s", num(cut, 2), num(restore, 2))
	shade, err := plotter.NewPolygon(plotter.XYs{{X: cut, Y: 0}, {X: restore, Y: 0}, {X: restore, Y: 110}, {X: cut, Y: 110}})
	if err != nil {
		return title, nil, err
	}
	shade.Color, shade.LineStyle.Width = unreachable, 0
	p.Add(shade)
	p.Legend.Add("Redis unreachable", shade)
	for _, l := range lines {
		// Dozens of slices: the line alone reads better than a dot on each.
		if err := addVariantLineDots(p, l.v, l.xys, false); err != nil {
			return title, nil, err
		}
	}
	p.X.Min, p.X.Max = 0, end
	p.Y.Min, p.Y.Max = 0, 110
	p.Legend.Top = false
	return title, p, nil
}

// outageReport is how a store-outage run is reported.
var outageReport = kindReport{
	section: outageSection,
	line: func(sc results.Scenario) string {
		q := sc.Outage
		if q == nil {
			return ""
		}
		return fmt.Sprintf(" Store outage: %s of load, then Redis unreachable for %s, then %s more with it restored; timeline in %s slices.", time.Duration(q.Before), time.Duration(q.Window), time.Duration(q.After), time.Duration(q.Bucket))
	},
	stepsNote: " Whole steps: the outage window is included.",
}
