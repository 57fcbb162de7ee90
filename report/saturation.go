package report

import (
	"fmt"
	"strconv"

	"github.com/authbench/authbench/results"
)

// This file renders a cost curve's closed-loop probes
// (VariantCost.Saturation): what each server costs per request and
// serves when it never waits for work, beside the open-loop marginal
// cost, whose difference is what waking up between requests costs.

// saturationTitle heads the saturation table.
const saturationTitle = "At saturation: the cost of a request without idle wake-ups"

// hasSaturation reports whether any variant of ca has closed-loop
// figures.
func hasSaturation(ca *results.CostAnalysis) bool {
	for _, v := range ca.Variants {
		if v.Saturation != nil {
			return true
		}
	}
	return false
}

// saturationText is "a closed loop of 32 connections for 1 s against the
// server held to 0.25 of a core".
func saturationText(ca *results.CostAnalysis) string {
	conns, du := 0, ""
	if q := ca.Capacity; q != nil && q.Saturate > 0 {
		conns, du = q.Connections, human(q.Saturate)
	}
	for _, v := range ca.Variants {
		if conns == 0 && v.Saturation != nil {
			conns = v.Saturation.Connections
		}
	}
	s := "a closed loop of " + plural(conns, "connection")
	if du != "" {
		s += " for " + du
	}
	return s + " against the server held to " + quotaText(ca)
}

// saturationTable is one row per variant with closed-loop figures:
// throughput under the quota and per core, server and Redis CPU per
// request, the open-loop marginal CPU beside them, and the ratios to the
// reference.
func saturationTable(ca *results.CostAnalysis) table {
	if !hasSaturation(ca) {
		return table{}
	}
	ref := costRef(ca)
	if rv := costVariant(ca, ref); rv == nil || rv.Saturation == nil {
		ref = ""
	}
	lv := levelText(ca.Level)
	t := table{
		Caption: fmt.Sprintf("Each round, before the capacity search, %s, as wrk drives a server: it never waits for a pacer's next tick, only for Redis or for the generator to turn a response into the next request (the details give how often it slept per request). Server µs/req: its CPU ÷ requests completed, mean over rounds [%s CI]. The open-loop marginal CPU (headline) also pays for going idle and waking up between requests; the difference is that cost.",
			saturationText(ca), lv),
		Head: []string{"variant", "req/s under " + quotaText(ca) + " [" + lv + " CI]", "per core req/s", "server µs/req [" + lv + " CI]",
			"Redis µs/req [" + lv + " CI]", "open-loop marginal µs/req"},
	}
	if ref != "" {
		t.Head = append(t.Head, "req/s ÷ "+ref+" ["+lv+" CI]", "µs/req ÷ "+ref+" ["+lv+" CI]")
	}
	lower := false
	for _, v := range ca.Variants {
		s := v.Saturation
		if s == nil {
			continue
		}
		tput := ivCell(&s.Throughput, 1, 0)
		perCore := num(s.PerCore.Estimate, 0)
		if s.Unsaturated > 0 {
			tput, perCore, lower = "≥ "+tput, "≥ "+perCore, true
		}
		marg := "—"
		if v.ServerMarginal != nil && v.ServerMarginal.N > 0 {
			marg = num(1e6*v.ServerMarginal.Estimate, 1)
		}
		row := []string{v.Variant, tput, perCore, ivCell(s.ServerCPU, 1e6, 1), ivCell(s.RedisCPU, 1e6, 1), marg}
		if ref != "" {
			row = append(row, refRatioCells(v, ref, func(r results.Ratio) []*results.Interval { return []*results.Interval{r.Saturation, r.SaturatedCPU} })...)
		}
		t.Rows = append(t.Rows, row)
	}
	if lower {
		t.Notes = append(t.Notes, fmt.Sprintf("≥: in some round the server used under %s %% of its quota (the generator ran out first): the throughput is a lower bound and the CPU per request may still hold idle time.", num(100*results.SaturatedShare, 0)))
	}
	if ref != "" {
		t.Notes = append(t.Notes, fmt.Sprintf("÷ %s: paired by round; significant only when the %s CI excludes 1.", ref, lv))
	}
	return t
}

