package report

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/authbench/authbench/results"
)

// ResultsFile is the name of a run's results inside its folder.
const ResultsFile = "results.json"

// ErrInvalid means results.json decoded but holds values no run writes;
// the error names the field.
var ErrInvalid = errors.New("invalid results")

// Load reads and checks runDir/results.json. Decoding and schema errors
// come from results.Load (wrapping results.ErrSchema for an older or
// missing schema); values no run could have written wrap ErrInvalid and
// name the field, so the report never renders nonsense or panics on it.
func Load(runDir string) (*results.Results, error) {
	path := filepath.Join(runDir, ResultsFile)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	r, err := results.Load(path)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if err := check(r); err != nil {
		return nil, fmt.Errorf("report: %s: %w", path, err)
	}
	return r, nil
}

// check rejects what the rendering relies on and a run never writes.
func check(r *results.Results) error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("field %s: %s: %w", field, fmt.Sprintf(format, args...), ErrInvalid)
	}
	if r.RunID == "" {
		return bad("run_id", "empty")
	}
	if _, ok := lookupKindReport(r.Kind); r.Kind != "" && !ok {
		return bad("kind", "%q is not one of %v", r.Kind, kindNames())
	}
	seen := map[string]bool{}
	for i, v := range r.Variants {
		f := fmt.Sprintf("variants[%d]", i)
		switch {
		case v.Variant == "":
			// Any name is rendered: an old run re-renders even after a
			// variant was renamed or dropped.
			return bad(f+".variant", "empty")
		case v.Routing != "" && v.Routing != results.RoutingRoundRobin && v.Routing != results.RoutingSticky:
			return bad(f+".routing", "%q, want %s or %s", v.Routing, results.RoutingRoundRobin, results.RoutingSticky)
		case seen[v.Label()]:
			// A variant may appear twice only as two routings (scale-out).
			return bad(f+".variant", "%q appears twice", v.Label())
		}
		seen[v.Label()] = true
		if err := checkKindFields(v, f, bad); err != nil {
			return err
		}
		if m := v.RedisMemory; m != nil && (m.Bytes < 0 || m.Keys < 0 || m.BytesPerUser < 0) {
			return bad(f+".redis_memory", "negative figure")
		}
		for j, s := range v.Steps {
			g := fmt.Sprintf("%s.steps[%d]", f, j)
			switch {
			case s.Kind != "rate" && s.Kind != "probe" && s.Kind != "capacity" && s.Kind != results.StepSaturation && s.Kind != results.StepOutage:
				return bad(g+".kind", "%q, want rate, probe, capacity, saturation or outage", s.Kind)
			case s.Quota < 0 || s.Quota > 1:
				return bad(g+".cpu_quota", "%g, want a share of one core, 0..1", s.Quota)
			case s.Throttling != nil && s.Throttling.Throttled > s.Throttling.Periods:
				return bad(g+".throttling.throttled", "%d of %d periods, want at most all of them", s.Throttling.Throttled, s.Throttling.Periods)
			case s.Throttling != nil && s.Throttling.Time < 0:
				return bad(g+".throttling.throttled_ns", "%d is negative", s.Throttling.Time)
			case s.Repetition < 1:
				return bad(g+".repetition", "%d, want at least 1", s.Repetition)
			case s.Kind == results.StepSaturation && s.Rate != 0:
				return bad(g+".rate", "%g, want 0: a saturation probe is a closed loop and asks no rate", s.Rate)
			case s.Kind != results.StepSaturation && !(s.Rate > 0):
				return bad(g+".rate", "%g, want a positive rate", s.Rate)
			case s.All.Success < 0 || s.All.Success > 1:
				return bad(g+".all.success", "%g, want 0..1", s.All.Success)
			case s.All.Latency.P50 < 0 || s.All.Latency.P99 < 0 || s.All.Latency.Max < 0:
				return bad(g+".all.latency", "negative latency")
			case s.Server != nil && s.Server.CPUPerRequest < 0:
				return bad(g+".server.cpu_seconds_per_request", "%g is negative", s.Server.CPUPerRequest)
			case s.Redis != nil && (s.Redis.CPUPerRequest < 0 || s.Redis.CommandsPerRequest < 0):
				return bad(g+".redis", "negative figure")
			case s.AddedLatency < 0:
				return bad(g+".added_store_latency_ns", "%d is negative", s.AddedLatency)
			case s.Instances < 0:
				return bad(g+".instances", "%d is negative", s.Instances)
			}
			for k, p := range s.Phases {
				if p.All.Success < 0 || p.All.Success > 1 {
					return bad(fmt.Sprintf("%s.phases[%d].all.success", g, k), "%g, want 0..1", p.All.Success)
				}
			}
		}
		for j, m := range v.MaxRate {
			g := fmt.Sprintf("%s.max_rate[%d]", f, j)
			if m.Rate < 0 || m.FailedAt < 0 {
				return bad(g+".rate", "negative rate")
			}
		}
	}
	if r.Cost != nil {
		return checkCost(r.Cost, seen, bad)
	}
	return nil
}

