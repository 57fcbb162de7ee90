package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/authbench/authbench/results"
)

// table is a rendered table: the same cells go to Markdown and HTML.
type table struct {
	Caption string
	Head    []string
	Rows    [][]string
	Notes   []string
}

// line is an environment line; Loud ones are warnings a reader of any
// figure must not miss (embedded Redis, unmeasured figures).
type line struct {
	Text string
	Loud bool
}

// document is the report's content, independent of its format.
type document struct {
	Title    string
	Subtitle string
	// Steady is true for a steady run: the headline, the trade-off and
	// the general charts. Any other kind leads with its Sections instead
	// and has no headline, whose cells would merge steps measured under
	// different conditions (added latency, instances, an outage).
	Steady   bool
	Headline table
	TradeOff []string
	Env      []line
	Charts   []Chart
	Sections []section
	Details  []table
	// V1Note says what a schema v1 steady run lacks; "" otherwise.
	V1Note string
	// Cost is a cost-curve run's headline and what explains it; nil
	// without Results.Cost. With it, Headline, TradeOff and Charts are
	// the at-rate figures, shown below it.
	Cost *costDoc
	// Verdict opens the report: what each variant costs, buys, and
	// which to choose (verdict.go).
	Verdict verdict
}

// Warnings are the loud lines shown at the top: the environment's and
// every section's.
func (d document) Warnings() []string {
	var out []string
	for _, l := range d.Env {
		if l.Loud {
			out = append(out, l.Text)
		}
	}
	for _, s := range d.Sections {
		out = append(out, s.Warnings...)
	}
	return out
}

func build(s *Summary, charts []Chart, sections []section) document {
	r := s.R
	d := document{
		Title:    "authbench report: " + r.RunID,
		Subtitle: subtitle(s),
		Steady:   kindReportOf(s.Kind).steady,
		Env:      environment(s),
		Sections: sections,
		Verdict:  verdictOf(verdictInputOf(s, sections)),
	}
	if !d.Steady {
		if t := stepTable(s); len(t.Rows) > 0 {
			d.Details = append(d.Details, t)
		}
		if t := probeTable(s); len(t.Rows) > 0 {
			d.Details = append(d.Details, t)
		}
		return d
	}
	if r.Schema == results.SchemaV1 {
		d.V1Note = v1Note
	}
	full := headline(s)
	d.Headline, d.TradeOff, d.Charts = compactHeadline(s, full), tradeOff(s), charts
	full.Caption = strings.TrimSpace("Per-request figures in full. " + full.Caption)
	d.Details = append(d.Details, full, heldTable(s))
	if t := probeTable(s); len(t.Rows) > 0 {
		d.Details = append(d.Details, t)
	}
	if t := commandTable(s); len(t.Rows) > 0 {
		d.Details = append(d.Details, t)
	}
	if r.Cost != nil {
		d.Cost = costDocument(s)
		d.Details = append(d.Details, costDetails(r)...)
	}
	return d
}

func subtitle(sum *Summary) string {
	r := sum.R
	sc := r.Scenario
	k := kindReportOf(sum.Kind)
	if k.subtitle != nil {
		if s, ok := k.subtitle(r); ok {
			return s
		}
	}
	s := fmt.Sprintf("Scenario %q (%s): %d users, mix me %s%% / refresh %s%% / login+logout %s%%, %s per step",
		sc.Name, r.ScenarioFile, sc.Users, num(sc.Mix.Me, 0), num(sc.Mix.Refresh, 0), num(sc.Mix.LoginLogout, 0), time.Duration(sc.Duration))
	switch {
	case r.Cost != nil && k.steady:
		s += curveLine(r)
	case sc.Repetitions > 1:
		s += fmt.Sprintf(", %d repetitions (cells: median (min–max))", sc.Repetitions)
	}
	if sc.MaxConnections > 0 {
		// The SLO capacity depends on it (README, Known limits): a reader
		// comparing two runs must see that one capped them.
		s += fmt.Sprintf(", the generator holding at most %d connections per server (max_connections)", sc.MaxConnections)
	}
	return s + "." + kindLine(sum)
}

