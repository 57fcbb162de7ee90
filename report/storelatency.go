package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/plot"

	"github.com/authbench/authbench/results"
)

// latencyCell is one variant's figures at one added store latency.
type latencyCell struct {
	added time.Duration
	// held are the fixed-rate steps by rate.
	held map[float64]Point
	// max is the max-rate search result over repetitions.
	max VariantSummary
}

// latencyCells groups v's steps and max-rate results by added latency,
// ascending; added lists every latency of the run.
func latencyCells(v results.VariantResult, added []time.Duration) []latencyCell {
	stateful := factsOf(v).Stateful
	var out []latencyCell
	for _, d := range added {
		c := latencyCell{added: d, held: map[float64]Point{}}
		by := map[float64][]results.Step{}
		for _, st := range v.Steps {
			if st.Kind == "rate" && st.AddedLatency == d {
				by[st.Rate] = append(by[st.Rate], st)
			}
		}
		for rate, steps := range by {
			c.held[rate] = merge(steps, stateful)
		}
		var rates []float64
		for _, m := range v.MaxRate {
			if m.AddedLatency != d {
				continue
			}
			rates = append(rates, m.Rate)
			c.max.MaxRateBound = c.max.MaxRateBound || m.GeneratorBound
			c.max.MaxRateOpen = c.max.MaxRateOpen || (m.FailedAt == 0 && m.Rate > 0)
		}
		c.max.MaxRate = statOf(rates)
		out = append(out, c)
	}
	return out
}

