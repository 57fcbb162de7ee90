package loadtest

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/authbench/authbench/results"
)

// costSummary writes the cost analysis's table: per variant capacity,
// marginal server and Redis CPU per request with their 95 % CIs, idle
// CPU, GET /api/me percentiles at the top rate and ratios to jwt.
func costSummary(w io.Writer, ca *results.CostAnalysis) {
	if ca == nil {
		return
	}
	fmt.Fprintf(w, "\ncost curve: %d rounds (variant and rate order shuffled each round, seed %d); marginal CPU fitted over %v req/s, rounds as blocks; 95 %% CIs\n", ca.Rounds, ca.Seed, ca.FitRates)
	if m := ca.Capacity; m != nil {
		q := "no quota"
		if m.Quota > 0 {
			q = fmt.Sprintf("server held to %g of a core", m.Quota)
		}
		fmt.Fprintf(w, "capacity: highest rate with GET /api/me p99 ≤ %v, ≥ %.1f%% success, ≥ %.0f%% completed, %s, %v probes\n", m.P99, 100*m.MinSuccess, 100*m.MinAchieved, q, m.Probe)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "variant\tcapacity/s\tper core/s\tmarginal server µs/req\tmarginal redis µs/req\tidle server\tme p50\tme p99\tcapacity ÷ jwt\tmarginal ÷ jwt\t")
	for _, v := range ca.Variants {
		capCell, perCore := "-", "-"
		if c := v.Capacity; c != nil {
			lb := ""
			if c.LowerBound {
				lb = "≥ "
			}
			capCell = lb + ivFormat(c.Rate, 1, 0)
			perCore = lb + fmt.Sprintf("%.0f", c.PerCore.Estimate)
			if c.GeneratorBound {
				capCell += " gen-bound"
			}
		}
		idle := "-"
		if v.ServerIdle != nil {
			idle = fmt.Sprintf("%.1f%%", 100*v.ServerIdle.Estimate)
		}
		p50, p99 := "-", "-"
		if v.Me != nil {
			p50, p99 = v.Me.P50.Round(time.Microsecond).String(), v.Me.P99.Round(time.Microsecond).String()
		}
		rc, rm := "-", "-"
		for _, r := range v.Ratios {
			if r.To != "jwt" {
				continue
			}
			if r.Capacity != nil {
				rc = ratioFormat(*r.Capacity)
			}
			if r.Marginal != nil {
				rm = ratioFormat(*r.Marginal)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", v.Variant, capCell, perCore,
			ivPtr(v.ServerMarginal, 1e6, 1), ivPtr(v.RedisMarginal, 1e6, 1), idle, p50, p99, rc, rm)
	}
	tw.Flush()
	saturationSummary(w, ca)
	for _, n := range ca.Notes {
		fmt.Fprintln(w, "note:", n)
	}
}

func ivPtr(iv *results.Interval, scale float64, prec int) string {
	if iv == nil {
		return "-"
	}
	return ivFormat(*iv, scale, prec)
}

// ivFormat is "42.1 [40.3, 44.0]".
func ivFormat(iv results.Interval, scale float64, prec int) string {
	return fmt.Sprintf("%.*f [%.*f, %.*f]", prec, iv.Estimate*scale, prec, iv.Lo*scale, prec, iv.Hi*scale)
}

// ratioFormat is "1.42× [1.31, 1.55]", with "=" when the CI includes 1
// (no difference measured).
func ratioFormat(iv results.Interval) string {
	s := fmt.Sprintf("%.2f× [%.2f, %.2f]", iv.Estimate, iv.Lo, iv.Hi)
	if !iv.Excludes(1) {
		s += " ="
	}
	return s
}

// saturationSummary writes the closed-loop figures, when the run has
// them: throughput under the quota, server and Redis CPU per request
// with nothing idle in them, and the ratios to jwt.
func saturationSummary(w io.Writer, ca *results.CostAnalysis) {
	var rows []results.VariantCost
	for _, v := range ca.Variants {
		if v.Saturation != nil {
			rows = append(rows, v)
		}
	}
	if len(rows) == 0 {
		return
	}
	conns := rows[0].Saturation.Connections
	q := "no quota"
	if m := ca.Capacity; m != nil && m.Quota > 0 {
		q = fmt.Sprintf("server held to %g of a core", m.Quota)
	}
	fmt.Fprintf(w, "saturation: closed loop of %d connections, %s: the cost of a request with no idle wake-ups in it\n", conns, q)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "variant\treq/s\tper core/s\tserver µs/req\tredis µs/req\treq/s ÷ jwt\tµs/req ÷ jwt\t")
	for _, v := range rows {
		s := v.Saturation
		lb := ""
		if s.Unsaturated > 0 {
			lb = "≥ "
		}
		rt, rc := "-", "-"
		for _, r := range v.Ratios {
			if r.To != "jwt" {
				continue
			}
			if r.Saturation != nil {
				rt = ratioFormat(*r.Saturation)
			}
			if r.SaturatedCPU != nil {
				rc = ratioFormat(*r.SaturatedCPU)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", v.Variant, lb+ivFormat(s.Throughput, 1, 0), lb+fmt.Sprintf("%.0f", s.PerCore.Estimate),
			ivPtr(s.ServerCPU, 1e6, 1), ivPtr(s.RedisCPU, 1e6, 1), rt, rc)
	}
	tw.Flush()
}