// kindLine describes what a trade-off scenario varies, after the
// subtitle; "" for a steady run.
func kindLine(s *Summary) string {
	if k := kindReportOf(s.Kind); k.line != nil {
		return k.line(s.R.Scenario)
	}
	return ""
}

const credentialNote = "credential B/req: the Cookie header a browser would send with GET /api/me, as the virtual users sent it (the JWT refresh cookie is Path=/auth, so not counted)."

func headline(s *Summary) table {
	t := table{Head: []string{"variant", "server CPU µs/req", "Redis CPU µs/req", "server+Redis µs/req", "Redis cmds/req"}}
	labels := map[string]bool{}
	for _, v := range s.Variants {
		if v.Ref != nil {
			labels[v.RefLabel] = true
		}
	}
	oneLabel := len(labels) == 1
	for _, rate := range s.HeldRates {
		t.Head = append(t.Head, "p50 / p99 ms at "+num(rate, 0)+" req/s")
	}
	if len(s.HeldRates) == 0 {
		t.Head = append(t.Head, "p50 / p99 ms at max rate")
	}
	t.Head = append(t.Head, "max rate under SLO (req/s)", "credential B/req", "Redis B/user", "logout", "revoke-user")
	bound := false
	for _, v := range s.Variants {
		row := []string{v.Name}
		ref := v.Ref
		if ref == nil {
			ref = &Point{}
		}
		suffix := ""
		if !oneLabel && v.Ref != nil {
			suffix = " (" + v.RefLabel + ")"
		}
		for _, st := range []Stat{ref.ServerCPU, ref.RedisCPU, ref.TotalCPU} {
			row = append(row, st.Format(1)+suffix)
		}
		row = append(row, ref.RedisCmds.Format(2)+suffix)
		if len(s.HeldRates) == 0 {
			row = append(row, latCell(*ref, &bound))
		}
		for _, rate := range s.HeldRates {
			cell := "—"
			for _, p := range v.Held {
				if p.Rate == rate {
					cell = latCell(p, &bound)
				}
			}
			row = append(row, cell)
		}
		row = append(row, maxRateCell(v), ref.Credential.Format(0)+suffix, storeCell(v), revCell(v, true), revCell(v, false))
		t.Rows = append(t.Rows, row)
	}
	if oneLabel {
		for l := range labels {
			t.Caption = "Per-request costs " + l + "."
		}
	}
	if bound {
		t.Notes = append(t.Notes, "†: includes a generator-bound step: the load generator, not the server, limited it (see the environment).")
	}
	t.Notes = append(t.Notes, credentialNote)
	switch {
	case s.R.Scenario.Search == nil && s.R.Cost != nil:
		t.Notes = append(t.Notes, "max rate: no max-rate search on a whole core was asked for; capacity under a CPU quota is in the headline above.")
	case s.R.Scenario.Search == nil:
		t.Notes = append(t.Notes, "max rate: this run held fixed rates; no max-rate search was asked for.")
	}
	return t
}

// compactHeadline keeps of the full headline what fits on one line per
// variant: CPU per request (server+Redis), latency at the highest held
// rate, the max rate when one was searched, and how soon a logout and a
// revoke-user take effect. The full table goes to the details.
func compactHeadline(s *Summary, full table) table {
	latest := ""
	for _, h := range full.Head {
		if strings.HasPrefix(h, "p50 / p99 ms at ") {
			latest = h
		}
	}
	keep := map[string]bool{"variant": true, "server+Redis µs/req": true, latest: true, "logout": true, "revoke-user": true,
		"max rate under SLO (req/s)": s.R.Scenario.Search != nil}
	var cols []int
	for i, h := range full.Head {
		if keep[h] {
			cols = append(cols, i)
		}
	}
	t := table{Caption: full.Caption}
	pick := func(row []string) []string {
		var out []string
		for _, c := range cols {
			if c < len(row) {
				out = append(out, row[c])
			}
		}
		return out
	}
	t.Head = pick(full.Head)
	for _, r := range full.Rows {
		t.Rows = append(t.Rows, pick(r))
	}
	for _, n := range full.Notes {
		if n != credentialNote {
			t.Notes = append(t.Notes, n)
		}
	}
	t.Notes = append(t.Notes, "Every per-request figure (server and Redis CPU apart, Redis commands, latency at every rate, credential and store bytes) is in the details.")
	return t
}

