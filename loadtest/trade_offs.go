package loadtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
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
	r.snapshot(ctx, lv.pids, &m1)
	return st, ks, m0, m1
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
	res := outageResult(st, ks, cut, restore, o.Bucket.D(), variantsUsingRedis[vr.Variant])
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

// runScaleOut runs the scenario's rates on 1, 2, 4 … instances of every
// variant, round-robin, and the sticky variants once more with sticky
// routing.
func (r *runner) runScaleOut(ctx context.Context, variants []string) error {
	q := r.sc.ScaleOut
	r.note(fmt.Sprintf("%d CPU(s) here: more server processes share the same cores, so they cannot add capacity; what this scenario shows is correctness without sticky routing and how the store's load grows with instances", r.res.Environment.Cores))
	for _, n := range q.Instances {
		if ctx.Err() != nil {
			break
		}
		fmt.Fprintf(r.log, "loadtest: scale-out: %d instance(s) per variant\n", n)
		var passes []passSpec
		for _, v := range variants {
			passes = append(passes, passSpec{variant: v, routing: results.RoutingRoundRobin, instances: n, backend: r.sc.Backend})
		}
		for _, v := range q.Sticky {
			passes = append(passes, passSpec{variant: v, routing: results.RoutingSticky, instances: n, backend: r.sc.Backend})
		}
		if err := r.runLive(ctx, passes, func(rep int, live []*liveVariant) {
			for _, lv := range live {
				r.runRepetition(ctx, lv, rep)
			}
		}); err != nil {
			return err
		}
	}
	return nil
}

// runRevocation measures, for every variant and action, how long a
// revoked credential keeps working on every instance.
func (r *runner) runRevocation(ctx context.Context, variants []string) error {
	q := r.sc.Revocation
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	admin := hex.EncodeToString(b)
	backend := r.sc.Backend
	backend.AccessTTL = q.MeasureAccessTTL
	r.note(fmt.Sprintf("revocation: servers issue %v access tokens so that stateless jwt's window can be measured; the report states it for the configured %v", q.MeasureAccessTTL.D(), r.sc.Backend.AccessTTL.D()))
	user := 0
	for _, v := range variants {
		if ctx.Err() != nil {
			break
		}
		lv := r.prepareVariant(ctx, passSpec{variant: v, instances: q.Instances, backend: backend, admin: admin})
		vr := &r.res.Variants[lv.vr]
		if lv.pool == nil {
			_ = lv.stop()
			continue
		}
		for _, action := range q.Actions {
			for trial := 1; trial <= q.Trials && ctx.Err() == nil; trial++ {
				t := r.revocationTrial(ctx, lv, action, trial, user%r.sc.Users, admin, backend.AccessTTL.D())
				user++
				vr = &r.res.Variants[lv.vr]
				vr.Revocations = append(vr.Revocations, t)
				fmt.Fprintf(r.log, "loadtest: %s %s trial %d: status %d %s, window %v, refresh replay %d%s\n",
					v, action, trial, t.Status, t.Revocation, t.Window, t.RefreshStatus, errSuffix(t.Error))
			}
		}
		if err := lv.stop(); err != nil {
			vr.Error = "stop server: " + err.Error()
		}
		if err := r.writeResults(); err != nil {
			return err
		}
	}
	return nil
}

