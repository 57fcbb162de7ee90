package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/authbench/authbench/results"
	"github.com/authbench/authbench/storeproxy"
)

// This file runs the article's trade-offs (see kinds.go): a store across
// a network, a store outage, the revocation window, several servers and
// a refresh storm.

// proxyOverheadSamples is how many GETs measure the proxy's own cost.
const proxyOverheadSamples = 2000

// startProxy puts toxiproxy between the servers and Redis for the
// scenarios that need a network in the way.
func (r *runner) startProxy(ctx context.Context) error {
	k := r.sc.Kind()
	if k != results.KindStoreLatency && k != results.KindStoreOutage {
		return nil
	}
	p, err := storeproxy.Start(r.redis.Addr)
	if err != nil {
		return fmt.Errorf("loadtest: store proxy: %w", err)
	}
	r.proxy = p
	info := &results.StoreProxyInfo{Version: storeproxy.Version, Addr: p.Addr()}
	direct, proxied, err := storeproxy.MeasureOverhead(ctx, p, proxyOverheadSamples)
	if err != nil {
		r.note("store proxy overhead unmeasured: " + err.Error())
	} else {
		info.DirectRTT, info.ProxiedRTT = direct, proxied
		r.note(fmt.Sprintf("servers reach Redis through %s at %s; by itself it makes a Redis GET take %v instead of %v (median of %d), in every pass, \"+0\" included",
			storeproxy.Version, p.Addr(), proxied.Round(time.Microsecond), direct.Round(time.Microsecond), proxyOverheadSamples))
	}
	r.res.StoreProxy = info
	return nil
}

// healProxy makes sure the store proxy still forwards before a step: an
// overloaded step can leave the process out of file descriptors, which
// ends toxiproxy's accept loop for good (see storeproxy.Proxy.Heal). A
// restart is noted, so no figure silently rests on a dead store.
func (r *runner) healProxy(label string, index int) {
	if r.proxy == nil {
		return
	}
	// A restore that failed after an outage left the store cut; no step
	// may silently run against that.
	if err := r.proxy.Restore(); err != nil {
		r.note(fmt.Sprintf("%s step %d: the store proxy is still cut and could not be restored: %v", label, index, err))
	}
	healed, err := r.proxy.Heal()
	switch {
	case err != nil:
		r.note(fmt.Sprintf("%s step %d: the store proxy had stopped forwarding and could not be restarted: %v", label, index, err))
	case healed:
		r.note(fmt.Sprintf("%s step %d: the store proxy had stopped accepting connections after the previous (overloaded) step and was restarted before this one", label, index))
	}
}

// rttSamples is how many GETs measure the round trip at each added
// latency: at +5 ms, about a second.
const rttSamples = 200

// measureRTT records the round trip a Redis GET takes through the proxy
// with added set, next to a direct one.
func (r *runner) measureRTT(ctx context.Context, added time.Duration) {
	direct, proxied, err := storeproxy.MeasureOverhead(ctx, r.proxy, rttSamples)
	if err != nil {
		r.note(fmt.Sprintf("round trip at +%v unmeasured: %v", added, err))
		return
	}
	r.res.StoreProxy.RTTs = append(r.res.StoreProxy.RTTs, results.ProxyRTT{Added: added, ProxiedRTT: proxied, DirectRTT: direct})
	fmt.Fprintf(r.log, "loadtest: Redis GET through the proxy at +%v: %v (direct %v)\n", added, proxied.Round(time.Microsecond), direct.Round(time.Microsecond))
}

// kept is a result kept for the analysis of phases and timelines
// (headers dropped: cookies are secrets and bulky).
type kept struct {
	route string
	res   vegeta.Result
	// storm marks a refresh-storm request: it belongs to the storm
	// phase even when vegeta stamped it (before asking the targeter) a
	// moment before the storm's mark.
	storm bool
}

func keepResults(dst *[]kept) func(string, *vegeta.Result) {
	return func(route string, res *vegeta.Result) {
		c := *res
		c.Headers, c.Body = nil, nil
		*dst = append(*dst, kept{route: route, res: c, storm: strings.Contains(c.URL, "storm=1")})
	}
}

// stepStart is the time a step's offsets count from: the attack's
// monotonic start as m (one of its marks) recorded it, else Started
// (marks built by hand in tests).
func stepStart(st results.Step, m *mark) time.Time {
	if !m.t0.IsZero() {
		return m.t0
	}
	return st.Started
}

