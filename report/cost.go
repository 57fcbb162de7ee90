package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/authbench/authbench/results"
)

// This file renders a cost-curve run (schema v2, Results.Cost): the
// headline becomes the marginal cost, capacity and ratios of every
// variant, each with its confidence interval, and the sentences that
// say which differences the intervals support.

// v1Note is the line a schema v1 steady run gets near the top.
const v1Note = "This run predates schema v2: it has no cost curve (marginal CPU with confidence intervals, capacity, ratios to jwt, system-call breakdown); re-run with the current suite for those."

// atRateTitle heads the at-rate figures of a cost-curve run.
const atRateTitle = "At-rate figures (include idle wake-ups; see marginal cost above)"

// costDoc is the cost-curve part of a report.
type costDoc struct {
	// Headline is one row per variant; Findings the sentences under it.
	Headline table
	Findings []string
	// SaturationTitle heads Saturation, the closed-loop figures, and
	// SaturationFindings the sentences under it; an empty table when
	// the run had no closed-loop probe.
	SaturationTitle    string
	Saturation         table
	SaturationFindings []string
	// Explain breaks the cost down into system terms; ExplainFindings
	// say what each stateful variant pays over the reference.
	Explain         table
	ExplainFindings []string
	// RoutesTitle heads Routes, the latency of every route at the top
	// rate.
	RoutesTitle string
	Routes      table
	// Method is how the figures were obtained, then the analysis's notes.
	Method []string
}

// costReferences are the variants ratios are read against, in order of
// preference: the headline's ratio columns use the first one present.
var costReferences = []string{"jwt", "none"}

// costRef is the reference variant of ca's headline ratios, "" when the
// run has none of costReferences.
func costRef(ca *results.CostAnalysis) string {
	for _, ref := range costReferences {
		if costVariant(ca, ref) != nil {
			return ref
		}
	}
	return ""
}

// costVariant returns ca's entry for the variant label, or nil.
func costVariant(ca *results.CostAnalysis, label string) *results.VariantCost {
	for i := range ca.Variants {
		if ca.Variants[i].Variant == label {
			return &ca.Variants[i]
		}
	}
	return nil
}

// ratioTo returns v's ratios to ref, or nil.
func ratioTo(v results.VariantCost, ref string) *results.Ratio {
	for i := range v.Ratios {
		if v.Ratios[i].To == ref {
			return &v.Ratios[i]
		}
	}
	return nil
}

// levelText is the confidence level as the report writes it: "95 %".
func levelText(level float64) string {
	if !(level > 0 && level < 1) {
		level = 0.95
	}
	p := 100 * level
	prec := 0
	if p != math.Round(p) {
		prec = 1
	}
	return num(p, prec) + " %"
}

// span formats an interval's bounds as "1.31–1.55", or "-0.03 to 0.01"
// when a bound is negative (a dash would read as a minus).
func span(lo, hi float64, prec int) string {
	l, h := num(lo, prec), num(hi, prec)
	if strings.HasPrefix(l, "-") || strings.HasPrefix(h, "-") {
		return l + " to " + h
	}
	return l + "–" + h
}

// ivCell is an interval scaled by f: "24.1 [23.6–24.6]"; "—" for none.
func ivCell(iv *results.Interval, f float64, prec int) string {
	if iv == nil || iv.N == 0 {
		return "—"
	}
	return num(iv.Estimate*f, prec) + " [" + span(iv.Lo*f, iv.Hi*f, prec) + "]"
}

// ratioPrec is the precision a ratio interval is written with: 2
// decimals, 3 when a bound would round to 1.00 and so hide on which side
// of 1 it lies.
func ratioPrec(iv results.Interval) int {
	if num(iv.Lo, 2) == "1.00" || num(iv.Hi, 2) == "1.00" {
		return 3
	}
	return 2
}

// refRatioCells are v's cells for the ratios pick chooses of its ratios
// to ref: "1 (reference)" each for ref itself, "—" each when v has no
// ratio to ref.
func refRatioCells(v results.VariantCost, ref string, pick func(results.Ratio) []*results.Interval) []string {
	n := len(pick(results.Ratio{}))
	fill := func(s string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = s
		}
		return out
	}
	if v.Variant == ref {
		return fill("1 (reference)")
	}
	r := ratioTo(v, ref)
	if r == nil {
		return fill("—")
	}
	var out []string
	for _, iv := range pick(*r) {
		out = append(out, ratioCell(iv))
	}
	return out
}

