package loadtest

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Summary writes the short table printed at the end of a run: per
// variant and step, achieved rate, p50, p99, success, server and Redis
// CPU per request, Redis commands per request and the generator-bound
// flag; then max-rate results and notes.
func Summary(w io.Writer, r *Results) {
	fmt.Fprintf(w, "\nrun %s  redis: %s  pinning: %s\n", r.RunID, orDash(r.Redis.Label), pinSummary(r.Pinning))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "variant\tstep\trep\tasked/s\tachieved/s\tp50\tp99\tsuccess\tserver µs/req\tredis µs/req\tredis cmds/req\tgen-bound\t")
	for _, v := range r.Variants {
		for _, s := range v.Steps {
			srv, rcpu, rcmd := "-", "-", "-"
			if s.Server != nil {
				srv = fmt.Sprintf("%.1f", s.Server.CPUPerRequest*1e6)
			}
			if s.Redis != nil {
				rcpu = fmt.Sprintf("%.1f", s.Redis.CPUPerRequest*1e6)
				rcmd = fmt.Sprintf("%.2f", s.Redis.CommandsPerRequest)
			}
			gb := ""
			if s.GeneratorBound {
				gb = "YES"
			}
			fmt.Fprintf(tw, "%s\t%s %d\t%d\t%.0f\t%.0f\t%v\t%v\t%.2f%%\t%s\t%s\t%s\t%s\t\n",
				v.Variant, s.Kind, s.Index, s.Repetition, s.Rate, s.All.Rate,
				s.All.Latency.P50.Round(time.Microsecond), s.All.Latency.P99.Round(time.Microsecond),
				100*s.All.Success, srv, rcpu, rcmd, gb)
		}
		if v.Error != "" {
			fmt.Fprintf(tw, "%s\terror: %s\t\t\t\t\t\t\t\t\t\t\t\n", v.Variant, v.Error)
		}
	}
	tw.Flush()
	for _, v := range r.Variants {
		for _, m := range v.MaxRate {
			flag := ""
			if m.GeneratorBound {
				flag = " (GENERATOR-BOUND: the generator's limit, not necessarily the server's)"
			}
			fmt.Fprintf(w, "max rate %s rep %d: %.0f/s meets the SLO, %.0f/s fails (%d probes)%s\n", v.Variant, m.Repetition, m.Rate, m.FailedAt, m.Probes, flag)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	if r.Interrupted {
		fmt.Fprintln(w, "INTERRUPTED: the figures above cover only what ran")
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func pinSummary(p Pinning) string {
	if !p.Applied {
		return "none"
	}
	return fmt.Sprintf("server CPU %v, generator CPU %v", p.ServerCPUs, p.GeneratorCPUs)
}