// phases splits a step's kept results by start time at the marks and
// costs each slice from the marks' counters (m0 = step start, end =
// step end).
func (r *runner) phases(names []string, st results.Step, ks []kept, m0 mark, marks []*mark, end mark) []results.Phase {
	t0 := stepStart(st, &m0)
	bounds := []*mark{&m0}
	for _, mk := range marks {
		if mk.happened {
			bounds = append(bounds, mk)
		}
	}
	end.applied, end.began = st.Wall, st.Wall
	bounds = append(bounds, &end)
	out := make([]results.Phase, 0, len(bounds)-1)
	for i := 0; i+1 < len(bounds) && i < len(names); i++ {
		a, b := bounds[i], bounds[i+1]
		m := newStepMetrics()
		// Requests split where a mark began: its action (a cut, the
		// storm's start) takes effect from then on. Costs are read after
		// it, a few hundred microseconds later.
		for j := range ks {
			off := ks[j].res.Timestamp.Sub(t0)
			in := off >= a.began && (off < b.began || i+2 == len(bounds))
			if ks[j].storm && i <= 1 {
				in = i == 1 && (off < b.began || i+2 == len(bounds)) // never in "before"
			}
			if in {
				m.add(ks[j].route, &ks[j].res)
			}
		}
		ph := results.Phase{Name: names[i], Start: a.began, End: b.began}
		ph.All, ph.Routes = m.close()
		ph.Server = processCost(*a, *b, ph.All.Requests, b.applied-a.applied)
		if a.redisOK && b.redisOK {
			ph.Redis = redisCost(a.redis, b.redis, ph.All.Requests)
		}
		out = append(out, ph)
	}
	return out
}

// stepWithMarks runs one measured step with marks, keeping its results,
// and returns the step, the kept results and the start and end marks.
func (r *runner) stepWithMarks(ctx context.Context, lv *liveVariant, rep int, rate float64, opts *attackOpts) (results.Step, []kept, mark, mark) {
	var ks []kept
	opts.onResult = keepResults(&ks)
	var m0, m1 mark
	start := &mark{at: 0}
	opts.marks = append([]*mark{start}, opts.marks...)
	vr := &r.res.Variants[lv.vr]
	total := len(r.sc.Rates) * r.sc.Repetitions
	st := r.step(ctx, lv, "rate", rep, len(vr.Steps)+1, total, rate, opts)
	m0 = *start
	m0.began, m0.applied = 0, 0
	r.snapshot(ctx, lv.pids, lv.store, &m1)
	return st, ks, m0, m1
}

// runtimeInfo is the body of GET /debug/runtime.
type runtimeInfo struct {
	PID        int `json:"pid"`
	Goroutines int `json:"goroutines"`
}

// health reads the instances' PIDs and goroutine counts with the
// generator's keep-alive connections closed (each holds a server
// goroutine) and the servers quiet for a moment.
func (r *runner) health(ctx context.Context, lv *liveVariant) []runtimeInfo {
	if len(lv.pids) != len(lv.urls) {
		return nil
	}
	r.client.CloseIdleConnections()
	select {
	case <-ctx.Done():
		return nil
	case <-time.After(500 * time.Millisecond):
	}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	read := func() []runtimeInfo {
		out := make([]runtimeInfo, len(lv.urls))
		for i, u := range lv.urls {
			resp, err := c.Get(u + "/debug/runtime")
			if err != nil {
				return nil
			}
			err = json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&out[i])
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				return nil
			}
		}
		return out
	}
	// Connection goroutines end a little after their connections close,
	// later on a loaded machine: read until two readings 200 ms apart
	// agree, for up to 5 s.
	prev := read()
	for deadline := time.Now().Add(5 * time.Second); prev != nil && time.Now().Before(deadline) && ctx.Err() == nil; {
		time.Sleep(200 * time.Millisecond)
		cur := read()
		if cur == nil || slices.Equal(cur, prev) {
			return cur
		}
		prev = cur
	}
	return prev
}

// healthAfter compares the servers after a step with before.
func (r *runner) healthAfter(ctx context.Context, lv *liveVariant, before []runtimeInfo) results.ServerHealth {
	h := results.ServerHealth{Alive: true}
	for _, s := range lv.servers {
		if e, ok := s.(interface{ Exited() bool }); ok && e.Exited() {
			h.Alive = false
		}
	}
	if before == nil {
		h.Note = "the servers' GET /debug/runtime was not readable before the step (not local processes started with --debug-runtime, or interrupted): goroutines and restarts not checked"
		return h
	}
	after := r.health(ctx, lv)
	if ctx.Err() != nil {
		h.Note = "interrupted: goroutines and restarts not checked after the step"
		return h
	}
	if after == nil {
		h.Alive = false
		h.Measured = true
		h.Note = "a server did not answer GET /debug/runtime after the step"
		return h
	}
	h.Measured = true
	for i := range before {
		h.GoroutinesBefore += before[i].Goroutines
		h.GoroutinesAfter += after[i].Goroutines
		if after[i].PID != before[i].PID || after[i].PID != lv.pids[i] {
			h.Restarted = true
		}
	}
	h.Leaked = h.GoroutinesAfter > h.GoroutinesBefore+policy.LeakTolerance
	return h
}

func (lv *liveVariant) label(r *runner) string { return r.res.Variants[lv.vr].Label() }

func errSuffix(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

func statusOrErr(resp *http.Response, err error) any {
	if err != nil {
		return err
	}
	return resp.Status
}