// ratioCell is a ratio with its interval: "0.96 [0.912–1.007]".
func ratioCell(iv *results.Interval) string {
	if iv == nil || iv.N == 0 {
		return "—"
	}
	p := ratioPrec(*iv)
	return num(iv.Estimate, p) + " [" + span(iv.Lo, iv.Hi, p) + "]"
}

// capacityCell is a capacity figure with its qualifiers: "≥ 5918
// (gen-bound)" for a lower bound of which a failure was the generator's.
func capacityCell(c *results.CapacityResult, iv results.Interval) string {
	if c == nil || iv.N == 0 {
		return "—"
	}
	s := num(iv.Estimate, 0)
	if c.LowerBound {
		s = "≥ " + s
	}
	if c.GeneratorBound {
		s += " (gen-bound)"
	}
	return s
}

// latPair is "p50 / p99" in ms.
func latPair(l *results.Latency) string {
	if l == nil {
		return "—"
	}
	return num(ms(l.P50), 2) + " / " + num(ms(l.P99), 2)
}

// quotaText is "0.125 of a core", or what capacity ran against without
// a quota.
func quotaText(ca *results.CostAnalysis) string {
	if ca.Capacity == nil || ca.Capacity.Quota <= 0 {
		return "the whole server core (no quota)"
	}
	return num3(ca.Capacity.Quota) + " of a core"
}

// num3 writes a share with up to 3 decimals and no trailing zeros:
// 0.125, 0.5, 1.
func num3(v float64) string {
	return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64)
}

// rateList is "2000, 4000 and 7000".
func rateList(rates []float64) string {
	var s []string
	for _, r := range rates {
		s = append(s, num(r, 0))
	}
	return sentence(s)
}

// topRate is the rate the at-top figures were measured at, 0 if none.
func topRate(ca *results.CostAnalysis) float64 {
	top := 0.0
	for _, v := range ca.Variants {
		top = max(top, v.TopRate)
	}
	return top
}

// costDocument builds the cost part of s's report; nil without Cost.
func costDocument(s *Summary) *costDoc {
	ca := s.R.Cost
	if ca == nil {
		return nil
	}
	top := topRate(ca)
	return &costDoc{
		Headline:           costHeadline(ca, top),
		Findings:           costFindings(ca),
		SaturationTitle:    saturationTitle,
		Saturation:         saturationTable(ca),
		SaturationFindings: saturationFindings(ca),
		Explain:            explainTable(ca, top),
		ExplainFindings:    explainFindings(s.R, ca),
		RoutesTitle:        "Latency per route at " + num(top, 0) + " req/s",
		Routes:             routeTable(ca),
		Method:             costMethod(ca),
	}
}

// costHeadline is the headline cost table, one line per variant:
// capacity, marginal server CPU and their ratios to the reference, with
// the full table's caption and notes; costTable, with every cost figure,
// goes to the details.
func costHeadline(ca *results.CostAnalysis, top float64) table {
	full := costTable(ca, top)
	cols := []int{0, 1, 3}
	if costRef(ca) != "" {
		cols = append(cols, 7, 8)
	}
	t := table{Caption: full.Caption + " Every cost figure (per core, Redis, idle, latency) is in the details.", Notes: full.Notes}
	pick := func(row []string) []string {
		var out []string
		for _, c := range cols {
			out = append(out, row[c])
		}
		return out
	}
	t.Head = pick(full.Head)
	for _, r := range full.Rows {
		t.Rows = append(t.Rows, pick(r))
	}
	return t
}

