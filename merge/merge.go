package merge

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/authbench/authbench/raw"
	"github.com/authbench/authbench/results"
)

// ErrMismatch means the runs given do not line up: they cannot be parts
// of one load.
var ErrMismatch = errors.New("runs do not line up")

// ErrRaw means a step's raw results could not be had.
var ErrRaw = errors.New("raw results unavailable")

// RawSource returns the raw results of step s (index into Steps) of
// variant v (index into Variants) of a part's results.
type RawSource func(v, s int) ([]vegeta.Result, error)

// Part is one generator's run.
type Part struct {
	// Dir is where the run came from; it names the part in errors and
	// its raw files are taken relative to it. The merged run records it
	// relative to the merged run's folder when it lies beneath it.
	Dir string
	// Results is the run's results.json.
	Results *results.Results
	// Raw gives the raw results of each step.
	Raw RawSource
}

// name is the part's generator name, its folder when it has none.
func (p Part) name() string {
	if p.Results.Generator != "" {
		return p.Results.Generator
	}
	return p.Dir
}

// warnShare is the share of a step's duration by which generators'
// starts may differ before the merged run says the rates did not add up
// for a noticeable part of the step.
const warnShare = 0.1

// Merge combines parts into one run. out, when not empty, is the folder
// the merged run will be written to: the parts' raw files are then
// recorded relative to it. The merged run's RunID is out's base name.
//
// Only fixed-rate steps merge: a max-rate search or a cost curve decides
// its next step from its own results, so two generators' searches are
// not one load. Server and Redis costs are left out: a generator driving
// a --target server measures neither.
func Merge(out string, parts []Part) (*results.Results, error) {
	if len(parts) < 2 {
		return nil, fmt.Errorf("merge: %d run(s) given, need at least two: %w", len(parts), ErrMismatch)
	}
	if err := lineUp(parts); err != nil {
		return nil, err
	}
	first := parts[0].Results
	m := &results.Results{
		Schema:       results.Schema,
		RunID:        filepath.Base(out),
		Started:      first.Started,
		Finished:     first.Finished,
		ScenarioFile: first.ScenarioFile,
		Scenario:     first.Scenario,
		Environment:  first.Environment,
		Redis:        first.Redis,
		Target:       first.Target,
		BcryptCost:   first.BcryptCost,
		Pinning:      first.Pinning,
		Kind:         first.Kind,
		Policy:       first.Policy,
		Notes:        []string{},
		Variants:     []results.VariantResult{},
	}
	if out == "" {
		m.RunID = "merged"
	}
	m.Scenario.Rates = slices.Clone(first.Scenario.Rates)
	m.Scenario.Generators = len(parts)
	var errs []string
	for i, p := range parts {
		r := p.Results
		if r.Started.Before(m.Started) {
			m.Started = r.Started
		}
		if r.Finished.After(m.Finished) {
			m.Finished = r.Finished
		}
		m.Interrupted = m.Interrupted || r.Interrupted
		if r.Error != "" {
			errs = append(errs, p.name()+": "+r.Error)
		}
		if i > 0 {
			for k := range m.Scenario.Rates {
				m.Scenario.Rates[k] += r.Scenario.Rates[k]
			}
		}
		m.Generators = append(m.Generators, results.GeneratorPart{
			Name: p.name(), Source: relTo(out, p.Dir), RunID: r.RunID, Hostname: r.Environment.Hostname,
		})
	}
	m.Error = strings.Join(errs, "; ")
	for v := range first.Variants {
		vr, err := mergeVariant(out, parts, v)
		if err != nil {
			return nil, err
		}
		m.Variants = append(m.Variants, vr)
	}
	m.Notes = append(m.Notes, notes(m, parts)...)
	return m, nil
}