func latCell(p Point, bound *bool) string {
	if !p.P50.Ok() {
		return "—"
	}
	c := p.P50.Format(2) + " / " + p.P99.Format(2)
	if p.GeneratorBound > 0 {
		c += " †"
		*bound = true
	}
	return c
}

func maxRateCell(v VariantSummary) string {
	if !v.MaxRate.Ok() {
		return "—"
	}
	c := v.MaxRate.Format(0)
	if v.MaxRateOpen {
		c = "≥ " + c
	}
	if v.MaxRateBound {
		c += " (generator-bound)"
	}
	return c
}

func storeCell(v VariantSummary) string {
	if !v.Facts.Stateful && !v.RedisBytesPerUser.Ok() {
		return "0 (no store)"
	}
	return v.RedisBytesPerUser.Format(0)
}

func revCell(v VariantSummary, logout bool) string {
	if !v.Facts.Known {
		return "?"
	}
	return v.Facts.revocation(logout)
}

func environment(s *Summary) []line {
	r := s.R
	e := r.Environment
	var out []line
	add := func(loud bool, format string, args ...any) {
		out = append(out, line{Text: fmt.Sprintf(format, args...), Loud: loud})
	}
	if r.Redis.Embedded {
		add(true, "Redis was the EMBEDDED in-process miniredis (%s): its CPU, commands and latency are not a real network store's. Do not quote the stateful variants' figures from this run.", r.Redis.Label)
	}
	if r.Interrupted {
		add(true, "The run was interrupted before the end: later steps are missing.")
	}
	if r.Error != "" {
		add(true, "The run ended early: %s", r.Error)
	}
	for _, v := range r.Variants {
		if v.Error != "" {
			add(true, "%s stopped early: %s", v.Variant, v.Error)
		}
		if v.Logins.Failures > 0 {
			add(true, "%s: %d of %d logins failed (first: %s)", v.Variant, v.Logins.Failures, v.Logins.Users, v.Logins.FirstError)
		}
	}
	idle := ""
	if e.CPUIdle != "" {
		idle = ", cpuidle " + e.CPUIdle
	}
	add(false, "Machine: %s, %d cores (GOMAXPROCS %d), %s, kernel %s%s, %s, host %s, commit %s.", e.CPUModel, e.Cores, e.GOMAXPROCS, e.OS, e.Kernel, idle, e.GoVersion, e.Hostname, e.GitCommit)
	add(false, "Run: %s to %s (%s).", r.Started.UTC().Format(time.RFC3339), r.Finished.UTC().Format(time.RFC3339), r.Finished.Sub(r.Started).Round(time.Second))
	redis := fmt.Sprintf("Redis: %s (kind %s, version %s)", r.Redis.Label, r.Redis.Kind, r.Redis.Version)
	add(false, "%s.", redis)
	if !r.Redis.Measured && r.Redis.Kind != "none" {
		add(true, "Redis CPU and command counts were NOT measured: those cells are empty, and server+Redis CPU is absent for the stateful variants.")
	}
	if c := r.Cluster; c != nil {
		add(false, "Redis Cluster (the variants labelled @cluster): %s.", c.Label)
		if !c.Measured {
			add(true, "Redis Cluster CPU and command counts were NOT measured: the @cluster variants' Redis cells and commands per master are empty.")
		}
	}
	if p := r.StoreProxy; p != nil {
		add(false, "Store proxy: the servers reached Redis through %s at %s (a GET: %s direct, %s through it).", p.Version, p.Addr, fmtRTT(p.DirectRTT), fmtRTT(p.ProxiedRTT))
	}
	servers := "one \"authbench serve\" per variant"
	if k := kindReportOf(s.Kind); k.servers != nil {
		if v := k.servers(r.Scenario); v != "" {
			servers = v
		}
	}
	if !r.Target.ServerCPUMeasured {
		add(true, "Server CPU was NOT measured (target mode %s): CPU cells are empty.", r.Target.Mode)
	} else {
		add(false, "Server: %s (target mode %s).", servers, r.Target.Mode)
	}
	bc := fmt.Sprintf("bcrypt cost %d", r.BcryptCost)
	if r.BcryptCost < 10 {
		bc += " (lowered from the default 10 so logins do not dominate; real logins cost more)"
	}
	add(false, "%s.", bc)
	if p := r.Pinning; p.Applied {
		add(false, "Pinning (%s): server on CPUs %s, generator on CPUs %s.", p.Mode, ints(p.ServerCPUs), ints(p.GeneratorCPUs))
	} else {
		note := ""
		if p.Note != "" {
			note = ": " + p.Note
		}
		add(false, "Pinning (%s): not applied%s; server and generator shared CPUs.", p.Mode, note)
	}
	b := r.Scenario.Backend
	add(false, "Backend: JWT %s, access TTL %s, refresh TTL %s; session idle timeout %s%s.", b.Alg, time.Duration(b.AccessTTL), time.Duration(b.RefreshTTL), time.Duration(b.IdleTimeout), map[bool]string{true: ", unsigned session IDs", false: ""}[b.SessionUnsigned])
	if q := r.Scenario.Search; q != nil {
		add(false, "Max-rate search: from %s req/s, up to %s, %d bisections; SLO p99 ≤ %s, errors ≤ %s%%.", num(q.Start, 0), num(q.Max, 0), q.Bisect, time.Duration(q.SLO.P99), num(100*q.SLO.ErrorRate, 2))
	}
	if len(s.BoundSteps) == 0 {
		add(false, "Generator-bound steps: none.")
	} else {
		add(true, "Generator-bound steps (%d): %s.", len(s.BoundSteps), strings.Join(s.BoundSteps, "; "))
	}
	if len(s.BoundProbes) > 0 {
		add(false, "%s", boundProbesLine(s.BoundProbes))
	}
	for _, n := range r.Notes {
		add(strings.Contains(n, "!!!") || strings.Contains(strings.ToUpper(n), "SYNTHETIC"), "Note: %s", n)
	}
	return out
}