func errSuffix(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// revocationTrial logs user in on the first instance, revokes with
// action, replays the old refresh cookie once and the old access cookie
// against every instance every poll until each refuses it.
func (r *runner) revocationTrial(ctx context.Context, lv *liveVariant, action string, trial, userIndex int, admin string, ttl time.Duration) results.RevocationTrial {
	user := userName(userIndex)
	q := r.sc.Revocation
	t := results.RevocationTrial{Action: action, Trial: trial, Instances: len(lv.urls), Window: -1}
	if r.res.Variants[lv.vr].Variant == "jwt" || r.res.Variants[lv.vr].Variant == "jwt-blacklist" {
		t.AccessTTL = ttl
	}
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer c.CloseIdleConnections()
	do := func(method, url string, hdr http.Header, body string) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header = hdr
		resp, err := c.Do(req)
		if err != nil {
			return nil, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp, nil
	}
	issuer := lv.urls[0]
	resp, err := do(http.MethodPost, issuer+"/auth/login", http.Header{"Content-Type": {"application/json"}}, string(lv.pool.loginBody(userIndex)))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Error = fmt.Sprintf("login %s: %v", user, statusOrErr(resp, err))
		return t
	}
	loginAt := time.Now()
	v := vu{cookies: map[string]*http.Cookie{}}
	v.setCookies(resp.Cookies())
	cookie := func(path string) http.Header { return http.Header{"Cookie": {v.cookieHeader(path)}} }
	for _, u := range lv.urls {
		resp, err := do(http.MethodGet, u+"/api/me", cookie("/api/me"), "")
		t.AcceptedBefore = append(t.AcceptedBefore, err == nil && resp.StatusCode == http.StatusOK)
	}
	switch action {
	case results.ActionLogout:
		resp, err = do(http.MethodPost, issuer+"/auth/logout", cookie("/auth/logout"), "")
	case results.ActionRevokeUser:
		body, _ := json.Marshal(map[string]string{"user": user})
		resp, err = do(http.MethodPost, issuer+"/admin/revoke-user", http.Header{"Authorization": {"Bearer " + admin}, "Content-Type": {"application/json"}}, string(body))
	}
	revokedAt := time.Now()
	t.CredentialAge = revokedAt.Sub(loginAt)
	if err != nil {
		t.Error = fmt.Sprintf("%s: %v", action, err)
		return t
	}
	t.Status, t.Revocation = resp.StatusCode, resp.Header.Get("Authbench-Revocation")
	if ok := t.Status == http.StatusNoContent || (action == results.ActionRevokeUser && t.Status == http.StatusNotImplemented); !ok {
		t.Error = fmt.Sprintf("%s answered %s, want 204%s", action, resp.Status, map[bool]string{true: " or 501", false: ""}[action == results.ActionRevokeUser])
		return t
	}
	// On the issuing instance: the only one a session-memory cookie was
	// ever good on, and as good as any other for the shared variants.
	if resp, err := do(http.MethodPost, issuer+"/auth/refresh", cookie("/auth/refresh"), ""); err == nil {
		t.RefreshStatus = resp.StatusCode
	}
	t.Windows = make([]time.Duration, len(lv.urls))
	var wg sync.WaitGroup
	for i, u := range lv.urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Windows[i] = -1
			deadline := revokedAt.Add(q.Timeout.D())
			for first := true; time.Now().Before(deadline) && ctx.Err() == nil; first = false {
				sent := time.Now()
				resp, err := do(http.MethodGet, u+"/api/me", cookie("/api/me"), "")
				// Only a 401 is a refusal of the credential; a 5xx says
				// nothing about it, so the replay goes on.
				if err == nil && resp.StatusCode == http.StatusUnauthorized {
					if first {
						t.Windows[i] = 0
					} else {
						t.Windows[i] = sent.Sub(revokedAt)
					}
					return
				}
				select {
				case <-ctx.Done():
				case <-time.After(q.Poll.D()):
				}
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		t.Error = "interrupted"
		return t
	}
	if !slices.Contains(t.AcceptedBefore, true) {
		t.Window = -1
		t.Error = "no instance accepted the fresh cookie before revoking: nothing to measure"
		return t
	}
	t.Window = 0
	for i, w := range t.Windows {
		if !t.AcceptedBefore[i] {
			continue
		}
		if w < 0 {
			t.Window = -1
			break
		}
		t.Window = max(t.Window, w)
	}
	return t
}

func statusOrErr(resp *http.Response, err error) any {
	if err != nil {
		return err
	}
	return resp.Status
}