// checkCost rejects a cost analysis the headline could only misreport:
// an interval that is not finite or whose bounds are reversed, a
// negative capacity, a variant the run does not have. labels are the
// run's variant labels.
func checkCost(ca *results.CostAnalysis, labels map[string]bool, bad func(field, format string, args ...any) error) error {
	if !(ca.Level > 0 && ca.Level < 1) {
		return bad("cost.level", "%g, want a confidence level in (0, 1)", ca.Level)
	}
	interval := func(field string, iv *results.Interval) error {
		switch {
		case iv == nil:
			return nil
		case !finite(iv.Estimate) || !finite(iv.Lo) || !finite(iv.Hi):
			return bad(field, "not a finite interval (%g [%g, %g])", iv.Estimate, iv.Lo, iv.Hi)
		case iv.Lo > iv.Hi:
			return bad(field, "lower bound %g above upper bound %g", iv.Lo, iv.Hi)
		case iv.N < 0:
			return bad(field+".n", "%d is negative", iv.N)
		}
		return nil
	}
	for i, v := range ca.Variants {
		f := fmt.Sprintf("cost.variants[%d]", i)
		if !labels[v.Variant] {
			return bad(f+".variant", "%q is not a variant of the run", v.Variant)
		}
		for _, iv := range []struct {
			field string
			iv    *results.Interval
		}{{"server_marginal_cpu_s", v.ServerMarginal}, {"server_idle_cpu_s_per_s", v.ServerIdle}, {"redis_marginal_cpu_s", v.RedisMarginal}} {
			if err := interval(f+"."+iv.field, iv.iv); err != nil {
				return err
			}
		}
		if c := v.Capacity; c != nil {
			if err := interval(f+".capacity.rate", &c.Rate); err != nil {
				return err
			}
			if err := interval(f+".capacity.per_core", &c.PerCore); err != nil {
				return err
			}
			if c.Rate.Lo < 0 || c.Unexplained < 0 || c.Failed < 0 || c.Bursts < 0 {
				return bad(f+".capacity", "negative figure")
			}
			if c.Bursts > c.Failed {
				return bad(f+".capacity.bursts", "%d of %d failing probes, want at most all of them", c.Bursts, c.Failed)
			}
			if err := interval(f+".capacity.quota_use", c.QuotaUse); err != nil {
				return err
			}
			for j, r := range c.Rounds {
				if r.Rate < 0 || r.FailedAt < 0 {
					return bad(fmt.Sprintf("%s.capacity.rounds[%d]", f, j), "negative rate")
				}
			}
		}
		if s := v.Saturation; s != nil {
			g := f + ".saturation"
			for _, iv := range []struct {
				field string
				iv    *results.Interval
			}{{"throughput", &s.Throughput}, {"per_core", &s.PerCore}, {"server_cpu_s", s.ServerCPU}, {"redis_cpu_s", s.RedisCPU}} {
				if err := interval(g+"."+iv.field, iv.iv); err != nil {
					return err
				}
			}
			if s.Connections < 0 || s.Unsaturated < 0 {
				return bad(g, "negative count")
			}
			for j, r := range s.Rounds {
				if r.Throughput < 0 || r.ServerCPU < 0 || r.RedisCPU < 0 || r.QuotaShare < 0 || r.Sleeps < 0 || r.Generator < 0 || r.Success < 0 || r.Success > 1 {
					return bad(fmt.Sprintf("%s.rounds[%d]", g, j), "figure out of range")
				}
			}
		}
		for j, r := range v.Ratios {
			g := fmt.Sprintf("%s.ratios[%d]", f, j)
			for _, iv := range []struct {
				field string
				iv    *results.Interval
			}{{"capacity", r.Capacity}, {"marginal", r.Marginal}, {"saturation", r.Saturation}, {"saturated_cpu", r.SaturatedCPU}} {
				if err := interval(g+"."+iv.field, iv.iv); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// checkKindFields rejects kind-specific results the sections could only
// misreport: an outage or storm that names no recorded step, or a time
// below -1 (the runner's "never").
func checkKindFields(v results.VariantResult, f string, bad func(field, format string, args ...any) error) error {
	hasStep := func(index int) bool {
		return slices.ContainsFunc(v.Steps, func(s results.Step) bool { return s.Index == index })
	}
	for j, o := range v.Outages {
		g := fmt.Sprintf("%s.outages[%d]", f, j)
		switch {
		case !hasStep(o.Step):
			return bad(g+".step", "%d names no step of the variant", o.Step)
		case o.FirstSuccess < -1 || o.Steady < -1:
			return bad(g, "a recovery time below -1")
		case o.RestoredAt < o.CutAt:
			return bad(g+".restored_at_ns", "restored (%v) before cut (%v)", o.RestoredAt, o.CutAt)
		}
		for k, b := range o.Timeline {
			if b.OK+b.Unauthorized+b.Unavailable+b.Errors+b.Other != b.Requests {
				return bad(fmt.Sprintf("%s.timeline[%d]", g, k), "its status counts do not add up to its %d requests", b.Requests)
			}
		}
	}
	for j, o := range v.ShardOutages {
		g := fmt.Sprintf("%s.shard_outages[%d]", f, j)
		switch {
		case o.Error == "" && !hasStep(o.Step):
			return bad(g+".step", "%d names no step of the variant", o.Step)
		case o.SlotShare < 0 || o.SlotShare > 1:
			return bad(g+".slot_share", "%g, want 0..1", o.SlotShare)
		case o.FailedOnNode+o.FailedElsewhere != o.UsersFailed || o.UsersFailed > o.UsersSeen || o.UsersOnNode > o.UsersSeen:
			return bad(g, "its user counts do not add up (seen %d, on the master %d, failed %d = %d on it + %d elsewhere)",
				o.UsersSeen, o.UsersOnNode, o.UsersFailed, o.FailedOnNode, o.FailedElsewhere)
		}
	}
	for j, st := range v.Storms {
		if !hasStep(st.Step) {
			return bad(fmt.Sprintf("%s.storms[%d].step", f, j), "%d names no step of the variant", st.Step)
		}
	}
	for j, t := range v.Revocations {
		g := fmt.Sprintf("%s.revocations[%d]", f, j)
		if t.Window < -1 {
			return bad(g+".window_ns", "%d is below -1", t.Window)
		}
		for _, w := range t.Windows {
			if w < -1 {
				return bad(g+".windows_ns", "%d is below -1", w)
			}
		}
	}
	return nil
}
