package loadtest

import (
	"context"
	"time"

	"github.com/authbench/authbench/results"
)

// RefreshStorm compresses the article's 10-minute refresh: on top of the
// scenario's steady load, every logged-in user refreshes once within
// Window, after Before and followed by After.
type RefreshStorm struct {
	// Before is steady load before the storm. Default 5s.
	Before Duration `yaml:"before" json:"before"`
	// Window is how long the storm lasts: users / window refreshes per
	// second are added to the steady rate. Default 3s.
	Window Duration `yaml:"window" json:"window"`
	// After is steady load after the storm. Default 5s.
	After Duration `yaml:"after" json:"after"`
}

// refreshStormKind adds every user's refresh within a window to the
// steady load at each rate.
type refreshStormKind struct{}

func (refreshStormKind) present(s *Scenario) bool { return s.RefreshStorm != nil }
func (refreshStormKind) summary() terminalSummary { return terminalSummary{} }

func (refreshStormKind) defaults(s *Scenario) {
	q := s.RefreshStorm
	defaultDur(&q.Before, 5*time.Second)
	defaultDur(&q.Window, 3*time.Second)
	defaultDur(&q.After, 5*time.Second)
	if s.Duration == 0 {
		s.Duration = q.Before + q.Window + q.After
	}
}

func (refreshStormKind) validate(s *Scenario, bad reporter) {
	q := s.RefreshStorm
	positivePhases(bad, "refresh_storm", q.Before, q.Window, q.After)
	phasedStep(s, bad, "refresh_storm", "a refresh-storm", q.Before, q.Window, q.After)
}

func (refreshStormKind) run(ctx context.Context, r *runner, variants []string) error {
	return r.runLive(ctx, r.passesOf(variants, false), r.eachRate(ctx, r.stormStep))
}

// stormStep holds rate on lv's servers and, after refresh_storm.before,
// has every logged-in user refresh within refresh_storm.window.
func (r *runner) stormStep(ctx context.Context, lv *liveVariant, rep int, rate float64) {
	q := r.sc.RefreshStorm
	r.warm(ctx, lv, rate)
	users := len(lv.pool.vus)
	extra := float64(users) / q.Window.D().Seconds()
	from, to := q.Before.D(), (q.Before + q.Window).D()
	sto := newStorm(users, q.Window.D())
	lv.pool.mu.Lock()
	lv.pool.storm = sto
	lv.pool.mu.Unlock()
	stormStart := &mark{at: from, do: func() {
		lv.pool.mu.Lock()
		sto.begin()
		lv.pool.mu.Unlock()
	}}
	var inWindow int
	stormEnd := &mark{at: to, do: func() {
		lv.pool.mu.Lock()
		inWindow = sto.sent
		lv.pool.mu.Unlock()
	}}
	st, ks, m0, m1 := r.stepWithMarks(ctx, lv, rep, rate, &attackOpts{
		pacer: stormPacer{base: rate, extra: extra, start: from, end: to},
		marks: []*mark{stormStart, stormEnd},
	})
	lv.pool.mu.Lock()
	lv.pool.storm = nil
	sent := sto.sent
	lv.pool.mu.Unlock()
	st.Phases = r.phases([]string{"before", "storm", "after"}, st, ks, m0, []*mark{stormStart, stormEnd}, m1)
	vr := &r.res.Variants[lv.vr]
	vr.Steps = append(vr.Steps, st)
	if !stormEnd.happened {
		inWindow = sent // interrupted before the window closed
	}
	res := results.StormResult{Step: st.Index, Refreshes: uint64(sent), InWindow: uint64(inWindow), StormRate: extra}
	if len(st.Phases) == 3 && inWindow > 0 {
		b, s := st.Phases[0], st.Phases[1]
		if b.Server != nil && s.Server != nil && b.End > b.Start {
			cpu := func(p results.Phase) float64 {
				c := p.Server.CPUSeconds
				if p.Redis != nil {
					c += p.Redis.CPUSeconds
				}
				return c
			}
			base := cpu(b) / (b.End - b.Start).Seconds()
			res.CPUPerRefresh = (cpu(s) - base*(s.End-s.Start).Seconds()) / float64(inWindow)
		}
	}
	vr.Storms = append(vr.Storms, res)
}