// lineUp refuses parts that are not one load: another kind or scenario,
// other variants or steps, a step kind that does not merge, or a part
// that is itself a merge. Errors name the folder and the step.
func lineUp(parts []Part) error {
	ref := parts[0]
	names := map[string]string{}
	for _, p := range parts {
		r := p.Results
		if r == nil {
			return fmt.Errorf("merge: %s: no results: %w", p.Dir, ErrMismatch)
		}
		if d, ok := names[p.name()]; ok {
			return fmt.Errorf("merge: %s and %s are both generator %q: give each its own --generator name: %w", d, p.Dir, p.name(), ErrMismatch)
		}
		names[p.name()] = p.Dir
		if len(r.Generators) > 0 {
			return fmt.Errorf("merge: %s is already a merge of %d generators; merge its parts instead: %w", p.Dir, len(r.Generators), ErrMismatch)
		}
		if k := r.Kind; k != results.KindSteady && k != "" {
			return fmt.Errorf("merge: %s: a %s run; only steady runs (fixed rates) merge: %w", p.Dir, k, ErrMismatch)
		}
		if p.Raw == nil {
			return fmt.Errorf("merge: %s: no raw results: %w", p.Dir, ErrRaw)
		}
		if f := scenarioDiff(ref.Results.Scenario, r.Scenario); f != "" {
			return fmt.Errorf("merge: %s: scenario differs from %s's in %s: %w", p.Dir, ref.Dir, f, ErrMismatch)
		}
		if a, b := labels(ref.Results), labels(r); !slices.Equal(a, b) {
			return fmt.Errorf("merge: %s: variants %v, %s has %v: %w", p.Dir, b, ref.Dir, a, ErrMismatch)
		}
		for v, vr := range r.Variants {
			if err := stepsLineUp(ref, p, v); err != nil {
				return fmt.Errorf("merge: %s: %s: %w", p.Dir, vr.Label(), err)
			}
		}
	}
	return nil
}

func stepsLineUp(ref, p Part, v int) error {
	a, b := ref.Results.Variants[v].Steps, p.Results.Variants[v].Steps
	if len(a) != len(b) {
		return fmt.Errorf("%d steps, %s has %d: %w", len(b), ref.Dir, len(a), ErrMismatch)
	}
	for s := range b {
		x, y := a[s], b[s]
		switch {
		case y.Kind != results.StepRate:
			return fmt.Errorf("step %d is a %s step; only fixed-rate steps merge (a search decides its next step from its own results): %w", y.Index, y.Kind, ErrMismatch)
		case x.Kind != y.Kind, x.Repetition != y.Repetition, x.Index != y.Index, x.Duration != y.Duration:
			return fmt.Errorf("step %d is %s r%d #%d for %s, %s's is %s r%d #%d for %s: %w",
				s+1, y.Kind, y.Repetition, y.Index, y.Duration, ref.Dir, x.Kind, x.Repetition, x.Index, x.Duration, ErrMismatch)
		}
	}
	return nil
}

func labels(r *results.Results) []string {
	l := make([]string, len(r.Variants))
	for i, v := range r.Variants {
		l[i] = v.Label()
	}
	return l
}

// scenarioDiff names the first top-level scenario field in which a and
// b differ, rates aside (each generator sends its share); "" when none.
func scenarioDiff(a, b results.Scenario) string {
	if len(a.Rates) != len(b.Rates) {
		return fmt.Sprintf("\"rates\" (%d rates vs %d)", len(a.Rates), len(b.Rates))
	}
	a.Rates, b.Rates = nil, nil
	ma, mb := fields(a), fields(b)
	keys := make([]string, 0, len(ma)+len(mb))
	for k := range ma {
		keys = append(keys, k)
	}
	for k := range mb {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if string(ma[k]) != string(mb[k]) {
			return fmt.Sprintf("%q (%s vs %s)", k, orNone(ma[k]), orNone(mb[k]))
		}
	}
	return ""
}

func fields(s results.Scenario) map[string]json.RawMessage {
	b, _ := json.Marshal(s)
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	return m
}

func orNone(b json.RawMessage) string {
	if b == nil {
		return "absent"
	}
	return string(b)
}

