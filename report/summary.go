package report

import (
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/authbench/authbench/loadtest"
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
	R        *loadtest.Results
	Variants []VariantSummary
	// HeldRates is the union of held rates over variants, ascending.
	HeldRates []float64
	// BoundSteps describes every generator-bound step.
	BoundSteps []string
}

// Variant returns the summary of the named variant, or nil.
func (s *Summary) Variant(name string) *VariantSummary {
	for i := range s.Variants {
		if s.Variants[i].Name == name {
			return &s.Variants[i]
		}
	}
	return nil
}

// Summarise reduces r to per-variant figures with their spread.
func Summarise(r *loadtest.Results) *Summary {
	s := &Summary{R: r}
	for _, v := range r.Variants {
		vs := VariantSummary{Name: v.Variant, Facts: factsOf(v.Variant), Error: v.Error}
		var held, probes []loadtest.Step
		for _, st := range v.Steps {
			if st.GeneratorBound {
				s.BoundSteps = append(s.BoundSteps, v.Variant+" "+st.Kind+" "+num(st.Rate, 0)+" req/s (repetition "+strconv.Itoa(st.Repetition)+"): "+st.GeneratorBoundReason)
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
		for _, m := range v.MaxRate {
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
		case len(v.MaxRate) > 0:
			// The passing probe at each repetition's max rate.
			var at []loadtest.Step
			for _, m := range v.MaxRate {
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

// points groups steps by offered rate.
func points(steps []loadtest.Step, stateful bool) []Point {
	by := map[float64][]loadtest.Step{}
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
func merge(steps []loadtest.Step, stateful bool) Point {
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
