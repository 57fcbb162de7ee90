package loadtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/authbench/authbench/results"
	"github.com/authbench/authbench/storeproxy"
	"github.com/authbench/authbench/variants"
)

// Frontier measures, for every variant, the two axes of the revocation
// frontier and what the guarantee costs besides CPU: the cost curve (the
// scenario's rates and curve block, as a steady curve runs them), then on
// Instances servers under a background load at LoadShare of the measured
// capacity, the revocation window after logout and after revoke-user
// (one instance revokes, every instance is asked every Poll), the memory
// a logged-in user holds in Redis and in each server, and a partition:
// one instance's Redis connection cut while the other revokes.
type Frontier struct {
	// Instances is the number of servers of the trials. Default 2.
	Instances int `yaml:"instances" json:"instances"`
	// Trials per action (logout, revoke-user). Default 20.
	Trials int `yaml:"trials" json:"trials"`
	// Poll is the interval between asks after a revocation. Default 1ms.
	Poll Duration `yaml:"poll" json:"poll"`
	// Timeout bounds the wait for a refusal; a variant whose stated
	// bound is longer (stateless jwt's access TTL) is not waited for:
	// its window is its bound. Default 5s.
	Timeout Duration `yaml:"timeout" json:"timeout"`
	// LoadShare is the background load during the trials, as a share of
	// the variant's capacity per core from the curve. Default 0.5.
	LoadShare float64 `yaml:"load_share" json:"load_share"`
	// ClientRate is the requests per second one client sends; with a
	// JWT variant's access TTL it sets the share of refreshes in that
	// variant's mix (a client refreshes every half TTL). Default 1.
	ClientRate float64 `yaml:"client_rate" json:"client_rate"`
	// MemoryLogins is how many fresh logins the memory per user is
	// measured over. Default 200, or users when fewer.
	MemoryLogins int `yaml:"memory_logins" json:"memory_logins"`
	// PartitionHold is how long the cut instance is asked; it must
	// exceed backend.max_staleness so a broken bound shows. Default 3s.
	PartitionHold Duration `yaml:"partition_hold" json:"partition_hold"`
}

// frontierKind runs the cost curve, then each variant's trials.
type frontierKind struct{}

func (frontierKind) present(s *Scenario) bool { return s.Frontier != nil }
func (frontierKind) summary() terminalSummary { return terminalSummary{} }

func (frontierKind) defaults(s *Scenario) {
	q := s.Frontier
	if q.Instances == 0 {
		q.Instances = 2
	}
	if q.Trials == 0 {
		q.Trials = 20
	}
	defaultDur(&q.Poll, time.Millisecond)
	defaultDur(&q.Timeout, 5*time.Second)
	if q.LoadShare == 0 {
		q.LoadShare = 0.5
	}
	if q.ClientRate == 0 {
		q.ClientRate = 1
	}
	if q.MemoryLogins == 0 {
		q.MemoryLogins = min(200, s.Users)
	}
	defaultDur(&q.PartitionHold, 3*time.Second)
}

func (frontierKind) validate(s *Scenario, bad reporter) {
	q := s.Frontier
	if q.Instances < 2 || q.Instances > 16 {
		bad("$.frontier.instances", "frontier.instances: %d: want 2..16 (one revokes, another is asked)", q.Instances)
	}
	if q.Trials < 1 {
		bad("$.frontier.trials", "frontier.trials: %d: need at least 1", q.Trials)
	}
	if q.Poll <= 0 || q.Timeout <= q.Poll {
		bad("$.frontier.poll", "frontier.poll: %s: must be positive and under frontier.timeout %s", q.Poll.D(), q.Timeout.D())
	}
	if q.LoadShare < 0 || q.LoadShare >= 1 {
		bad("$.frontier.load_share", "frontier.load_share: %g: want a share of capacity in [0, 1)", q.LoadShare)
	}
	if q.ClientRate <= 0 {
		bad("$.frontier.client_rate", "frontier.client_rate: %g: must be positive", q.ClientRate)
	}
	if q.MemoryLogins < 1 || q.MemoryLogins > s.Users {
		bad("$.frontier.memory_logins", "frontier.memory_logins: %d: want 1 up to users (%d)", q.MemoryLogins, s.Users)
	}
	bound := s.Backend.MaxStaleness.D()
	if bound == 0 {
		bound = variants.DefaultMaxStaleness
	}
	if q.PartitionHold.D() <= bound {
		bad("$.frontier.partition_hold", "frontier.partition_hold: %s: must exceed the cache's staleness bound", q.PartitionHold.D())
	}
	if s.Curve == nil || s.Curve.Capacity == nil {
		bad("$.curve", "curve: a frontier scenario needs a cost curve with a capacity search (curve.capacity): its cost axis and the trials' load")
	}
}