// costTable is every cost figure per variant: capacity under the quota
// and per core, marginal server and Redis CPU, idle CPU, GET /api/me
// latency at the top rate, and the ratios to the reference.
func costTable(ca *results.CostAnalysis, top float64) table {
	ref := costRef(ca)
	lv := levelText(ca.Level)
	t := table{Head: []string{"variant", "capacity req/s under " + quotaText(ca), "capacity per core req/s",
		"marginal server µs/req [" + lv + " CI]", "marginal Redis µs/req [" + lv + " CI]", "idle server CPU % of a core",
		"GET /api/me p50 / p99 ms at " + num(top, 0) + " req/s"}}
	if ref != "" {
		t.Head = append(t.Head, "capacity ÷ "+ref+" ["+lv+" CI]", "marginal CPU ÷ "+ref+" ["+lv+" CI]")
	}
	lower, gen := false, false
	for _, v := range ca.Variants {
		capCell, perCore := "—", "—"
		if c := v.Capacity; c != nil {
			capCell, perCore = capacityCell(c, c.Rate), capacityCell(&results.CapacityResult{LowerBound: c.LowerBound}, c.PerCore)
			lower, gen = lower || c.LowerBound, gen || c.GeneratorBound
		}
		idle := "—"
		if v.ServerIdle != nil && v.ServerIdle.N > 0 {
			idle = num(100*v.ServerIdle.Estimate, 1)
		}
		row := []string{v.Variant, capCell, perCore, ivCell(v.ServerMarginal, 1e6, 1), ivCell(v.RedisMarginal, 1e6, 2), idle, latPair(v.Me)}
		if ref != "" {
			row = append(row, refRatioCells(v, ref, func(r results.Ratio) []*results.Interval { return []*results.Interval{r.Capacity, r.Marginal} })...)
		}
		t.Rows = append(t.Rows, row)
	}
	fit := "the highest rates"
	if len(ca.FitRates) > 0 {
		fit = rateList(ca.FitRates) + " req/s"
	}
	t.Caption = fmt.Sprintf("Cost per variant from the cost curve (%s). Marginal CPU: the slope of CPU-seconds per second over the achieved rate at %s, with its %s confidence interval; idle: the line's intercept. Capacity: the highest rate meeting the SLO with the server held to %s, mean over rounds; per core: capacity ÷ the quota.",
		plural(ca.Rounds, "round"), fit, lv, quotaText(ca))
	if lower {
		t.Notes = append(t.Notes, "≥: a lower bound: in some round the highest probe passed, or the failing probe ran out of generator, not server.")
	}
	if gen {
		t.Notes = append(t.Notes, "(gen-bound): a failing probe was the load generator's limit, not the server's.")
	}
	if ref != "" {
		t.Notes = append(t.Notes, fmt.Sprintf("÷ %s: paired by round; a difference is significant only when the %s CI excludes 1.", ref, lv))
	}
	return t
}

// ratioSentence says whether a ratio's interval supports a difference:
// "session: marginal server CPU 1.42× jwt (95 % CI 1.31–1.55):
// significant" or "… (95 % CI 0.97–1.09, includes 1): no difference
// measured".
func ratioSentence(variant, what, ref string, iv results.Interval, level float64) string {
	p := ratioPrec(iv)
	s := fmt.Sprintf("%s: %s %s× %s (%s CI %s", variant, what, num(iv.Estimate, p), ref, levelText(level), span(iv.Lo, iv.Hi, p))
	if iv.Excludes(1) {
		return s + "): significant"
	}
	return s + ", includes 1): no difference measured"
}

// boundClause qualifies a capacity ratio when either capacity is a
// lower bound; "" when neither is.
func boundClause(v, ref results.VariantCost) string {
	vl := v.Capacity != nil && v.Capacity.LowerBound
	rl := ref.Capacity != nil && ref.Capacity.LowerBound
	switch {
	case vl && rl:
		return "; both capacities are lower bounds, so the ratio is bounded neither way"
	case vl:
		return "; " + v.Variant + "'s capacity is a lower bound, so the ratio is at least this"
	case rl:
		return "; " + ref.Variant + "'s capacity is a lower bound, so the ratio is at most this"
	}
	return ""
}

// costFindings are the sentences under the cost table: every variant's
// ratios to the reference and whether their intervals support a
// difference, then what qualifies a figure (a bending curve, a capacity
// that is only a lower bound, probes that failed for no server reason).
func costFindings(ca *results.CostAnalysis) []string {
	var out []string
	ref := costRef(ca)
	if rv := costVariant(ca, ref); rv != nil {
		for _, v := range ca.Variants {
			if v.Variant == ref {
				continue
			}
			r := ratioTo(v, ref)
			if r == nil {
				continue
			}
			if r.Marginal != nil && r.Marginal.N > 0 {
				out = append(out, ratioSentence(v.Variant, "marginal server CPU", ref, *r.Marginal, ca.Level)+".")
			}
			if r.Capacity != nil && r.Capacity.N > 0 {
				out = append(out, ratioSentence(v.Variant, "capacity", ref, *r.Capacity, ca.Level)+boundClause(v, *rv)+".")
			}
		}
	}
	for _, v := range ca.Variants {
		out = append(out, variantCaveats(v, ca.FitRates)...)
	}
	return out
}

