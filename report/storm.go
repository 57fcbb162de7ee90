package report

import (
	"fmt"
	"image/color"
	"maps"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/plot"

	"github.com/authbench/authbench/results"
)

// stormPhases are a storm step's phases, in order.
var stormPhases = []string{"before", "storm", "after"}

// stormCell is a variant's storm steps at one rate, over repetitions.
type stormCell struct {
	v    results.VariantResult
	rate float64
	// refreshes, stormRate and cpu (server+Redis µs per refresh).
	refreshes, stormRate, cpu Stat
	// refresh are the storm phase's refresh latencies (ms) and error share.
	refreshP50, refreshP99, refreshErr Stat
	// meP99 is GET /api/me's p99 (ms) per phase.
	meP99 map[string]Stat
}

func stormCells(r *results.Results) []stormCell {
	var out []stormCell
	for _, v := range r.Variants {
		by := map[float64][]results.StormResult{}
		for _, sr := range v.Storms {
			if st := stepOf(v, sr.Step); st != nil {
				by[st.Rate] = append(by[st.Rate], sr)
			}
		}
		for _, rate := range slices.Sorted(maps.Keys(by)) {
			var refreshes, stormRate, cpu, rp50, rp99, rerr []float64
			me := map[string][]float64{}
			for _, sr := range by[rate] {
				refreshes, stormRate = append(refreshes, float64(sr.Refreshes)), append(stormRate, sr.StormRate)
				if sr.CPUPerRefresh > 0 {
					cpu = append(cpu, sr.CPUPerRefresh*1e6)
				}
				st := stepOf(v, sr.Step)
				if ph := phaseOf(st, "storm"); ph != nil {
					if m, ok := ph.Routes["refresh"]; ok && m.Requests > 0 {
						rp50, rp99 = append(rp50, ms(m.Latency.P50)), append(rp99, ms(m.Latency.P99))
						rerr = append(rerr, 1-m.Success)
					}
				}
				for _, name := range stormPhases {
					if ph := phaseOf(st, name); ph != nil {
						if m, ok := ph.Routes["me"]; ok && m.Requests > 0 {
							me[name] = append(me[name], ms(m.Latency.P99))
						}
					}
				}
			}
			c := stormCell{v: v, rate: rate, refreshes: statOf(refreshes), stormRate: statOf(stormRate), cpu: statOf(cpu),
				refreshP50: statOf(rp50), refreshP99: statOf(rp99), refreshErr: statOf(rerr), meP99: map[string]Stat{}}
			for name, xs := range me {
				c.meP99[name] = statOf(xs)
			}
			out = append(out, c)
		}
	}
	return out
}