func (frontierKind) run(ctx context.Context, r *runner, vs []string) error {
	passes := r.passesOf(vs, false)
	for i := range passes {
		m := r.frontierMix(vs[i])
		passes[i].mix = &m
	}
	if err := r.runLive(ctx, passes, r.curveRound(ctx)); err != nil {
		return err
	}
	ca := r.analyzeCost()
	for _, v := range vs {
		if ctx.Err() != nil {
			break
		}
		if err := r.frontierVariant(ctx, v, ca); err != nil {
			return err
		}
	}
	return nil
}

// refreshesPerHour is how often a client of variant refreshes: every
// half access TTL for a JWT variant (jwt-short's is its short TTL), never
// for a session.
func refreshesPerHour(variant string, b BackendOptions) float64 {
	v, err := variants.Lookup(variant)
	if err != nil || !v.JWT {
		return 0
	}
	lo, _ := v.Bounds(variants.Config{AccessTTL: b.AccessTTL.D(), ShortTTL: b.ShortTTL.D()})
	ttl := b.AccessTTL.D()
	if lo.Basis == "access TTL" {
		ttl = lo.Max
	}
	return float64(time.Hour) / float64(ttl/2)
}

// frontierMix is variant's request mix in the cost curve: the
// scenario's, with the refreshes its clients need at ClientRate taken
// out of the GET /api/me share, so a short TTL pays for its refreshes.
func (r *runner) frontierMix(variant string) Mix {
	m := r.sc.Mix
	per := refreshesPerHour(variant, r.sc.Backend)
	share := 100 * per / (per + 3600*r.sc.Frontier.ClientRate)
	share = min(share, m.Me)
	m.Me -= share
	m.Refresh += share
	return m
}

// frontierVariant runs variant's trials and records them.
func (r *runner) frontierVariant(ctx context.Context, variant string, ca *results.CostAnalysis) error {
	q := r.sc.Frontier
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	admin := hex.EncodeToString(b)
	var proxy *storeproxy.Proxy
	ps := passSpec{variant: variant, instances: q.Instances, backend: r.sc.Backend, admin: admin}
	if usesRedis(variant) && r.redis != nil {
		// The last instance reaches Redis through a proxy of its own, so
		// the partition cuts it alone.
		p, err := storeproxy.Start(r.redis.Addr)
		if err != nil {
			r.note(fmt.Sprintf("%s: partition not run: store proxy: %v", variant, err))
		} else {
			proxy = p
			defer p.Close()
			ps.redisAddr = func(i int) string {
				if i == q.Instances-1 {
					return p.Addr()
				}
				return r.redis.Addr
			}
		}
	}
	lv := r.prepareVariant(ctx, ps)
	defer lv.stop()
	vr := func() *results.VariantResult { return &r.res.Variants[lv.vr] }
	f := &results.Frontier{RefreshesPerClientHour: refreshesPerHour(variant, r.sc.Backend)}
	m := r.frontierMix(variant)
	f.RefreshShare = m.Refresh / 100
	vr().Frontier = f
	if lv.pool == nil {
		return r.writeResults()
	}
	f.Memory = r.frontierMemory(ctx, lv)

	f.LoadRate = q.LoadShare * frontierCapacity(ca, vr().Label(), r.sc.Rates)
	loadCtx, stopLoad := context.WithCancel(ctx)
	loaded := make(chan struct{})
	go func() {
		defer close(loaded)
		if f.LoadRate > 0 {
			r.attack(loadCtx, load{variant: vr().Label(), pool: lv.pool, pids: lv.pids, rate: f.LoadRate, du: 24 * time.Hour}, nil)
		}
	}()
	user := 0
	for _, action := range []string{results.ActionLogout, results.ActionRevokeUser} {
		if why := r.unwaited(variant, action); why != "" {
			if f.Unmeasured == nil {
				f.Unmeasured = map[string]string{}
			}
			f.Unmeasured[action] = why
			continue
		}
		for trial := 1; trial <= q.Trials && ctx.Err() == nil; trial++ {
			t := r.revocationTrial(ctx, lv, action, trial, user%r.sc.Users, admin, r.sc.Backend.AccessTTL.D(), q.Poll.D(), q.Timeout.D())
			user++
			f.Trials = append(f.Trials, t)
		}
		fmt.Fprintf(r.log, "loadtest: %s: %d %s trials under %.0f req/s\n", variant, q.Trials, action, f.LoadRate)
	}
	stopLoad()
	<-loaded
	if proxy != nil && ctx.Err() == nil {
		p := r.partitionTrial(ctx, lv, proxy, admin, user%r.sc.Users)
		f.Partition = &p
		fmt.Fprintf(r.log, "loadtest: %s: partition: statuses %v, last accepted %v, past bound %v%s\n",
			variant, p.Statuses, p.LastAccepted, p.AcceptedPastBound, errSuffix(p.Error))
	}
	return r.writeResults()
}