// variantCaveats are the notes a variant's figures need.
func variantCaveats(v results.VariantCost, fitRates []float64) []string {
	var out []string
	if v.Error != "" {
		out = append(out, v.Variant+": no cost figures: "+v.Error+".")
	}
	if f := v.Fit; f != nil && f.Bends {
		over := "the fitted rates"
		if len(fitRates) > 1 {
			over = num(slices.Min(fitRates), 0) + "–" + num(slices.Max(fitRates), 0) + " req/s"
		}
		out = append(out, fmt.Sprintf("%s: server CPU over rate bends (curvature %s %%, R² %s): its marginal CPU is the average slope over %s, not one constant cost per request.",
			v.Variant, signed(100*f.Curvature, 0), num(f.R2, 3), over))
	}
	if c := v.Capacity; c != nil {
		if c.LowerBound {
			var open, gen []string
			for _, r := range c.Rounds {
				switch {
				case r.GeneratorBound:
					gen = append(gen, strconv.Itoa(r.Round))
				case r.FailedAt == 0:
					open = append(open, strconv.Itoa(r.Round))
				}
			}
			var why []string
			if len(open) > 0 {
				why = append(why, "in "+roundsText(open)+" even the highest probe passed")
			}
			if len(gen) > 0 {
				why = append(why, "in "+roundsText(gen)+" the failing probe ran out of generator, not server")
			}
			s := fmt.Sprintf("%s: capacity is a lower bound (≥ %s req/s)", v.Variant, num(c.Rate.Estimate, 0))
			if len(why) > 0 {
				s += ": " + sentence(why)
			}
			out = append(out, s+".")
		}
		if c.NotFound > 0 {
			pron := "they are"
			if c.NotFound == 1 {
				pron = "it is"
			}
			out = append(out, fmt.Sprintf("%s: in %s the capacity search found no passing rate within its probes; %s left out of the capacity figure.",
				v.Variant, plural(c.NotFound, "round"), pron))
		}
		if c.Unexplained > 0 {
			out = append(out, fmt.Sprintf("%s: %s failed with neither process busy: not a server limit (each was probed again).", v.Variant, plural(c.Unexplained, "probe")))
		}
		if u := c.QuotaUse; u != nil && u.N > 0 && c.Bursts > 0 {
			// Only where it explains something: a capacity below the
			// quota's saturated throughput because of bursts.
			out = append(out, fmt.Sprintf("%s: at its capacity the server used %s %% of its quota on average; %d of its %s ran out of the quota in bursts (throttled in ≥ %s %% of its CFS periods while below 85 %% of the quota on average): open-loop work arrives unevenly, so the SLO capacity sits below what the quota serves saturated.",
				v.Variant, ivCell(u, 100, 0), c.Bursts, plural(c.Failed, "failing probe"), num(100*results.BurstThrottled, 0)))
		}
	}
	return out
}

// roundsText is "round 2" or "rounds 2 and 4".
func roundsText(rounds []string) string {
	if len(rounds) == 1 {
		return "round " + rounds[0]
	}
	return "rounds " + sentence(rounds)
}

// explainTable is what a request costs in system terms at the top rate.
func explainTable(ca *results.CostAnalysis, top float64) table {
	t := table{
		Caption: fmt.Sprintf("Per request at %s req/s, over every round's step at that rate (server system calls from /proc/<pid>/io, context switches summed over its threads, Redis commands from INFO commandstats).", num(top, 0)),
		Head:    []string{"variant", "system calls/req (read + write)", "context switches/req", "Redis commands/req", "server bytes/req", "credential B/req"},
	}
	for _, v := range ca.Variants {
		e := v.Explain
		if e == nil {
			t.Rows = append(t.Rows, []string{v.Variant, "—", "—", "—", "—", "—"})
			continue
		}
		t.Rows = append(t.Rows, []string{v.Variant,
			num(e.ReadSyscalls+e.WriteSyscalls, 2) + " (" + num(e.ReadSyscalls, 2) + " + " + num(e.WriteSyscalls, 2) + ")",
			num(e.ContextSwitches, 2), num(e.RedisCommands, 2), num(e.ServerBytes, 0), num(e.CredentialBytes, 0)})
	}
	t.Notes = append(t.Notes, "server bytes: read and written through system calls (rchar + wchar): the HTTP exchange and, for the stateful variants, the Redis one.")
	return t
}