func mergeVariant(out string, parts []Part, v int) (results.VariantResult, error) {
	first := parts[0].Results.Variants[v]
	vr := results.VariantResult{Variant: first.Variant, Info: first.Info, Routing: first.Routing, Steps: []results.Step{}}
	var errs []string
	for _, p := range parts {
		pv := p.Results.Variants[v]
		l := pv.Logins
		vr.Logins.Users += l.Users
		vr.Logins.Failures += l.Failures
		vr.Logins.Duration = max(vr.Logins.Duration, l.Duration)
		if vr.Logins.FirstError == "" && l.FirstError != "" {
			vr.Logins.FirstError = p.name() + ": " + l.FirstError
		}
		if pv.Error != "" {
			errs = append(errs, p.name()+": "+pv.Error)
		}
	}
	vr.Error = strings.Join(errs, "; ")
	for s := range first.Steps {
		st, err := mergeStep(out, parts, v, s)
		if err != nil {
			return vr, fmt.Errorf("merge: %s step %d: %w", first.Label(), first.Steps[s].Index, err)
		}
		vr.Steps = append(vr.Steps, st)
	}
	return vr, nil
}

// mergeStep is step s of variant v over every part. Percentiles, counts
// and success come from the union of the raw results, in one canonical
// order (raw.Sort); asked and achieved rates are the sums of the parts':
// each part's achieved rate is over its own span, so the generators'
// offsets are not counted as idle time.
func mergeStep(out string, parts []Part, v, s int) (results.Step, error) {
	x := parts[0].Results.Variants[v].Steps[s]
	st := results.Step{
		Kind: x.Kind, Repetition: x.Repetition, Index: x.Index, Duration: x.Duration,
		Started: x.Started, AddedLatency: x.AddedLatency, Instances: x.Instances,
	}
	var all []vegeta.Result
	var why []string
	var meReqs uint64
	var credSum float64
	for i, p := range parts {
		ps := p.Results.Variants[v].Steps[s]
		rs, err := p.Raw(v, s)
		if err != nil {
			return st, fmt.Errorf("%s: %w: %w", p.Dir, ErrRaw, err)
		}
		if uint64(len(rs)) != ps.All.Requests {
			return st, fmt.Errorf("%s: raw results hold %d requests, results.json %d: %w", p.Dir, len(rs), ps.All.Requests, ErrRaw)
		}
		all = append(all, rs...)
		if i == 0 || ps.Started.Before(st.Started) {
			st.Started = ps.Started
		}
		st.Rate += ps.Rate
		st.Wall = max(st.Wall, ps.Wall)
		st.Interrupted = st.Interrupted || ps.Interrupted
		st.Generator.CPUSeconds += ps.Generator.CPUSeconds
		st.Generator.Cores += ps.Generator.Cores
		st.Generator.Utilisation = max(st.Generator.Utilisation, ps.Generator.Utilisation)
		if ps.GeneratorBound {
			st.GeneratorBound = true
			why = append(why, p.name()+": "+ps.GeneratorBoundReason)
		}
		me := ps.Routes[results.RouteMe].Requests
		meReqs += me
		credSum += ps.CredentialBytes * float64(me)
		part := results.StepPart{
			Generator: p.name(), Rate: ps.Rate, Started: ps.Started,
			Requests: ps.All.Requests, AchievedRate: ps.All.Rate, Success: ps.All.Success,
			Cost: ps.Generator, GeneratorBound: ps.GeneratorBound, GeneratorBoundReason: ps.GeneratorBoundReason,
		}
		if ps.RawFile != "" {
			part.RawFile = relTo(out, filepath.Join(p.Dir, ps.RawFile))
		}
		st.Parts = append(st.Parts, part)
	}
	for i := range st.Parts {
		st.Parts[i].Offset = st.Parts[i].Started.Sub(st.Started)
	}
	st.GeneratorBoundReason = strings.Join(why, "; ")
	if meReqs > 0 {
		st.CredentialBytes = credSum / float64(meReqs)
	}
	raw.Sort(all)
	st.All, st.Routes = raw.Of(all)
	st.All.Rate, st.All.Throughput = 0, 0
	for k, rm := range st.Routes {
		rm.Rate, rm.Throughput = 0, 0
		st.Routes[k] = rm
	}
	for _, p := range parts {
		ps := p.Results.Variants[v].Steps[s]
		st.All.Rate += ps.All.Rate
		st.All.Throughput += ps.All.Throughput
		for k, pm := range ps.Routes {
			rm := st.Routes[k]
			rm.Rate += pm.Rate
			rm.Throughput += pm.Throughput
			st.Routes[k] = rm
		}
	}
	return st, nil
}