// unwaited says why action's window is not waited for on variant: it
// never takes effect, or only after the trial timeout (the variant's
// stated bound is then its window).
func (r *runner) unwaited(variant, action string) string {
	v, err := variants.Lookup(variant)
	if err != nil {
		return "not in the registry"
	}
	lo, ru := v.Bounds(variants.Config{AccessTTL: r.sc.Backend.AccessTTL.D(), ShortTTL: r.sc.Backend.ShortTTL.D(), MaxStaleness: r.sc.Backend.MaxStaleness.D()})
	bound := lo
	if action == results.ActionRevokeUser {
		bound = ru
	}
	switch {
	case bound.Never:
		return "the variant cannot do it: no window to measure"
	case bound.Max > r.sc.Frontier.Timeout.D():
		return fmt.Sprintf("its bound %s exceeds the trials' timeout %s: the window is the bound", bound, r.sc.Frontier.Timeout.D())
	}
	return ""
}

// frontierCapacity is the variant's capacity per core from the curve,
// else its highest curve rate.
func frontierCapacity(ca *results.CostAnalysis, label string, rates []float64) float64 {
	if ca != nil {
		for _, v := range ca.Variants {
			if v.Variant == label && v.Capacity != nil && v.Capacity.PerCore.Estimate > 0 {
				return v.Capacity.PerCore.Estimate
			}
		}
	}
	top := 0.0
	for _, x := range rates {
		top = max(top, x)
	}
	return top
}

// frontierMemory logs MemoryLogins users in again, each asking GET
// /api/me once on every instance (so a cache holds its entry), and
// divides the growth of Redis's used_memory and of each server's RSS by
// the logins.
func (r *runner) frontierMemory(ctx context.Context, lv *liveVariant) *results.FrontierMemory {
	n := r.sc.Frontier.MemoryLogins
	m := &results.FrontierMemory{Logins: n}
	c := trialClient()
	defer c.CloseIdleConnections()
	usedMemory := func() (float64, bool) {
		if r.rc == nil || !usesRedis(r.res.Variants[lv.vr].Variant) {
			return 0, false
		}
		s, err := r.rc.InfoMap(ctx, "memory").Result()
		if err != nil {
			return 0, false
		}
		v, err := strconv.ParseFloat(s["Memory"]["used_memory"], 64)
		return v, err == nil
	}
	rss := func() []float64 {
		out := make([]float64, len(lv.pids))
		for i, pid := range lv.pids {
			b, err := currentRSS(pid)
			if err != nil {
				return nil
			}
			out[i] = float64(b)
		}
		return out
	}
	redis0, redisOK := usedMemory()
	rss0 := rss()
	var held []vu // the credentials stay alive until measured
	for i := 0; i < n && ctx.Err() == nil; i++ {
		resp, err := sendOnce(ctx, c, http.MethodPost, lv.urls[0]+"/auth/login", http.Header{"Content-Type": {"application/json"}}, string(lv.pool.loginBody(i%r.sc.Users)))
		if err != nil || resp.StatusCode != http.StatusOK {
			m.Error = fmt.Sprintf("login %d: %v", i, statusOrErr(resp, err))
			return m
		}
		v := vu{cookies: map[string]*http.Cookie{}}
		v.setCookies(resp.Cookies())
		for _, u := range lv.urls {
			_, _ = sendOnce(ctx, c, http.MethodGet, u+"/api/me", http.Header{"Cookie": {v.cookieHeader("/api/me")}}, "")
		}
		held = append(held, v)
	}
	if redis1, ok := usedMemory(); ok && redisOK {
		per := (redis1 - redis0) / float64(len(held))
		m.RedisBytesPerUser = &per
	}
	if rss1 := rss(); rss0 != nil && rss1 != nil {
		for i := range rss1 {
			m.ProcessBytesPerUser = append(m.ProcessBytesPerUser, (rss1[i]-rss0[i])/float64(len(held)))
		}
	}
	return m
}

