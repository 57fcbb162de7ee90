package loadtest

import (
	"context"
	"fmt"
	"slices"

	"github.com/authbench/authbench/results"
	"github.com/authbench/authbench/stats"
)

// This file holds the cost curve's closed-loop probe. An open loop at a
// moderate rate lets the server go idle between requests, so every
// request also pays for the server waking up; on a VM whose idle vCPU
// halts at once that is a large part of the marginal CPU. A closed
// loop, as wrk drives a server, keeps Connections requests in flight:
// the server always has the next one, sleeps only when its quota
// throttles it, and its CPU per request is the cost of serving one. It
// runs under the capacity quota so that the generator, sharing the
// machine, can still outrun the server.

// saturate runs lv's closed-loop probe of round rep; the server is
// already held to quota (0: none could be applied).
func (r *runner) saturate(ctx context.Context, lv *liveVariant, rep int, quota float64) {
	spec := r.sc.Curve.Capacity
	vr := &r.res.Variants[lv.vr]
	st := r.underQuota(lv, quota, func() results.Step {
		return r.step(ctx, lv, results.StepSaturation, rep, len(vr.Steps)+1, 0, 0,
			&attackOpts{du: spec.Saturate.D(), timeout: spec.Timeout.D(), closed: spec.Connections})
	})
	vr.Steps = append(vr.Steps, st)
	if st.Server != nil {
		limit := coreLimit(quota)
		note := ""
		if st.Server.Utilisation/limit < results.SaturatedShare {
			note = fmt.Sprintf(" (under %.0f %%: not saturated, so its throughput is a lower bound)", 100*results.SaturatedShare)
		}
		fmt.Fprintf(r.log, "loadtest:   closed loop of %d: server at %.0f%% of its quota%s\n", spec.Connections, 100*st.Server.Utilisation/limit, note)
	}
	// The probe ends with its connections' last requests in flight:
	// let the throttled server drain them before the search's first
	// probe.
	r.settle(lv)
}

// minRedisCommands is the fewest Redis commands per request for which a
// variant's Redis CPU counts as its own.
const minRedisCommands = 0.01

// saturationRounds are v's closed-loop probes, one per round, in round
// order; interrupted ones and ones with no server reading are left out.
func saturationRounds(v results.VariantResult) []results.SaturationRound {
	var out []results.SaturationRound
	for _, st := range v.Steps {
		if st.Kind != results.StepSaturation || st.Interrupted || st.Server == nil || st.All.Requests == 0 || st.Wall <= 0 {
			continue
		}
		sr := results.SaturationRound{Round: st.Repetition, Throughput: st.All.Throughput, Success: st.All.Success,
			ServerCPU: st.Server.CPUPerRequest, QuotaShare: st.Server.Utilisation / coreLimit(st.Quota), Generator: st.Generator.Utilisation}
		if c := st.Server.Counters; c != nil {
			sr.Sleeps = float64(c.VoluntarySw) / float64(st.All.Requests)
		}
		if st.Redis != nil && st.Redis.CommandsPerRequest >= minRedisCommands {
			// Redis's own background work (INFO polls, cron) is not a
			// cost of a variant that sends it nothing.
			sr.RedisCPU = st.Redis.CPUPerRequest
		}
		out = append(out, sr)
	}
	slices.SortStableFunc(out, func(a, b results.SaturationRound) int { return a.Round - b.Round })
	return out
}

// saturationOf summarises v's closed-loop probes: the mean over rounds
// of throughput and CPU per request, each with its t interval; nil when
// v has none. The probes' quota scales throughput to one core.
func saturationOf(v results.VariantResult, connections int) *results.SaturationResult {
	rounds := saturationRounds(v)
	if len(rounds) == 0 {
		return nil
	}
	quota := 0.0
	for _, st := range v.Steps {
		if st.Kind == results.StepSaturation && st.Quota > 0 {
			quota = st.Quota
		}
	}
	sr := &results.SaturationResult{Connections: connections, Rounds: rounds}
	var tput, srv, rds []float64
	for _, r := range rounds {
		tput, srv = append(tput, r.Throughput), append(srv, r.ServerCPU)
		if r.RedisCPU > 0 {
			rds = append(rds, r.RedisCPU)
		}
		if !r.Saturated() {
			sr.Unsaturated++
		}
	}
	sr.Throughput = meanInterval(tput)
	sr.PerCore = perCore(sr.Throughput, quota)
	iv := meanInterval(srv)
	sr.ServerCPU = &iv
	if len(rds) == len(rounds) {
		iv := meanInterval(rds)
		sr.RedisCPU = &iv
	}
	return sr
}

// perCore scales a rate measured under quota to one whole core.
func perCore(iv results.Interval, quota float64) results.Interval {
	q := coreLimit(quota)
	return results.Interval{Estimate: iv.Estimate / q, Lo: iv.Lo / q, Hi: iv.Hi / q, N: iv.N}
}

// meanInterval is the mean of xs with its t interval at costLevel,
// clipped at 0 (none of these figures is negative); with one value the
// interval is that value and N is 1.
func meanInterval(xs []float64) results.Interval {
	m := mean(xs)
	iv := results.Interval{Estimate: m, Lo: m, Hi: m, N: len(xs)}
	if ci, err := stats.MeanCI(xs, costLevel); err == nil {
		iv = results.Interval{Estimate: ci.Estimate, Lo: max(0, ci.Lo), Hi: ci.Hi, N: ci.N}
	}
	return iv
}

// saturationRatios pairs a's and b's closed-loop rounds: throughput and
// CPU per request of a over b, each a paired bootstrap over the rounds
// both have.
func saturationRatios(out *results.Ratio, a, b *results.SaturationResult, seed uint64) {
	if a == nil || b == nil {
		return
	}
	bm := map[int]results.SaturationRound{}
	for _, r := range b.Rounds {
		bm[r.Round] = r
	}
	var tn, td, cn, cd []float64
	for _, r := range a.Rounds {
		o, ok := bm[r.Round]
		if !ok {
			continue
		}
		if r.Throughput > 0 && o.Throughput > 0 {
			tn, td = append(tn, r.Throughput), append(td, o.Throughput)
		}
		if r.ServerCPU > 0 && o.ServerCPU > 0 {
			cn, cd = append(cn, r.ServerCPU), append(cd, o.ServerCPU)
		}
	}
	if iv, err := stats.BootstrapPairedRatio(tn, td, costLevel, costResamples, seed+2); err == nil {
		out.Saturation = &results.Interval{Estimate: iv.Estimate, Lo: iv.Lo, Hi: iv.Hi, N: iv.N}
	}
	if iv, err := stats.BootstrapPairedRatio(cn, cd, costLevel, costResamples, seed+3); err == nil {
		out.SaturatedCPU = &results.Interval{Estimate: iv.Estimate, Lo: iv.Lo, Hi: iv.Hi, N: iv.N}
	}
}