// saturationFindings say which saturated differences the intervals
// support, and how much of each variant's open-loop marginal CPU is
// not the request itself.
func saturationFindings(ca *results.CostAnalysis) []string {
	var out []string
	ref := costRef(ca)
	if rv := costVariant(ca, ref); rv != nil && rv.Saturation != nil {
		for _, v := range ca.Variants {
			r := ratioTo(v, ref)
			if v.Variant == ref || v.Saturation == nil || r == nil {
				continue
			}
			if r.SaturatedCPU != nil && r.SaturatedCPU.N > 0 {
				out = append(out, ratioSentence(v.Variant, "server CPU per request at saturation", ref, *r.SaturatedCPU, ca.Level)+".")
			}
			if r.Saturation != nil && r.Saturation.N > 0 {
				out = append(out, ratioSentence(v.Variant, "saturated throughput", ref, *r.Saturation, ca.Level)+".")
			}
		}
	}
	for _, v := range ca.Variants {
		s := v.Saturation
		if s == nil || s.ServerCPU == nil || v.ServerMarginal == nil || v.ServerMarginal.N == 0 {
			continue
		}
		m, c := v.ServerMarginal.Estimate, s.ServerCPU.Estimate
		switch {
		case c < v.ServerMarginal.Lo && m > 0:
			out = append(out, fmt.Sprintf("%s: %s µs per request saturated against %s µs marginal in the open loop: %s %% of the open-loop figure is the server going idle and waking up between requests.",
				v.Variant, num(1e6*c, 1), num(1e6*m, 1), num(100*(1-c/m), 0)))
		case c > v.ServerMarginal.Hi:
			out = append(out, fmt.Sprintf("%s: %s µs per request saturated, above the open-loop marginal %s µs: here running throttled under the quota costs more than waking up between requests, and the open-loop figure is the lower of the two.",
				v.Variant, num(1e6*c, 1), num(1e6*m, 1)))
		}
		if s.Unsaturated > 0 {
			out = append(out, fmt.Sprintf("%s: in %s the server used under %s %% of its quota: not saturated there.", v.Variant, plural(s.Unsaturated, "round"), num(100*results.SaturatedShare, 0)))
		}
	}
	return out
}

// saturationRoundTable lists every variant's closed-loop probe per
// round.
func saturationRoundTable(ca *results.CostAnalysis) table {
	t := table{Caption: "Closed-loop probes per round (" + saturationText(ca) + ").",
		Head: []string{"variant", "round", "completed req/s", "success %", "server µs/req", "Redis µs/req", "server % of quota", "server sleeps/req", "generator %", "saturated"}}
	for _, v := range ca.Variants {
		if v.Saturation == nil {
			continue
		}
		for _, r := range v.Saturation.Rounds {
			redis := "—"
			if r.RedisCPU > 0 {
				redis = num(1e6*r.RedisCPU, 1)
			}
			sleeps := "—"
			if r.Sleeps > 0 {
				sleeps = num(r.Sleeps, 2)
			}
			t.Rows = append(t.Rows, []string{v.Variant, strconv.Itoa(r.Round), num(r.Throughput, 0), num(100*r.Success, 2),
				num(1e6*r.ServerCPU, 1), redis, num(100*r.QuotaShare, 0), sleeps, num(100*r.Generator, 0), yesNo(r.Saturated())})
		}
	}
	return t
}

// saturationMethod is the Method sentence for the closed-loop probe; ""
// when the run had none.
func saturationMethod(ca *results.CostAnalysis) string {
	if !hasSaturation(ca) {
		return ""
	}
	return fmt.Sprintf("Saturation: each round, before a variant's capacity search, %s; CPU per request = the server's (and Redis's) CPU over the probe ÷ requests completed; a round counts as saturated when the server used at least %s %% of its quota.",
		saturationText(ca), num(100*results.SaturatedShare, 0))
}
