package loadtest

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/authbench/authbench/results"
)

// Outage cuts Redis off (through the same proxy) under steady load at
// each of the scenario's rates: Before of load, Window with Redis
// unreachable, After with it restored. The step lasts their sum.
type Outage struct {
	// Before is load before the cut. Default 5s.
	Before Duration `yaml:"before" json:"before"`
	// Window is how long Redis is unreachable. Default 5s.
	Window Duration `yaml:"window" json:"window"`
	// After is load after Redis is restored. Default 10s.
	After Duration `yaml:"after" json:"after"`
	// Bucket is the resolution of the per-time status timeline. Default 100ms.
	Bucket Duration `yaml:"bucket" json:"bucket"`
}

// outageKind cuts Redis off under steady load at each rate.
type outageKind struct{}

func (outageKind) present(s *Scenario) bool { return s.Outage != nil }
func (outageKind) summary() terminalSummary { return terminalSummary{} }

func (outageKind) defaults(s *Scenario) {
	q := s.Outage
	defaultDur(&q.Before, 5*time.Second)
	defaultDur(&q.Window, 5*time.Second)
	defaultDur(&q.After, 10*time.Second)
	defaultDur(&q.Bucket, 100*time.Millisecond)
	if s.Duration == 0 {
		s.Duration = q.Before + q.Window + q.After
	}
}

func (outageKind) validate(s *Scenario, bad reporter) {
	q := s.Outage
	positivePhases(bad, "outage", q.Before, q.Window, q.After)
	if q.Bucket < Duration(time.Millisecond) || (q.Window > 0 && q.Bucket > q.Window) {
		bad("$.outage.bucket", "outage.bucket: %s: want 1ms up to outage.window (%s)", q.Bucket.D(), q.Window.D())
	}
	phasedStep(s, bad, "outage", "an outage", q.Before, q.Window, q.After)
}

// run measures each rate's outage step; the servers answer GET
// /debug/runtime so their goroutines are counted before and after.
func (outageKind) run(ctx context.Context, r *runner, variants []string) error {
	return r.runLive(ctx, r.passesOf(variants, true), r.eachRate(ctx, r.outageStep))
}

// outageStep holds rate on lv's servers while Redis is cut off for the
// outage window, and records what the clients saw and whether the
// servers survived.
func (r *runner) outageStep(ctx context.Context, lv *liveVariant, rep int, rate float64) {
	o := r.sc.Outage
	r.warm(ctx, lv, rate)
	before := r.health(ctx, lv)
	var cutErr, restoreErr error
	cut := &mark{at: o.Before.D(), do: func() { cutErr = r.proxy.Cut() }}
	restore := &mark{at: (o.Before + o.Window).D(), do: func() { restoreErr = r.proxy.Restore() }}
	st, ks, m0, m1 := r.stepWithMarks(ctx, lv, rep, rate, &attackOpts{marks: []*mark{cut, restore}})
	if cut.happened && !restore.happened {
		restoreErr = r.proxy.Restore() // interrupted mid-outage: never leave Redis cut off
	}
	if cutErr != nil || restoreErr != nil {
		r.note(fmt.Sprintf("%s: outage not applied cleanly: cut: %v, restore: %v", lv.label(r), cutErr, restoreErr))
	}
	st.Phases = r.phases([]string{"before", "outage", "after"}, st, ks, m0, []*mark{cut, restore}, m1)
	vr := &r.res.Variants[lv.vr]
	vr.Steps = append(vr.Steps, st)
	res := outageResult(st, ks, cut, restore, o.Bucket.D(), usesRedis(vr.Variant))
	res.Health = r.healthAfter(ctx, lv, before)
	vr.Outages = append(vr.Outages, res)
	fmt.Fprintf(r.log, "loadtest: %s: outage: unchecked %d, first success after restore %v, steady after %v, goroutines %d -> %d%s\n",
		lv.label(r), res.Unchecked, res.FirstSuccess, res.Steady, res.Health.GoroutinesBefore, res.Health.GoroutinesAfter, map[bool]string{true: ", SERVER DIED", false: ""}[res.Health.Measured && !res.Health.Alive])
}

// outageResult analyses an outage step's results.
func outageResult(st results.Step, ks []kept, cut, restore *mark, bucket time.Duration, usesStore bool) results.OutageResult {
	out := results.OutageResult{Step: st.Index, UsesStore: usesStore, CutAt: cut.applied, RestoredAt: restore.applied, FirstSuccess: -1, Steady: -1}
	t0 := stepStart(st, cut)
	if !cut.happened || !restore.happened {
		return out
	}
	n := int(st.Wall/bucket) + 1
	out.Timeline = make([]results.Bucket, n)
	for i := range out.Timeline {
		out.Timeline[i].Offset = time.Duration(i) * bucket
	}
	var lastFail time.Duration = -1
	for _, k := range ks {
		start := k.res.Timestamp.Sub(t0)
		end := start + k.res.Latency
		b := &out.Timeline[min(max(int(start/bucket), 0), n-1)]
		b.Requests++
		code := k.res.Code
		ok := code >= 200 && code < 400
		switch {
		case ok:
			b.OK++
		case code == http.StatusUnauthorized:
			b.Unauthorized++
		case code == http.StatusServiceUnavailable:
			b.Unavailable++
		case code == 0:
			b.Errors++
		default:
			b.Other++
		}
		// Started after the cut returned and answered before the restore
		// began: the store was unreachable for the whole request.
		if usesStore && ok && start >= cut.applied && end <= restore.began {
			out.Unchecked++
		}
		if start >= restore.applied {
			if ok && (out.FirstSuccess < 0 || end-restore.applied < out.FirstSuccess) {
				out.FirstSuccess = end - restore.applied
			}
			if code == 0 || code >= 500 {
				lastFail = max(lastFail, end-restore.applied)
			}
		}
	}
	after := st.Wall - restore.applied
	switch {
	case out.FirstSuccess < 0:
		// Nothing succeeded after the restore: never steady.
	case lastFail < 0:
		out.Steady = 0
	case lastFail < after*9/10:
		out.Steady = lastFail
	}
	return out
}