// partitionTrial logs a user in on the first instance, has the last
// (the one behind proxy) accept the credential, cuts that instance off
// Redis, revokes the user on the first, then asks the cut instance every
// Poll for PartitionHold what it makes of the credential.
func (r *runner) partitionTrial(ctx context.Context, lv *liveVariant, proxy *storeproxy.Proxy, admin string, userIndex int) results.Partition {
	q := r.sc.Frontier
	p := results.Partition{Hold: q.PartitionHold.D(), Statuses: map[string]int{}, LastAccepted: -1, FirstRefused: -1}
	if info := r.res.Variants[lv.vr].Info; info != nil && info.RevokeUserBound != nil {
		p.Bound = info.RevokeUserBound.Max
	}
	c := trialClient()
	defer c.CloseIdleConnections()
	issuer, cut := lv.urls[0], lv.urls[len(lv.urls)-1]
	resp, err := sendOnce(ctx, c, http.MethodPost, issuer+"/auth/login", http.Header{"Content-Type": {"application/json"}}, string(lv.pool.loginBody(userIndex)))
	if err != nil || resp.StatusCode != http.StatusOK {
		p.Error = fmt.Sprintf("login: %v", statusOrErr(resp, err))
		return p
	}
	v := vu{cookies: map[string]*http.Cookie{}}
	v.setCookies(resp.Cookies())
	me := http.Header{"Cookie": {v.cookieHeader("/api/me")}}
	if resp, err := sendOnce(ctx, c, http.MethodGet, cut+"/api/me", me, ""); err != nil || resp.StatusCode != http.StatusOK {
		p.Error = fmt.Sprintf("the instance to cut did not accept the fresh credential: %v", statusOrErr(resp, err))
		return p
	}
	if err := proxy.Cut(); err != nil {
		p.Error = "cut: " + err.Error()
		return p
	}
	defer func() {
		if err := proxy.Restore(); err != nil && p.Error == "" {
			p.Error = "restore: " + err.Error()
		}
	}()
	body, _ := json.Marshal(map[string]string{"user": userName(userIndex)})
	resp, err = sendOnce(ctx, c, http.MethodPost, issuer+"/admin/revoke-user", http.Header{"Authorization": {"Bearer " + admin}, "Content-Type": {"application/json"}}, string(body))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		p.Error = fmt.Sprintf("revoke-user: %v", statusOrErr(resp, err))
		return p
	}
	revokedAt := time.Now()
	for time.Since(revokedAt) < p.Hold && ctx.Err() == nil {
		sent := time.Since(revokedAt)
		status := 0
		if resp, err := sendOnce(ctx, c, http.MethodGet, cut+"/api/me", me, ""); err == nil {
			status = resp.StatusCode
		}
		p.Statuses[strconv.Itoa(status)]++
		switch {
		case status == http.StatusOK:
			p.LastAccepted = sent
			if sent > p.Bound {
				p.AcceptedPastBound = true
			}
		case (status == http.StatusUnauthorized || status == http.StatusServiceUnavailable) && p.FirstRefused < 0:
			p.FirstRefused, p.FirstStatus = sent, status
		}
		select {
		case <-ctx.Done():
		case <-time.After(q.Poll.D()):
		}
	}
	return p
}