func ints(xs []int) string {
	var s []string
	for _, x := range xs {
		s = append(s, strconv.Itoa(x))
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ",")
}

func heldTable(s *Summary) table {
	t := table{
		Caption: "Every rate, per variant (median (min–max) over repetitions; latencies in ms, CPU in µs per request).",
		Head:    []string{"variant", "kind", "offered req/s", "achieved req/s", "errors %", "server µs", "Redis µs", "sum µs", "Redis cmds", "p50", "p90", "p95", "p99", "max", "body B/req sent", "steps (gen-bound)"},
	}
	for _, v := range s.Variants {
		for _, set := range []struct {
			kind string
			ps   []Point
		}{{"rate", v.Held}, {"probe", v.Probes}} {
			for _, p := range set.ps {
				t.Rows = append(t.Rows, []string{v.Name, set.kind, num(p.Rate, 0), p.Achieved.Format(0), p.ErrorPct.Format(2),
					p.ServerCPU.Format(1), p.RedisCPU.Format(1), p.TotalCPU.Format(1), p.RedisCmds.Format(2),
					p.P50.Format(2), p.P90.Format(2), p.P95.Format(2), p.P99.Format(2), p.Max.Format(2), p.BodyOut.Format(1),
					fmt.Sprintf("%d (%d)", p.Steps, p.GeneratorBound)})
			}
		}
	}
	return t
}