// explainFindings compare every stateful variant with the reference in
// the figures both have: "session pays 1.08 Redis round trips per
// request ≈ +2.16 system calls and +1.04 context switches, and +14.4 µs
// marginal server CPU (…) over jwt."
func explainFindings(r *results.Results, ca *results.CostAnalysis) []string {
	ref := costRef(ca)
	rv := costVariant(ca, ref)
	if rv == nil {
		return nil
	}
	var out []string
	for _, v := range ca.Variants {
		if v.Variant == ref || !factsNamed(r, v.Variant).Stateful {
			continue
		}
		if s := explainSentence(v, *rv, ca.Level); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// explainSentence is one of explainFindings, from only the figures
// present; "" when there are none to compare.
func explainSentence(v, ref results.VariantCost, level float64) string {
	var sys []string
	trips := 0.0
	if e, b := v.Explain, ref.Explain; e != nil && b != nil {
		trips = e.RedisCommands - b.RedisCommands
		sys = append(sys, signed(e.ReadSyscalls+e.WriteSyscalls-b.ReadSyscalls-b.WriteSyscalls, 2)+" system calls",
			signed(e.ContextSwitches-b.ContextSwitches, 2)+" context switches")
	}
	var cpu, plus []string
	if a, b := v.ServerMarginal, ref.ServerMarginal; a != nil && b != nil && a.N > 0 && b.N > 0 {
		c := signed(1e6*(a.Estimate-b.Estimate), 1) + " µs marginal server CPU"
		if r := ratioTo(v, ref.Variant); r != nil && r.Marginal != nil && r.Marginal.N > 0 {
			iv := *r.Marginal
			p := ratioPrec(iv)
			c += fmt.Sprintf(" (%s× %s, %s CI %s", num(iv.Estimate, p), ref.Variant, levelText(level), span(iv.Lo, iv.Hi, p))
			if !iv.Excludes(1) {
				c += ": no difference measured"
			}
			c += ")"
		}
		cpu = append(cpu, c)
	}
	if a := v.RedisMarginal; a != nil && a.N > 0 && a.Estimate > 0 {
		plus = append(plus, fmt.Sprintf("plus %s µs marginal Redis CPU per request (%s CI %s)", num(1e6*a.Estimate, 1), levelText(level), span(1e6*a.Lo, 1e6*a.Hi, 1)))
	}
	if len(sys) == 0 && len(cpu) == 0 {
		if len(plus) == 0 {
			return ""
		}
		return v.Variant + " pays " + strings.TrimPrefix(plus[0], "plus ") + "."
	}
	s := v.Variant
	switch {
	case trips > 0 && len(sys) > 0:
		s += fmt.Sprintf(" pays %s Redis round trips per request ≈ %s", num(trips, 2), sentence(sys))
	case len(sys) > 0:
		s += " pays " + sentence(sys) + " per request"
	default:
		s += " pays " + strings.Join(cpu, " and ")
		cpu = nil
	}
	if len(cpu) > 0 {
		s += ", and " + strings.Join(cpu, " and ")
	}
	s += " over " + ref.Variant
	for _, p := range plus {
		s += ", " + p
	}
	return s + "."
}

// routeOrder is the order routes are listed in; others follow sorted.
var routeOrder = []string{results.RouteMe, results.RouteRefresh, results.RouteLogin, results.RouteLogout}

var routeNames = map[string]string{
	results.RouteMe:      "GET /api/me",
	results.RouteRefresh: "POST /auth/refresh",
	results.RouteLogin:   "POST /auth/login",
	results.RouteLogout:  "POST /auth/logout",
}

// routeTable is every route's latency at the top rate, a row per route
// and a column per variant.
func routeTable(ca *results.CostAnalysis) table {
	t := table{Caption: "p50 / p99 ms per route at the curve's top rate, median over rounds.", Head: []string{"route"}}
	seen := map[string]bool{}
	for _, v := range ca.Variants {
		t.Head = append(t.Head, v.Variant)
		for k := range v.Routes {
			seen[k] = true
		}
	}
	routes := slices.Clone(routeOrder)
	for _, k := range sortedKeys(seen) {
		if !slices.Contains(routes, k) {
			routes = append(routes, k)
		}
	}
	for _, k := range routes {
		if !seen[k] {
			continue
		}
		name := routeNames[k]
		if name == "" {
			name = k
		}
		row := []string{name}
		for _, v := range ca.Variants {
			cell := "—"
			if l, ok := v.Routes[k]; ok {
				cell = latPair(&l)
			}
			row = append(row, cell)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// costMethod says how the figures were obtained, then the analysis's
// own notes.
func costMethod(ca *results.CostAnalysis) []string {
	var out []string
	if ca.Method != "" {
		out = append(out, "Method: "+ca.Method+".")
	}
	if q := ca.Capacity; q != nil {
		s := fmt.Sprintf("Capacity: each round, after a variant's rates, the highest rate at which %s-long probes met the SLO (GET /api/me p99 ≤ %s, success ≥ %s %%, completed ≥ %s %% of offered)",
			human(q.Probe), human(q.P99), num(100*q.MinSuccess, 1), num(100*q.MinAchieved, 0))
		if q.Quota > 0 {
			s += fmt.Sprintf(", the server held to %s of a core (%s)", num3(q.Quota), q.QuotaMechanism)
			if q.KeepAwake != "" {
				s += ", " + q.KeepAwake
			}
		} else {
			s += ", against the whole server core: no CPU quota could be applied"
			if q.QuotaMechanism != "" {
				s += " (" + q.QuotaMechanism + ")"
			}
		}
		out = append(out, s+".")
	}
	if s := saturationMethod(ca); s != "" {
		out = append(out, s)
	}
	if c := ca.Calibration; c != nil {
		out = append(out, calibrationSentence(c))
	}
	if len(ca.Orders) > 0 {
		var rs []string
		for i, o := range ca.Orders {
			rs = append(rs, fmt.Sprintf("%d: %s", i+1, strings.Join(o, ", ")))
		}
		out = append(out, "Variant order per round: "+strings.Join(rs, "; ")+".")
	}
	for _, n := range ca.Notes {
		out = append(out, "Note: "+n+".")
	}
	return out
}

// calibrationSentence says how the curve's rates were fitted to the
// machine before the first round, and which probe set them.
func calibrationSentence(c *results.RateCalibration) string {
	rates := rateList
	if c.Factor >= 1 {
		return fmt.Sprintf("Rates: the scenario's (%s req/s) ran as written: every variant kept up with the top rate unthrottled in a calibration probe (%d probes).",
			rates(c.Asked), len(c.Probes))
	}
	s := fmt.Sprintf("Rates: scaled ×%s to this machine before the first round (%s req/s instead of %s)", num(c.Factor, 2), rates(c.Rates), rates(c.Asked))
	if p, ok := c.Decider(); ok {
		s += fmt.Sprintf(": at %s req/s %s did not keep up unthrottled (%s)", num(p.Rate, 0), p.Variant, p.Reason)
	}
	return s + "; the top rate must leave every server, the generator and Redis below 80 % of their cores, or the slope is fitted through a queue."
}

// capacityRoundTable lists every variant's capacity search per round.
func capacityRoundTable(ca *results.CostAnalysis) table {
	t := table{Caption: "Capacity searches per round (req/s under " + quotaText(ca) + ").",
		Head: []string{"variant", "round", "highest passing", "lowest failing", "probes", "failure gen-bound"}}
	for _, v := range ca.Variants {
		if v.Capacity == nil {
			continue
		}
		for _, r := range v.Capacity.Rounds {
			failed := "none failed"
			if r.FailedAt > 0 {
				failed = num(r.FailedAt, 0)
			}
			pass := "none passed"
			if r.Rate > 0 {
				pass = num(r.Rate, 0)
			}
			t.Rows = append(t.Rows, []string{v.Variant, strconv.Itoa(r.Round), pass, failed, strconv.Itoa(r.Probes), yesNo(r.GeneratorBound)})
		}
		lv := levelText(ca.Level)
		t.Notes = append(t.Notes, fmt.Sprintf("%s: mean %s req/s (%s CI %s), per core %s (%s).",
			v.Variant, num(v.Capacity.Rate.Estimate, 0), lv, span(v.Capacity.Rate.Lo, v.Capacity.Rate.Hi, 0),
			num(v.Capacity.PerCore.Estimate, 0), span(v.Capacity.PerCore.Lo, v.Capacity.PerCore.Hi, 0)))
	}
	return t
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// capacityProbeTable lists every capacity probe in the order run.
func capacityProbeTable(r *results.Results) table {
	t := table{Caption: "Capacity probes, in the order run (the server under its CPU quota).",
		Head: []string{"variant", "round", "offered req/s", "completed req/s", "GET /api/me p99 ms", "errors %", "server % of quota", "generator %", "verdict"}}
	throttling := false
	for _, v := range r.Variants {
		for _, st := range v.Steps {
			throttling = throttling || (st.Kind == "capacity" && st.Throttling != nil)
		}
	}
	if throttling {
		// Older results have no throttling figures: no column of dashes.
		t.Head = slices.Insert(t.Head, 7, "throttled % of periods")
	}
	for _, v := range r.Variants {
		for _, st := range v.Steps {
			if st.Kind != "capacity" {
				continue
			}
			me, ok := st.Routes[results.RouteMe]
			if !ok {
				me = st.All
			}
			util := "—"
			if st.Server != nil {
				limit := st.Quota
				if limit <= 0 {
					limit = 1
				}
				util = num(100*st.Server.Utilisation/limit, 0)
			}
			verdict := "—"
			if st.SLO != nil {
				verdict = "pass"
				if !st.SLO.Pass {
					verdict = "fail: " + st.SLO.Reason
				}
			}
			row := []string{v.Label(), strconv.Itoa(st.Repetition), num(st.Rate, 0), num(st.All.Throughput, 0),
				num(ms(me.Latency.P99), 2), num(100*(1-st.All.Success), 2), util, num(100*st.Generator.Utilisation, 0), verdict}
			if throttling {
				th := "—"
				if st.Throttling != nil && st.Throttling.Periods > 0 {
					th = num(100*st.Throttling.Share(), 0)
				}
				row = slices.Insert(row, 7, th)
			}
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}

// ratioTable lists every ratio the analysis made, to every reference.
func ratioTable(ca *results.CostAnalysis) table {
	lv := levelText(ca.Level)
	t := table{Caption: "Every ratio, paired by round (" + lv + " CI; significant when it excludes 1).",
		Head: []string{"variant", "to", "capacity ratio", "significant", "marginal CPU ratio", "significant"}}
	sat := hasSaturation(ca)
	if sat {
		t.Head = append(t.Head, "saturated req/s ratio", "significant", "saturated CPU ratio", "significant")
	}
	sig := func(iv *results.Interval) string {
		if iv == nil || iv.N == 0 {
			return "—"
		}
		return yesNo(iv.Excludes(1))
	}
	for _, v := range ca.Variants {
		for _, r := range v.Ratios {
			row := []string{v.Variant, r.To, ratioCell(r.Capacity), sig(r.Capacity), ratioCell(r.Marginal), sig(r.Marginal)}
			if sat {
				row = append(row, ratioCell(r.Saturation), sig(r.Saturation), ratioCell(r.SaturatedCPU), sig(r.SaturatedCPU))
			}
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}

// costDetails are the tables a cost-curve run adds to the details.
func costDetails(r *results.Results) []table {
	var out []table
	full := costTable(r.Cost, topRate(r.Cost))
	full.Caption = "Every cost figure per variant. " + full.Caption
	for _, t := range []table{full, capacityRoundTable(r.Cost), capacityProbeTable(r), saturationRoundTable(r.Cost), ratioTable(r.Cost)} {
		if len(t.Rows) > 0 {
			out = append(out, t)
		}
	}
	return out
}

// curveLine replaces the subtitle's repetitions for a cost-curve run.
func curveLine(r *results.Results) string {
	sc := r.Scenario
	rates := slices.Clone(sc.Rates)
	slices.Sort(rates)
	s := fmt.Sprintf(", %s of randomized interleaved trials over %s req/s", plural(sc.Repetitions, "round"), rateList(rates))
	if r.Cost.Capacity != nil {
		s += ", each variant's capacity searched every round under " + quotaText(r.Cost)
	}
	if sc.Repetitions > 1 {
		s += " (at-rate cells: median (min–max))"
	}
	return s
}

// boundProbesLine is the environment line for generator-bound capacity
// probes: expected when the generator shares the machine, and accounted
// for in the capacity (a lower bound), so not loud.
func boundProbesLine(probes []string) string {
	return fmt.Sprintf("Generator-bound capacity probes (%d; the capacity is then a lower bound): %s.", len(probes), strings.Join(probes, "; "))
}