// addedLatencies is the sorted set of added latencies in r's steps and
// max-rate results.
func addedLatencies(r *results.Results) []time.Duration {
	var out []time.Duration
	add := func(d time.Duration) {
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	for _, v := range r.Variants {
		for _, st := range v.Steps {
			add(st.AddedLatency)
		}
		for _, m := range v.MaxRate {
			add(m.AddedLatency)
		}
	}
	slices.Sort(out)
	return out
}

// storeLatencySection: what a network hop between the servers and Redis
// costs each variant, in latency and in capacity.
func storeLatencySection(s *Summary) (section, error) {
	r := s.R
	sec := section{ID: string(results.KindStoreLatency), Title: "Store latency: Redis across a network"}
	added := addedLatencies(r)
	rates := heldRates(r)
	search := false
	for _, v := range r.Variants {
		search = search || len(v.MaxRate) > 0
	}
	t := table{
		Caption: "p50 / p99 latency of all requests (ms) and max sustainable rate, per added store round trip (median (min–max) over repetitions).",
		Head:    []string{"variant", "added store RTT"},
	}
	for _, rate := range rates {
		t.Head = append(t.Head, "p50 / p99 ms at "+num(rate, 0)+" req/s")
	}
	if search {
		t.Head = append(t.Head, "max rate under SLO (req/s)")
	}
	cells := map[string][]latencyCell{}
	bound := false
	for _, v := range r.Variants {
		cs := latencyCells(v, added)
		cells[v.Label()] = cs
		for _, c := range cs {
			row := []string{v.Label(), "+" + c.added.String()}
			for _, rate := range rates {
				cell := "—"
				if p, ok := c.held[rate]; ok {
					cell = latCell(p, &bound)
				}
				row = append(row, cell)
			}
			if search {
				row = append(row, maxRateCell(c.max))
			}
			t.Rows = append(t.Rows, row)
		}
	}
	if bound {
		t.Notes = append(t.Notes, "†: includes a generator-bound step: the load generator, not the server, limited it.")
	}
	if q := r.Scenario.Search; q != nil {
		t.Notes = append(t.Notes, fmt.Sprintf("max rate: the highest probed rate with p99 ≤ %s and errors ≤ %s%%; ≥ when no probe failed.", time.Duration(q.SLO.P99), num(100*q.SLO.ErrorRate, 2)))
	}
	sec.Tables = append(sec.Tables, t)
	rtt, measured := proxyTable(r.StoreProxy)
	if len(rtt.Rows) > 0 {
		sec.Tables = append(sec.Tables, rtt)
	}

	// The proxy's own cost comes first: it is in every row, "+0s" too.
	switch p := r.StoreProxy; {
	case p == nil:
		sec.Warnings = append(sec.Warnings, "results.json describes no store proxy: nothing says the added latencies were applied, nor what the proxy itself costs.")
	case p.DirectRTT <= 0 || p.ProxiedRTT <= 0:
		sec.Findings = append(sec.Findings, fmt.Sprintf("Every pass, +0s included, reached Redis through %s; its own cost per round trip was not measured (see the notes), so the +0s row is not a direct connection's figure.", p.Version))
	default:
		f := fmt.Sprintf("Every pass, +0s included, reached Redis through %s, which by itself makes a Redis GET take %s instead of %s (%s µs per round trip): the +0s row is not a direct connection's figure, and the added latencies come on top of it",
			p.Version, fmtRTT(p.ProxiedRTT), fmtRTT(p.DirectRTT), signed(float64(p.ProxiedRTT-p.DirectRTT)/1e3, 0))
		if len(measured) > 0 {
			f += "; measured at each setting, a GET through it took " + strings.Join(measured, ", ")
		}
		sec.Findings = append(sec.Findings, f+".")
	}
	if len(added) >= 2 {
		lo, hi := added[0], added[len(added)-1]
		if len(rates) > 0 {
			sec.Findings = append(sec.Findings, latencyFindings(r, cells, rates[len(rates)-1], lo, hi)...)
		}
		if search {
			if f := capacityFinding(r, cells, lo, hi); f != "" {
				sec.Findings = append(sec.Findings, f)
			}
		}
	}

	if len(rates) > 0 {
		rate := rates[len(rates)-1]
		title := "p99 latency against added store round trip, at " + num(rate, 0) + " req/s (median over repetitions)"
		p, err := latencyChart(r, cells, rate)
		cs, err := chartOf("store-latency-p99", title, p, err)
		if err != nil {
			return sec, err
		}
		sec.Charts = append(sec.Charts, cs...)
	}
	if search {
		title := "Max sustainable rate against added store round trip (median over repetitions)"
		p, err := capacityChart(r, cells)
		cs, err := chartOf("store-latency-max-rate", title, p, err)
		if err != nil {
			return sec, err
		}
		sec.Charts = append(sec.Charts, cs...)
	}
	return sec, nil
}

// proxyTable is the Redis GET round trip measured through the proxy at
// each added latency as each pass began (median over passes), and what
// was added in fact over the +0s setting; the clauses are the same
// figures for the findings ("5.21 ms at +5ms").
func proxyTable(p *results.StoreProxyInfo) (table, []string) {
	t := table{
		Caption: "What the proxy added: a Redis GET's round trip through it and direct, measured as each pass began (µs, median (min–max) over passes).",
		Head:    []string{"added (setting)", "GET through the proxy", "GET direct", "added in fact over +0s"},
	}
	if p == nil {
		return t, nil
	}
	through, direct := map[time.Duration][]float64{}, map[time.Duration][]float64{}
	var added []time.Duration
	for _, m := range p.RTTs {
		if _, ok := through[m.Added]; !ok {
			added = append(added, m.Added)
		}
		through[m.Added] = append(through[m.Added], float64(m.ProxiedRTT)/1e3)
		direct[m.Added] = append(direct[m.Added], float64(m.DirectRTT)/1e3)
	}
	slices.Sort(added)
	var clauses []string
	base, hasBase := statOf(through[0]), len(through[0]) > 0
	for _, d := range added {
		st := statOf(through[d])
		inFact := "—"
		if hasBase && d > 0 {
			inFact = signed(st.Median-base.Median, 0) + " µs"
		}
		t.Rows = append(t.Rows, []string{"+" + d.String(), st.Format(1), statOf(direct[d]).Format(1), inFact})
		clauses = append(clauses, secondsCell(Stat{Median: st.Median / 1e6, Min: st.Median / 1e6, Max: st.Median / 1e6, N: 1})+" at +"+d.String())
	}
	return t, clauses
}

// fmtRTT writes a round trip in µs with one decimal.
func fmtRTT(d time.Duration) string { return num(float64(d)/1e3, 1) + " µs" }

// latencyFindings says how much each variant's p99 at rate rose per
// added millisecond, and which variants stayed flat.
func latencyFindings(r *results.Results, cells map[string][]latencyCell, rate float64, lo, hi time.Duration) []string {
	span := ms(hi - lo)
	var rising, flat, parts []string
	stateless := true
	for _, v := range r.Variants {
		var a, b, a50, b50 Stat
		for _, c := range cells[v.Label()] {
			if p, ok := c.held[rate]; ok && c.added == lo {
				a, a50 = p.P99, p.P50
			}
			if p, ok := c.held[rate]; ok && c.added == hi {
				b, b50 = p.P99, p.P50
			}
		}
		if !a.Ok() || !b.Ok() || !a50.Ok() || !b50.Ok() {
			continue
		}
		d50 := b50.Median - a50.Median
		parts = append(parts, fmt.Sprintf("%s p50 %s → %s ms (%s ms per added ms)%s, p99 %s → %s ms%s", v.Label(),
			num(a50.Median, 2), num(b50.Median, 2), signed(d50/span, 2), spreadNote(b50, a50), num(a.Median, 2), num(b.Median, 2), spreadNote(b, a)))
		// Flat: the median request paid under a quarter of the added
		// round trip, or no more than the run's own spread. The median,
		// not the tail: p99 on a shared machine moves by milliseconds
		// on its own, while every request of a variant that asks Redis
		// pays the round trip.
		if d50 < span/4 || (a50.Spread() && b50.Spread() && !a50.Disjoint(b50)) {
			flat = append(flat, v.Label())
			f := factsOf(v)
			stateless = stateless && f.Known && !f.Stateful
		} else {
			rising = append(rising, v.Label())
		}
	}
	if len(parts) == 0 {
		return nil
	}
	out := []string{fmt.Sprintf("From +%s to +%s added round trip, at %s req/s: %s.", lo, hi, num(rate, 0), strings.Join(parts, "; "))}
	switch {
	case len(rising) > 0 && len(flat) > 0:
		why := ""
		if stateless {
			why = ": it never asks Redis"
			if len(flat) > 1 {
				why = ": they never ask Redis"
			}
		}
		its := "its"
		if len(rising) > 1 {
			its = "their"
		}
		out = append(out, fmt.Sprintf("%s paid the added round trip in %s requests' latency, while %s stayed flat%s.", sentence(rising), its, sentence(flat), why))
	case len(rising) > 0:
		out = append(out, fmt.Sprintf("Every variant measured (%s) paid the added round trip in its requests' latency.", sentence(rising)))
	default:
		out = append(out, fmt.Sprintf("No variant's median latency rose by more than a quarter of the added round trip (%s): at this rate the store's latency did not show.", sentence(flat)))
	}
	return out
}

// capacityFinding says how each variant's max sustainable rate changed
// per added millisecond.
func capacityFinding(r *results.Results, cells map[string][]latencyCell, lo, hi time.Duration) string {
	span := ms(hi - lo)
	var parts []string
	for _, v := range r.Variants {
		var a, b Stat
		for _, c := range cells[v.Label()] {
			if c.added == lo {
				a = c.max.MaxRate
			}
			if c.added == hi {
				b = c.max.MaxRate
			}
		}
		if !a.Ok() || !b.Ok() {
			continue
		}
		d := b.Median - a.Median
		rel := ""
		if a.Median > 0 {
			rel = ", " + signed(100*d/a.Median, 0) + "%"
		}
		parts = append(parts, fmt.Sprintf("%s %s → %s req/s (%s req/s per added ms%s)%s", v.Label(), num(a.Median, 0), num(b.Median, 0), signed(d/span, 0), rel, spreadNote(b, a)))
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("Max sustainable rate from +%s to +%s: %s.", lo, hi, strings.Join(parts, "; "))
}

// latencyChart: p99 at rate against added latency, one line per variant.
func latencyChart(r *results.Results, cells map[string][]latencyCell, rate float64) (*plot.Plot, error) {
	p := newPlot("p99 at "+num(rate, 0)+" req/s against added store round trip", "added store round trip (ms)", "p99 latency (ms)")
	return variantLines(p, r, func(v results.VariantResult) (w whiskers) {
		for _, c := range cells[v.Label()] {
			if pt, ok := c.held[rate]; ok && pt.P99.Ok() {
				w.add(ms(c.added), pt.P99)
			}
		}
		return w
	})
}

// capacityChart: max sustainable rate against added latency.
func capacityChart(r *results.Results, cells map[string][]latencyCell) (*plot.Plot, error) {
	p := newPlot("Max sustainable rate against added store round trip", "added store round trip (ms)", "max rate (req/s)")
	return variantLines(p, r, func(v results.VariantResult) (w whiskers) {
		for _, c := range cells[v.Label()] {
			if c.max.MaxRate.Ok() {
				w.add(ms(c.added), c.max.MaxRate)
			}
		}
		return w
	})
}

// storeLatencyReport is how a store-latency run is reported: its steps
// vary by the round trip added in front of Redis.
var storeLatencyReport = kindReport{
	section: storeLatencySection,
	line: func(sc results.Scenario) string {
		if sc.StoreLatency == nil {
			return ""
		}
		var ds []string
		for _, d := range sc.StoreLatency.Added {
			ds = append(ds, "+"+time.Duration(d).String())
		}
		return " Store latency: every step is repeated with " + strings.Join(ds, ", ") + " added to each round trip between the servers and Redis."
	},
	dim: &dimension{
		head:      "added store RTT",
		value:     func(st results.Step) string { return "+" + st.AddedLatency.String() },
		order:     func(st results.Step) float64 { return float64(st.AddedLatency) },
		condition: func(added time.Duration, _ int) string { return " at +" + added.String() + " store latency" },
		baseline:  lowestAddedLatency,
	},
}

// lowestAddedLatency keeps the steps at the smallest added latency.
func lowestAddedLatency(r *results.Results) (func(time.Duration, int) bool, string) {
	lo, ok := time.Duration(0), false
	for _, v := range r.Variants {
		for _, st := range v.Steps {
			if !ok || st.AddedLatency < lo {
				lo, ok = st.AddedLatency, true
			}
		}
	}
	if !ok {
		return func(time.Duration, int) bool { return true }, ""
	}
	return func(d time.Duration, _ int) bool { return d == lo }, "+" + lo.String() + " added store latency"
}