// relTo is path relative to out when it lies beneath it, else path.
func relTo(out, path string) string {
	if out == "" {
		return path
	}
	rel, err := filepath.Rel(out, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return path
	}
	return rel
}

// notes are what the merged run must say of itself: its parts, their
// offsets (filled into m.Generators), steps whose starts were far
// apart, and the parts' own notes (once when they agree).
func notes(m *results.Results, parts []Part) []string {
	names := make([]string, len(parts))
	for i, p := range parts {
		names[i] = p.name()
	}
	n := []string{fmt.Sprintf("merged from %d generators (%s): rates are their sums, percentiles and success are over the union of their raw results", len(parts), strings.Join(names, ", "))}
	hosts := map[string]bool{}
	for _, p := range parts {
		hosts[p.Results.Environment.Hostname] = true
	}
	for i := range m.Generators {
		g := &m.Generators[i]
		var offs []time.Duration
		for _, vr := range m.Variants {
			for _, st := range vr.Steps {
				o := st.Parts[i].Offset
				offs = append(offs, o)
				if o > g.MaxOffset {
					g.MaxOffset = o
				}
				if share := o.Seconds() / st.Duration.Seconds(); st.Duration > 0 && share > warnShare {
					n = append(n, fmt.Sprintf("%s step %d: %s started %v after the first generator, %.0f %% of the %v step: for that long the rates did not add up at the server",
						vr.Label(), st.Index, g.Name, o.Round(time.Millisecond), 100*share, st.Duration))
				}
			}
		}
		if len(offs) > 0 {
			slices.Sort(offs)
			g.Offset = offs[len(offs)/2]
		}
	}
	var off []string
	for _, g := range m.Generators {
		off = append(off, fmt.Sprintf("%s %v (at most %v)", g.Name, g.Offset.Round(time.Microsecond), g.MaxOffset.Round(time.Microsecond)))
	}
	clock := "on one host, one clock"
	if len(hosts) > 1 {
		clock = fmt.Sprintf("on %d hosts: the offsets include the difference of their clocks", len(hosts))
	}
	n = append(n, fmt.Sprintf("generators' step starts after the earliest, median over steps: %s; %s", strings.Join(off, ", "), clock))
	if g := parts[0].Results.Scenario.Generators; g > 1 && g != len(parts) {
		n = append(n, fmt.Sprintf("the scenario says generators: %d, but %d runs were merged: each sent 1/%d of every rate, so the merged rates are %d/%d of the scenario's", g, len(parts), g, len(parts), g))
	}
	for _, p := range parts {
		if p.Results.Target.URL != m.Target.URL {
			n = append(n, fmt.Sprintf("%s drove %s, %s drove %s: make sure both reach the same server", p.name(), p.Results.Target.URL, parts[0].name(), m.Target.URL))
		}
	}
	seen := map[string]int{}
	for _, p := range parts {
		for _, s := range p.Results.Notes {
			seen[s]++
		}
	}
	for _, p := range parts {
		for _, s := range p.Results.Notes {
			switch c := seen[s]; {
			case c == len(parts):
				n = append(n, s)
				seen[s] = 0 // once
			case c > 0:
				n = append(n, p.name()+": "+s)
			}
		}
	}
	return n
}
