package report

import (
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/authbench/authbench/results"
)

// Stat is one figure over a run's repetitions: its median and range.
// N == 0 means the figure was not measured.
type Stat struct {
	Median, Min, Max float64
	N                int
}

// statOf summarises xs; the median of an even count is the mean of the
// middle two, so it does not depend on order.
func statOf(xs []float64) Stat {
	if len(xs) == 0 {
		return Stat{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return Stat{Median: m, Min: s[0], Max: s[len(s)-1], N: len(s)}
}

// Ok reports whether the figure was measured.
func (s Stat) Ok() bool { return s.N > 0 }

// Spread reports whether there is a range to show: more than one
// measurement.
func (s Stat) Spread() bool { return s.N > 1 }

// Format writes the median with prec decimals and, with repetitions, the
// range: "0.41 (0.38–0.45)". An unmeasured figure is "—".
func (s Stat) Format(prec int) string {
	if !s.Ok() {
		return "—"
	}
	if !s.Spread() {
		return num(s.Median, prec)
	}
	return num(s.Median, prec) + " (" + num(s.Min, prec) + "–" + num(s.Max, prec) + ")"
}

// Disjoint reports whether two figures' ranges do not overlap, both
// having a spread: the only case where their difference exceeds the
// runs' own variation.
func (s Stat) Disjoint(o Stat) bool {
	return s.Spread() && o.Spread() && (s.Max < o.Min || o.Max < s.Min)
}

// num formats v with fixed precision so golden files are stable; -0
// becomes 0.
func num(v float64, prec int) string {
	out := strconv.FormatFloat(v, 'f', prec, 64)
	if z := strconv.FormatFloat(0, 'f', prec, 64); out == "-"+z {
		return z
	}
	return out
}

// Point is a variant's figures at one offered rate, over repetitions.
type Point struct {
	// Rate is the offered (asked) rate, requests per second.
	Rate float64
	// ServerCPU, RedisCPU and TotalCPU are CPU µs per request; TotalCPU
	// is absent when a store-using variant's Redis CPU is.
	ServerCPU, RedisCPU, TotalCPU Stat
	// RedisCmds is Redis commands per HTTP request.
	RedisCmds Stat
	// P50 … Max are latencies in milliseconds.
	P50, P90, P95, P99, Max Stat
	// Achieved is the achieved send rate.
	Achieved Stat
	// ErrorPct is the share of failed requests, in percent.
	ErrorPct Stat
	// BodyOut is request body bytes per request (login bodies).
	BodyOut Stat
	// Credential is the Cookie header bytes per GET /api/me.
	Credential Stat
	// Steps counts the steps summarised; GeneratorBound how many of them
	// the generator, not the server, limited.
	Steps, GeneratorBound int
}

// VariantSummary is everything the report says about one variant.
type VariantSummary struct {
	Name string
	// Facts are the variant's revocation semantics.
	Facts Facts
	// Held are the fixed-rate steps grouped by rate, ascending.
	Held []Point
	// Probes are the max-rate search probes grouped by rate, ascending.
	Probes []Point
	// Ref is the point the per-request costs are quoted at: the highest
	// held rate, or the passing probes at the max sustainable rate.
	Ref *Point
	// RefLabel says which point Ref is, for the reader.
	RefLabel string
	// MaxRate is the max sustainable rate under the SLO, per repetition;
	// MaxRateBound is true when any repetition's limit was the
	// generator's; MaxRateOpen when no probe failed (the rate is a floor).
	MaxRate      Stat
	MaxRateBound bool
	MaxRateOpen  bool
	// RedisBytesPerUser is absent (N == 0) when unmeasured.
	RedisBytesPerUser Stat
	// Error is why the variant stopped early, if it did.
	Error string
}

// Summary is a run reduced to what the report shows.
type Summary struct {
	R *results.Results
	// Kind is the run's kind; results written before kinds existed are
	// steady.
	Kind results.Kind
	// Baseline says which steps Variants summarises when the run varied
	// something besides the rate ("+0s added store latency", "1
	// instance"); empty when it summarises every step. Figures measured
	// under different conditions are never merged into one cell.
	Baseline string
	Variants []VariantSummary
	// HeldRates is the union of held rates over variants, ascending.
	HeldRates []float64
	// BoundSteps describes every generator-bound step but capacity
	// probes, which BoundProbes describes: a generator-bound capacity
	// probe makes that capacity a lower bound, which the cost headline
	// says, and taints no other figure.
	BoundSteps  []string
	BoundProbes []string
}

// Variant returns the summary of the named variant (its Label: a sticky
// pass is "session-memory (sticky)"), or nil.
func (s *Summary) Variant(name string) *VariantSummary {
	for i := range s.Variants {
		if s.Variants[i].Name == name {
			return &s.Variants[i]
		}
	}
	return nil
}

// Summarise reduces r to per-variant figures with their spread. For a
// store-latency or scale-out run it summarises the baseline steps only
// (the smallest added latency, the fewest instances; see
// Summary.Baseline): the kind's own section shows the rest.
func Summarise(r *results.Results) *Summary {
	s := &Summary{R: r, Kind: kindOf(r)}
	keep, baseline := baselineFilter(r)
	s.Baseline = baseline
	for _, v := range r.Variants {
		vs := VariantSummary{Name: v.Label(), Facts: factsOf(v), Error: v.Error}
		var held, probes []results.Step
		for _, st := range v.Steps {
			if st.Kind == results.StepOutage {
				continue // a master stopped half-way: the cluster section's, no steady figure
			}
			if st.Kind == results.StepSaturation {
				continue // a closed loop under the quota: the cost analysis's
			}
			if st.Kind == "capacity" {
				// Probes under a CPU quota: the cost analysis's, never
				// merged with the steps on a whole core.
				if st.GeneratorBound {
					s.BoundProbes = append(s.BoundProbes, v.Label()+" "+num(st.Rate, 0)+" req/s (round "+strconv.Itoa(st.Repetition)+"): "+st.GeneratorBoundReason)
				}
				continue
			}
			if st.GeneratorBound {
				s.BoundSteps = append(s.BoundSteps, v.Label()+" "+string(st.Kind)+" "+num(st.Rate, 0)+" req/s"+condition(s.Kind, st.AddedLatency, st.Instances)+" (repetition "+strconv.Itoa(st.Repetition)+"): "+st.GeneratorBoundReason)
			}
			if !keep(st.AddedLatency, st.Instances) {
				continue
			}
			if st.Kind == "rate" {
				held = append(held, st)
			} else {
				probes = append(probes, st)
			}
		}
		vs.Held = points(held, vs.Facts.Stateful)
		vs.Probes = points(probes, vs.Facts.Stateful)
		for _, p := range vs.Held {
			if !slices.Contains(s.HeldRates, p.Rate) {
				s.HeldRates = append(s.HeldRates, p.Rate)
			}
		}
		var rates []float64
		var maxRates []results.MaxRate
		for _, m := range v.MaxRate {
			if keep(m.AddedLatency, m.Instances) {
				maxRates = append(maxRates, m)
			}
		}
		for _, m := range maxRates {
			rates = append(rates, m.Rate)
			vs.MaxRateBound = vs.MaxRateBound || m.GeneratorBound
			vs.MaxRateOpen = vs.MaxRateOpen || (m.FailedAt == 0 && m.Rate > 0)
		}
		vs.MaxRate = statOf(rates)
		if m := v.RedisMemory; m != nil {
			vs.RedisBytesPerUser = statOf([]float64{m.BytesPerUser})
		}
		switch {
		case len(vs.Held) > 0:
			p := vs.Held[len(vs.Held)-1]
			vs.Ref, vs.RefLabel = &p, "at "+num(p.Rate, 0)+" req/s"
		case len(maxRates) > 0:
			// The passing probe at each repetition's max rate.
			var at []results.Step
			for _, m := range maxRates {
				for _, st := range probes {
					if st.Repetition == m.Repetition && st.Rate == m.Rate && st.SLO != nil && st.SLO.Pass {
						at = append(at, st)
					}
				}
			}
			if len(at) > 0 {
				p := merge(at, vs.Facts.Stateful)
				vs.Ref, vs.RefLabel = &p, "at the max sustainable rate"
			}
		}
		s.Variants = append(s.Variants, vs)
	}
	slices.Sort(s.HeldRates)
	return s
}

// kindOf is r's kind; results written before kinds existed are steady.
func kindOf(r *results.Results) results.Kind {
	if r.Kind == "" {
		return results.KindSteady
	}
	return r.Kind
}

// instancesOf reads Step.Instances and MaxRate.Instances, where 0 means one.
func instancesOf(n int) int { return max(n, 1) }

// baselineFilter returns which steps and max-rate results Summarise
// keeps (by their added store latency and instance count) and how to
// describe them: the kind's baseline (the smallest added latency, the
// fewest instances), otherwise everything.
func baselineFilter(r *results.Results) (func(added time.Duration, instances int) bool, string) {
	if d := kindReportOf(kindOf(r)).dim; d != nil {
		return d.baseline(r)
	}
	return func(time.Duration, int) bool { return true }, ""
}

// condition describes a step's added latency or instance count where
// the run's kind varies it: " at +5ms store latency", " on 4 instances".
func condition(kind results.Kind, added time.Duration, instances int) string {
	if d := kindReportOf(kind).dim; d != nil {
		return d.condition(added, instances)
	}
	return ""
}

// plural is "1 instance", "4 instances".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// points groups steps by offered rate.
func points(steps []results.Step, stateful bool) []Point {
	by := map[float64][]results.Step{}
	for _, st := range steps {
		by[st.Rate] = append(by[st.Rate], st)
	}
	var out []Point
	for _, rate := range slices.Sorted(maps.Keys(by)) {
		p := merge(by[rate], stateful)
		p.Rate = rate
		out = append(out, p)
	}
	return out
}

// merge summarises steps (usually one per repetition) as one Point.
func merge(steps []results.Step, stateful bool) Point {
	var srv, rds, tot, cmds, p50, p90, p95, p99, mx, ach, errp, body, rate, cred []float64
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	p := Point{Steps: len(steps)}
	for _, st := range steps {
		rate = append(rate, st.Rate)
		if st.GeneratorBound {
			p.GeneratorBound++
		}
		if st.Server != nil {
			srv = append(srv, st.Server.CPUPerRequest*1e6)
		}
		if st.Redis != nil {
			rds = append(rds, st.Redis.CPUPerRequest*1e6)
			cmds = append(cmds, st.Redis.CommandsPerRequest)
		}
		switch {
		case st.Server != nil && st.Redis != nil:
			tot = append(tot, (st.Server.CPUPerRequest+st.Redis.CPUPerRequest)*1e6)
		case st.Server != nil && !stateful:
			tot = append(tot, st.Server.CPUPerRequest*1e6)
		}
		if st.All.Requests == 0 {
			continue
		}
		l := st.All.Latency
		p50, p90, p95 = append(p50, ms(l.P50)), append(p90, ms(l.P90)), append(p95, ms(l.P95))
		p99, mx = append(p99, ms(l.P99)), append(mx, ms(l.Max))
		ach = append(ach, st.All.Rate)
		errp = append(errp, 100*(1-st.All.Success))
		body = append(body, float64(st.All.BytesOut)/float64(st.All.Requests))
		cred = append(cred, st.CredentialBytes)
	}
	p.Rate = statOf(rate).Median
	p.ServerCPU, p.RedisCPU, p.TotalCPU, p.RedisCmds = statOf(srv), statOf(rds), statOf(tot), statOf(cmds)
	p.P50, p.P90, p.P95, p.P99, p.Max = statOf(p50), statOf(p90), statOf(p95), statOf(p99), statOf(mx)
	p.Achieved, p.ErrorPct, p.BodyOut, p.Credential = statOf(ach), statOf(errp), statOf(body), statOf(cred)
	return p
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