// stormSection: what every user refreshing at once costs, and what it
// does to the requests around it.
func stormSection(s *Summary) (section, error) {
	r := s.R
	sec := section{ID: string(results.KindRefreshStorm), Title: "Refresh storm: every user refreshes at once"}
	window := ""
	if q := r.Scenario.RefreshStorm; q != nil {
		window = " within " + q.Window.D().String()
	}
	cells := stormCells(r)
	t := table{
		Caption: "The storm" + window + " on top of the steady load (median (min–max) over repetitions; latencies in ms).",
		Head: []string{"variant", "steady req/s", "refreshes", "storm refreshes/s", "CPU µs per refresh (server+Redis)", "refresh p50 / p99 (storm)", "refresh errors (storm)",
			"GET /api/me p99 before", "during the storm", "after"},
	}
	for _, c := range cells {
		t.Rows = append(t.Rows, []string{c.v.Label(), num(c.rate, 0), c.refreshes.Format(0), c.stormRate.Format(0), c.cpu.Format(1),
			c.refreshP50.Format(2) + " / " + c.refreshP99.Format(2), pct(c.refreshErr, 2),
			c.meP99["before"].Format(2), c.meP99["storm"].Format(2), c.meP99["after"].Format(2)})
		if c.refreshErr.Ok() && c.refreshErr.Max > 0.01 {
			sec.Warnings = append(sec.Warnings, fmt.Sprintf("%s: up to %s of the storm's refreshes failed at %s req/s.", c.v.Label(), pct(Stat{Median: c.refreshErr.Max, N: 1}, 1), num(c.rate, 0)))
		}
	}
	t.Notes = append(t.Notes, "CPU per refresh: the server's and Redis's CPU during the storm, minus what the steady load used at the before phase's rate, per refresh; — when CPU was not measured.")
	sec.Tables = append(sec.Tables, t)

	// Findings at the highest rate.
	var top []stormCell
	rate := 0.0
	for _, c := range cells {
		rate = max(rate, c.rate)
	}
	for _, c := range cells {
		if c.rate == rate {
			top = append(top, c)
		}
	}
	if len(top) > 0 {
		c := top[0]
		sec.Findings = append(sec.Findings, fmt.Sprintf("Every logged-in user refreshed once%s: %s refreshes, %s per second on top of the steady %s req/s.",
			window, num(c.refreshes.Median, 0), num(c.stormRate.Median, 0), num(rate, 0)))
		var me, back, slow []string
		for _, c := range top {
			b, st, a := c.meP99["before"], c.meP99["storm"], c.meP99["after"]
			if !b.Ok() || !st.Ok() {
				continue
			}
			me = append(me, fmt.Sprintf("%s %s → %s ms%s", c.v.Label(), num(b.Median, 2), num(st.Median, 2), spreadNote(st, b)))
			if a.Ok() {
				if a.Median <= 1.25*b.Median {
					back = append(back, c.v.Label())
				} else {
					slow = append(slow, fmt.Sprintf("%s (%s ms after, %s before)", c.v.Label(), num(a.Median, 2), num(b.Median, 2)))
				}
			}
		}
		if len(me) > 0 {
			f := "GET /api/me p99 from before to during the storm: " + strings.Join(me, "; ")
			switch {
			case len(slow) == 0 && len(back) > 0:
				f += "; afterwards every variant's was back within a quarter of before"
			case len(slow) > 0:
				f += "; still above before's by more than a quarter afterwards: " + sentence(slow)
			}
			sec.Findings = append(sec.Findings, f+".")
		}
		var costs []stormCell
		for _, c := range top {
			if c.cpu.Ok() {
				costs = append(costs, c)
			}
		}
		slices.SortStableFunc(costs, func(a, b stormCell) int { return cmpFloat(b.cpu.Median, a.cpu.Median) })
		if len(costs) > 0 {
			var parts []string
			for _, c := range costs {
				parts = append(parts, fmt.Sprintf("%s %s µs", c.v.Label(), num(c.cpu.Median, 1)))
			}
			f := "CPU per refresh (server+Redis), costliest first: " + strings.Join(parts, ", ")
			if len(costs) > 1 {
				f += spreadNote(costs[0].cpu, costs[len(costs)-1].cpu)
			}
			sec.Findings = append(sec.Findings, f+".")
		}
	}

	title := "GET /api/me p99 before, during and after the storm"
	if rate > 0 {
		title += " at " + num(rate, 0) + " req/s"
	}
	title += " (median over repetitions)"
	p, err := stormChart(top)
	cs, err := chartOf("refresh-storm-me-p99", title, p, err)
	if err != nil {
		return sec, err
	}
	sec.Charts = cs
	return sec, nil
}

var phaseColors = map[string]color.Color{
	"before": color.RGBA{R: 0x99, G: 0x99, B: 0x99, A: 0xff},
	"storm":  color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	"after":  color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
}

// stormChart: grouped bars, one group per variant, one bar per phase.
func stormChart(cells []stormCell) (*plot.Plot, error) {
	var labels []string
	for _, c := range cells {
		if len(c.meP99) > 0 {
			labels = append(labels, c.v.Label())
		}
	}
	if len(labels) == 0 {
		return nil, nil
	}
	p := newPlot("GET /api/me p99 around the refresh storm", "", "GET /api/me p99 (ms)")
	var ss []series
	for _, name := range stormPhases {
		s := series{Name: name, Color: phaseColors[name]}
		for _, c := range cells {
			if len(c.meP99) > 0 {
				s.Values = append(s.Values, c.meP99[name].Median) // 0 when the phase is missing
				s.Spread = append(s.Spread, c.meP99[name])
			}
		}
		if name == "storm" {
			s.Name = "during the storm"
		}
		ss = append(ss, s)
	}
	if err := groupedBars(p, labels, ss); err != nil {
		return nil, err
	}
	return p, nil
}

// stormReport is how a refresh-storm run is reported.
var stormReport = kindReport{
	section: stormSection,
	line: func(sc results.Scenario) string {
		q := sc.RefreshStorm
		if q == nil {
			return ""
		}
		return fmt.Sprintf(" Refresh storm: every logged-in user refreshes once within %s, after %s of steady load and before %s more.", time.Duration(q.Window), time.Duration(q.Before), time.Duration(q.After))
	},
	stepsNote: " Whole steps: the storm is included.",
}