func probeTable(s *Summary) table {
	t := table{
		Caption: "Max-rate search probes, in the order run.",
		Head:    []string{"variant", "repetition", "offered req/s", "achieved req/s", "p99 ms", "errors %", "verdict"},
	}
	dim := dimensionOf(s.Kind)
	if dim != "" {
		t.Head = slices.Insert(t.Head, 1, dim)
	}
	for _, v := range s.R.Variants {
		for _, st := range v.Steps {
			if st.Kind != "probe" {
				continue
			}
			verdict := "—"
			if st.SLO != nil {
				verdict = "pass"
				if !st.SLO.Pass {
					verdict = "fail: " + st.SLO.Reason
				}
			}
			row := []string{v.Label(), strconv.Itoa(st.Repetition), num(st.Rate, 0), num(st.All.Rate, 0),
				num(float64(st.All.Latency.P99)/1e6, 2), num(100*(1-st.All.Success), 2), verdict}
			if dim != "" {
				row = slices.Insert(row, 1, dimValue(s.Kind, st))
			}
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}

// commandTable breaks Redis commands per request down by command at
// each variant's reference point (median over its steps).
func commandTable(s *Summary) table {
	t := table{Caption: "Redis commands per HTTP request by command, at the highest held rate (median over repetitions).",
		Head: []string{"variant", "command", "per request"}}
	for _, v := range s.R.Variants {
		vs := s.Variant(v.Variant)
		if vs == nil || vs.Ref == nil || len(vs.Held) == 0 {
			continue
		}
		per := map[string][]float64{}
		for _, st := range v.Steps {
			if st.Kind != "rate" || st.Rate != vs.Ref.Rate || st.Redis == nil || st.All.Requests == 0 {
				continue
			}
			for c, n := range st.Redis.ByCommand {
				per[c] = append(per[c], float64(n)/float64(st.All.Requests))
			}
		}
		for _, c := range sortedKeys(per) {
			t.Rows = append(t.Rows, []string{v.Variant, c, statOf(per[c]).Format(3)})
		}
	}
	return t
}

// stepTable is heldTable for a trade-off run: every group of steps that
// share a variant pass, the kind's dimension, a step kind and a rate,
// never merging steps measured under different conditions.
func stepTable(s *Summary) table {
	r := s.R
	caption := "Every step, per variant (median (min–max) over repetitions; latencies in ms, CPU in µs per request)."
	caption += kindReportOf(s.Kind).stepsNote
	t := table{Caption: caption,
		Head: []string{"variant", "kind", "offered req/s", "achieved req/s", "errors %", "server µs", "Redis µs", "sum µs", "Redis cmds", "p50", "p90", "p95", "p99", "max", "steps (gen-bound)"}}
	dim := dimensionOf(s.Kind)
	if dim != "" {
		t.Head = slices.Insert(t.Head, 1, dim)
	}
	type key struct {
		dim  string
		sort float64
		kind results.StepKind
		rate float64
	}
	for _, v := range r.Variants {
		by := map[key][]results.Step{}
		var keys []key
		for _, st := range v.Steps {
			k := key{dim: dimValue(s.Kind, st), sort: dimOrder(s.Kind, st), kind: st.Kind, rate: st.Rate}
			if _, ok := by[k]; !ok {
				keys = append(keys, k)
			}
			by[k] = append(by[k], st)
		}
		slices.SortFunc(keys, func(a, b key) int {
			switch {
			case a.sort != b.sort:
				return cmpFloat(a.sort, b.sort)
			case a.kind != b.kind:
				return strings.Compare(string(b.kind), string(a.kind)) // rate before probe
			}
			return cmpFloat(a.rate, b.rate)
		})
		for _, k := range keys {
			p := merge(by[k], factsOf(v).Stateful)
			row := []string{v.Label(), string(k.kind), num(k.rate, 0), p.Achieved.Format(0), p.ErrorPct.Format(2),
				p.ServerCPU.Format(1), p.RedisCPU.Format(1), p.TotalCPU.Format(1), p.RedisCmds.Format(2),
				p.P50.Format(2), p.P90.Format(2), p.P95.Format(2), p.P99.Format(2), p.Max.Format(2),
				fmt.Sprintf("%d (%d)", p.Steps, p.GeneratorBound)}
			if dim != "" {
				row = slices.Insert(row, 1, k.dim)
			}
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}
