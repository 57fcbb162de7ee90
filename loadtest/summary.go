package loadtest

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/authbench/authbench/results"
)

// Summary writes the short table printed at the end of a run: per
// variant and step, achieved rate, p50, p99, success, server and Redis
// CPU per request, Redis commands per request and the generator-bound
// flag; then max-rate results and notes.
func Summary(w io.Writer, r *results.Results) {
	fmt.Fprintf(w, "\nrun %s  redis: %s  pinning: %s\n", r.RunID, orDash(r.Redis.Label), pinSummary(r.Pinning))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	// The kind's own dimension, when it has one, is the second column.
	ts := kindNamed(r.Kind).summary()
	col := ts.column
	dim, dimOf, at := "", func(results.Step) string { return "" }, func(results.MaxRate) string { return "" }
	if col != nil {
		dim, dimOf, at = col.head+"\t", func(s results.Step) string { return col.cell(s) + "\t" }, col.at
	}
	if r.Cost != nil {
		// A curve has dozens of steps per variant: the terminal shows
		// their analysis; every step is in results.json and the report.
		costSummary(w, r.Cost)
		for _, v := range r.Variants {
			if v.Error != "" {
				fmt.Fprintf(w, "%s: error: %s\n", v.Label(), v.Error)
			}
		}
		for _, n := range r.Notes {
			fmt.Fprintln(w, "note:", n)
		}
		if r.Interrupted {
			fmt.Fprintln(w, "INTERRUPTED: the figures above cover only what ran")
		}
		return
	}
	if len(r.Variants) > 0 && !ts.noSteps {
		fmt.Fprintln(tw, "variant\t"+dim+"step\tkind\trep\tasked/s\tachieved/s\tp50\tp99\tsuccess\tserver µs/req\tredis µs/req\tredis cmds/req\tgen-bound\t")
	}
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
			// The step's number and its kind in columns of their own: "rate 3"
			// in one cell read as a rate of 3.
			asked := fmt.Sprintf("%.0f", s.Rate)
			if s.Rate == 0 {
				asked = "closed" // a saturation probe asks no rate
			}
			fmt.Fprintf(tw, "%s\t%s#%d\t%s\t%d\t%s\t%.0f\t%v\t%v\t%.2f%%\t%s\t%s\t%s\t%s\t\n",
				v.Label(), dimOf(s), s.Index, s.Kind, s.Repetition, asked, s.All.Rate,
				s.All.Latency.P50.Round(time.Microsecond), s.All.Latency.P99.Round(time.Microsecond),
				100*s.All.Success, srv, rcpu, rcmd, gb)
		}
		if v.Error != "" {
			fmt.Fprintf(tw, "%s\terror: %s\t\t\t\t\t\t\t\t\t\t\t\t\n", v.Variant, v.Error)
		}
	}
	tw.Flush()
	for _, v := range r.Variants {
		for _, m := range v.MaxRate {
			flag := ""
			if m.GeneratorBound {
				flag = " (GENERATOR-BOUND: the generator's limit, not necessarily the server's)"
			}
			fmt.Fprintf(w, "max rate %s%s rep %d: %.0f/s meets the SLO, %.0f/s fails (%d probes)%s\n", v.Label(), at(m), m.Repetition, m.Rate, m.FailedAt, m.Probes, flag)
		}
		for _, o := range v.Outages {
			fmt.Fprintf(w, "outage %s step %d: Redis cut %v..%v; %s; first success %s and steady %s after restore; %s\n",
				v.Label(), o.Step, o.CutAt.Round(time.Millisecond), o.RestoredAt.Round(time.Millisecond),
				outageCounts(v, o), orNever(o.FirstSuccess), orNever(o.Steady), healthSummary(o.Health))
		}
		for _, st := range v.Storms {
			fmt.Fprintf(w, "storm %s step %d: %d refreshes at +%.0f/s; %.1f µs server+Redis CPU per refresh\n",
				v.Label(), st.Step, st.Refreshes, st.StormRate, st.CPUPerRefresh*1e6)
		}
		for _, t := range v.Revocations {
			hdr := t.Revocation
			if hdr == "" {
				hdr = "-"
			}
			fmt.Fprintf(w, "revocation %s %s trial %d: status %d (%s), accepted before %v, window %s, refresh replay %d%s\n",
				v.Label(), t.Action, t.Trial, t.Status, hdr, t.AcceptedBefore, orNever(t.Window), t.RefreshStatus, errSuffix(t.Error))
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

func pinSummary(p results.Pinning) string {
	if !p.Applied {
		return "none"
	}
	return fmt.Sprintf("server CPU %v, generator CPU %v", p.ServerCPUs, p.GeneratorCPUs)
}

// orNever prints a duration where -1 means "never".
func orNever(d time.Duration) string {
	if d < 0 {
		return "never"
	}
	return d.Round(time.Millisecond).String()
}

// outageCounts says what the clients saw during an outage's window.
func outageCounts(v results.VariantResult, o results.OutageResult) string {
	for _, st := range v.Steps {
		if st.Index != o.Step || len(st.Phases) < 2 {
			continue
		}
		p := st.Phases[1]
		s := fmt.Sprintf("during it %d requests, codes %v", p.All.Requests, p.All.StatusCodes)
		if o.UsesStore {
			s += fmt.Sprintf(", %d let through unchecked", o.Unchecked)
		}
		return s
	}
	return "no outage phase"
}

func healthSummary(h results.ServerHealth) string {
	if !h.Measured {
		return "server health unchecked (" + h.Note + ")"
	}
	s := fmt.Sprintf("goroutines %d -> %d", h.GoroutinesBefore, h.GoroutinesAfter)
	if !h.Alive {
		s += ", SERVER DIED"
	}
	if h.Restarted {
		s += ", SERVER RESTARTED"
	}
	if h.Leaked {
		s += ", LEAK"
	}
	return s
}
