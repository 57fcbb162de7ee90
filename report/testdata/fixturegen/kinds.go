package main

// The trade-off scenarios' fixtures (loadtest/kinds.go): invented like
// the others, shaped like what the runner writes for each kind.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/authbench/authbench/loadtest"
	"github.com/authbench/authbench/results"
)

// sessionMemory is the in-process session store: no Redis, a little
// cheaper than session.
var sessionMemory = profile{name: "session-memory", serverUS: 52, p50ms: 0.36, p99ms: 1.30, memPerUser: -1}

func profileOf(name string) profile {
	for _, p := range profiles {
		if p.name == name {
			return p
		}
	}
	if name == sessionMemory.name {
		return sessionMemory
	}
	panic("fixturegen: no profile " + name)
}

func init() { credentialBytes["session-memory"] = 148 }

const synthetic = "SYNTHETIC FIXTURE: invented figures for the report tests, not a measurement"

// kindRun is the part every trade-off fixture shares: a real local
// redis-server, process servers, pinning applied.
func kindRun(id, file string, sc loadtest.Scenario, took time.Duration) *results.Results {
	return &results.Results{
		Schema: results.SchemaV1, RunID: id, Started: t0, Finished: t0.Add(took),
		ScenarioFile: file, Scenario: sc.Record(), Environment: env(), Kind: sc.Kind(),
		Redis: results.RedisInfo{Label: "redis-server 7.0.15 on 127.0.0.1:41873 (local, persistence off)",
			Kind: "redis-server", Version: "7.0.15", Addr: "127.0.0.1:41873", Measured: true},
		Target:     results.TargetInfo{Mode: "process", ServerCPUMeasured: true},
		BcryptCost: 4,
		Pinning:    results.Pinning{Mode: "auto", Applied: true, ServerCPUs: []int{1}, GeneratorCPUs: []int{0}},
		Notes:      []string{synthetic, "bcrypt cost lowered to 4 so logins do not dominate"},
	}
}

// storeProxy is the proxy as the runner describes it, with its note.
func storeProxy(r *results.Results) {
	p := &results.StoreProxyInfo{Version: "toxiproxy v2.5.0 (in-process)", Addr: "127.0.0.1:40125",
		DirectRTT: 61 * time.Microsecond, ProxiedRTT: 118 * time.Microsecond}
	r.StoreProxy = p
	r.Notes = append(r.Notes, fmt.Sprintf("servers reach Redis through %s at %s; by itself it makes a Redis GET take %v instead of %v (median of 2000), in every pass, \"+0\" included",
		p.Version, p.Addr, p.ProxiedRTT, p.DirectRTT))
}

// meOnly turns a step() step into one of GET /api/me only (mix me: 100).
func meOnly(st *results.Step) {
	n := st.All.Requests
	st.All.StatusCodes = map[string]int{"200": int(n)}
	st.All.BytesIn, st.All.BytesOut = n*17, 0
	st.Routes = map[string]results.Metrics{"me": st.All}
}

// shift adds a store round trip's worth of latency to a step's
// percentiles: the median pays it once per Redis call, the tail a bit
// more (queueing behind the slower calls).
func shift(st *results.Step, calls float64, added time.Duration) {
	d := time.Duration(calls * float64(added))
	l := &st.All.Latency
	l.Min += d
	l.Mean += d * 11 / 10
	l.P50 += d
	l.P90 += d * 11 / 10
	l.P95 += d * 23 / 20
	l.P99 += d * 5 / 4
	l.Max += d * 3 / 2
	if m, ok := st.Routes["me"]; ok {
		m.Latency = *l
		st.Routes["me"] = m
	}
}

// probeSearch runs the runner's search (doubling from start up to max,
// then bisect halvings) against a knee: above it the p99 blows through
// the SLO. It appends the probes to vr and returns the result.
func probeSearch(rng *rand.Rand, vr *results.VariantResult, p profile, q loadtest.Search, rep int, idx *int, at *time.Time, knee float64, adjust func(*results.Step)) results.MaxRate {
	probes := 0
	probe := func(rate float64) bool {
		*idx++
		probes++
		st := step(rng, p, "probe", rep, *idx, rate, *at, true)
		meOnly(&st)
		*at = at.Add(21 * time.Second)
		adjust(&st)
		if rate > knee {
			f := rate / knee
			st.All.Latency.P99 = time.Duration(float64(st.All.Latency.P99) * 40 * f)
			st.All.Latency.Max = st.All.Latency.P99 * 3
			st.Routes["me"] = st.All
		}
		var why string
		if errs := 1 - st.All.Success; errs > q.SLO.ErrorRate {
			why = fmt.Sprintf("errors %.2f%% > %.2f%%", 100*errs, 100*q.SLO.ErrorRate)
		} else if st.All.Latency.P99 > time.Duration(q.SLO.P99) {
			why = fmt.Sprintf("p99 %v > %v", st.All.Latency.P99.Round(time.Microsecond), time.Duration(q.SLO.P99))
		}
		st.SLO = &results.SLOVerdict{Pass: why == "", Reason: why}
		vr.Steps = append(vr.Steps, st)
		return st.SLO.Pass
	}
	last, fail := 0.0, 0.0
	for rate := q.Start; rate <= q.Max; rate *= 2 {
		if !probe(rate) {
			fail = rate
			break
		}
		last = rate
	}
	for i := 0; i < q.Bisect && fail > 0 && fail-last > 1; i++ {
		mid := (last + fail) / 2
		if probe(mid) {
			last = mid
		} else {
			fail = mid
		}
	}
	return results.MaxRate{Repetition: rep, Rate: last, FailedAt: fail, Probes: probes}
}

// storeLatencyRun is the store-latency scenario: one rate and a search
// per added round trip, two repetitions, Redis behind the proxy.
func storeLatencyRun() *results.Results {
	rng := rand.New(rand.NewPCG(11, 42))
	sc := scenario("store-latency")
	sc.Variants = []string{"jwt", "jwt-blacklist", "session"}
	sc.Mix = loadtest.Mix{Me: 100}
	sc.Rates = []float64{600}
	sc.Repetitions = 2
	sc.Search = &loadtest.Search{Start: 1000, Max: 8000, Bisect: 1,
		SLO: loadtest.SLO{P99: loadtest.Duration(25 * time.Millisecond), ErrorRate: 0.001}}
	added := []time.Duration{0, 500 * time.Microsecond, time.Millisecond, 5 * time.Millisecond}
	sc.StoreLatency = &loadtest.StoreLatency{}
	for _, d := range added {
		sc.StoreLatency.Added = append(sc.StoreLatency.Added, loadtest.Duration(d))
	}
	r := kindRun("2026-11-28T101500Z-store-latency", "scenarios/store-latency.yaml", sc, 41*time.Minute)
	storeProxy(r)
	// As each pass began, the runner measured the round trip at its
	// setting: the timer makes a non-zero delay a little longer.
	for rep := 1; rep <= sc.Repetitions; rep++ {
		for _, d := range added {
			late := time.Duration(0)
			if d > 0 {
				late = time.Duration(40+rng.IntN(60)) * time.Microsecond
			}
			r.StoreProxy.RTTs = append(r.StoreProxy.RTTs, results.ProxyRTT{Added: d,
				ProxiedRTT: r.StoreProxy.ProxiedRTT + d + late + time.Duration(rng.IntN(9))*time.Microsecond,
				DirectRTT:  r.StoreProxy.DirectRTT + time.Duration(rng.IntN(5))*time.Microsecond})
		}
	}
	knee := map[string]float64{"jwt": 7000, "jwt-blacklist": 2600, "session": 3700}
	at := t0.Add(10 * time.Second)
	for vi, name := range sc.Variants {
		p := profileOf(name)
		vr := results.VariantResult{Variant: name, ServerPID: 6100 + vi,
			Logins: results.LoginPhase{Users: 1000, Duration: 2200 * time.Millisecond}, Steps: []results.Step{}}
		vr.RedisMemory = memory(p, 1000)
		// Every /api/me asks Redis once in the stateful variants; with the
		// proxy's pool of 10 connections per process, a round trip of
		// base+added caps the rate at 10/(base+added).
		calls := math.Round(p.cmds)
		idx := 0
		for rep := 1; rep <= sc.Repetitions; rep++ {
			for _, d := range added {
				adjust := func(st *results.Step) {
					shift(st, calls, d)
					st.AddedLatency = d
				}
				idx++
				st := step(rng, p, "rate", rep, idx, 600, at, true)
				meOnly(&st)
				adjust(&st)
				vr.Steps = append(vr.Steps, st)
				at = at.Add(21 * time.Second)
				k := knee[name]
				if calls > 0 {
					k = math.Min(k, 10/(r.StoreProxy.ProxiedRTT+d).Seconds())
				}
				m := probeSearch(rng, &vr, p, *sc.Search, rep, &idx, &at, k, adjust)
				m.AddedLatency = d
				vr.MaxRate = append(vr.MaxRate, m)
			}
		}
		r.Variants = append(r.Variants, vr)
	}
	return r
}

// event is one synthetic request, for the fixtures whose figures come
// from slicing a step in time.
type event struct {
	route string
	start time.Duration
	lat   time.Duration
	code  int
}

// latency draws from a log-normal with the given p50 and p99 (ms).
func latency(rng *rand.Rand, p50, p99 float64) time.Duration {
	sigma := math.Log(p99/p50) / 2.326
	return time.Duration(p50 * math.Exp(sigma*rng.NormFloat64()) * 1e6)
}

// metricsOf is vegeta's summary of evs over dur.
func metricsOf(evs []event, dur time.Duration) results.Metrics {
	m := results.Metrics{Requests: uint64(len(evs)), StatusCodes: map[string]int{}}
	if len(evs) == 0 {
		return m
	}
	var lats []time.Duration
	var sum time.Duration
	ok := 0
	for _, e := range evs {
		m.StatusCodes[strconv.Itoa(e.code)]++
		lats = append(lats, e.lat)
		sum += e.lat
		if e.code >= 200 && e.code < 400 {
			ok++
			m.BytesIn += 17
		}
	}
	slices.Sort(lats)
	q := func(f float64) time.Duration { return lats[min(int(f*float64(len(lats))), len(lats)-1)] }
	m.Latency = results.Latency{Mean: sum / time.Duration(len(lats)), P50: q(0.5), P90: q(0.9), P95: q(0.95), P99: q(0.99), Max: lats[len(lats)-1], Min: lats[0]}
	m.Rate = float64(len(evs)) / dur.Seconds()
	m.Throughput = float64(ok) / dur.Seconds()
	m.Success = float64(ok) / float64(len(evs))
	return m
}

// routesOf splits evs by route.
func routesOf(evs []event, dur time.Duration) map[string]results.Metrics {
	by := map[string][]event{}
	for _, e := range evs {
		by[e.route] = append(by[e.route], e)
	}
	out := map[string]results.Metrics{}
	for route, es := range by {
		out[route] = metricsOf(es, dur)
	}
	return out
}

// phase is the Phase of the events started in [from, to).
func phase(name string, evs []event, from, to time.Duration) results.Phase {
	var in []event
	for _, e := range evs {
		if e.start >= from && e.start < to {
			in = append(in, e)
		}
	}
	return results.Phase{Name: name, Start: from, End: to, All: metricsOf(in, to-from), Routes: routesOf(in, to-from)}
}

// eventStep is a step whose figures are the events'; its costs come
// from step()'s model at the same rate.
func eventStep(rng *rand.Rand, p profile, rep, idx int, rate float64, at time.Time, evs []event, wall time.Duration) results.Step {
	st := step(rng, p, "rate", rep, idx, rate, at, true)
	// step() modelled rate × 20 s requests; scale its totals to the events.
	f := float64(len(evs)) / float64(st.All.Requests)
	st.Duration = wall - 3*time.Millisecond
	st.Wall = wall
	st.All = metricsOf(evs, wall)
	st.Routes = routesOf(evs, wall)
	st.Server.CPUSeconds *= f
	st.Server.Utilisation = st.Server.CPUSeconds / wall.Seconds()
	if rc := st.Redis; rc != nil {
		rc.CPUSeconds *= f
		rc.Commands = 0
		for c, k := range rc.ByCommand {
			rc.ByCommand[c] = uint64(math.Round(float64(k) * f))
			rc.Commands += rc.ByCommand[c]
		}
	}
	return st
}

// outageRun is the store-outage scenario: 600 req/s for 20 s, Redis
// unreachable from 5 s to 10 s, two repetitions; every variant that
// needs Redis fails closed.
func outageRun() *results.Results {
	rng := rand.New(rand.NewPCG(12, 42))
	sc := scenario("store-outage")
	sc.Variants = []string{"jwt", "jwt-blacklist", "session"}
	sc.Mix = loadtest.Mix{Me: 100}
	sc.Rates = []float64{600}
	sc.Repetitions = 2
	sc.Outage = &loadtest.Outage{Before: loadtest.Duration(5 * time.Second), Window: loadtest.Duration(5 * time.Second),
		After: loadtest.Duration(10 * time.Second), Bucket: loadtest.Duration(250 * time.Millisecond)}
	sc.Duration = sc.Outage.Before + sc.Outage.Window + sc.Outage.After
	r := kindRun("2026-11-28T120000Z-store-outage", "scenarios/store-outage.yaml", sc, 6*time.Minute)
	storeProxy(r)
	const rate = 600.0
	bucket := sc.Outage.Bucket.D()
	at := t0.Add(10 * time.Second)
	for vi, name := range sc.Variants {
		p := profileOf(name)
		uses := p.cmds > 0
		vr := results.VariantResult{Variant: name, ServerPID: 7100 + vi,
			Logins: results.LoginPhase{Users: 1000, Duration: 2200 * time.Millisecond}, Steps: []results.Step{}}
		vr.RedisMemory = memory(p, 1000)
		for rep := 1; rep <= sc.Repetitions; rep++ {
			wall := sc.Duration.D() + 3*time.Millisecond
			cut := sc.Outage.Before.D() + time.Duration(2+rng.IntN(3))*time.Millisecond
			restore := (sc.Outage.Before + sc.Outage.Window).D() + time.Duration(3+rng.IntN(4))*time.Millisecond
			// The pool redials after the restore: a few tens of ms of 503.
			redial := time.Duration(25+rng.IntN(40)) * time.Millisecond
			var evs []event
			first, lastFail := time.Duration(-1), time.Duration(-1)
			for i := 0; i < int(rate*sc.Duration.D().Seconds()); i++ {
				start := time.Duration(float64(i) / rate * 1e9)
				e := event{route: "me", start: start, code: 200, lat: latency(rng, p.p50ms, p.p99ms)}
				down := start >= cut && start < restore+redial
				if uses && down {
					e.code, e.lat = 503, latency(rng, 0.25, 1.8)
				}
				evs = append(evs, e)
				if start >= restore {
					end := start + e.lat - restore
					if e.code == 200 && (first < 0 || end < first) {
						first = end
					}
					if e.code >= 500 {
						lastFail = max(lastFail, end)
					}
				}
			}
			idx := len(vr.Steps) + 1
			st := eventStep(rng, p, rep, idx, rate, at, evs, wall)
			st.Phases = []results.Phase{phase("before", evs, 0, cut), phase("outage", evs, cut, restore), phase("after", evs, restore, wall)}
			at = at.Add(25 * time.Second)
			vr.Steps = append(vr.Steps, st)
			o := results.OutageResult{Step: idx, CutAt: cut, RestoredAt: restore, UsesStore: uses, FirstSuccess: first, Steady: max(lastFail, 0)}
			for off := time.Duration(0); off <= wall; off += bucket {
				b := results.Bucket{Offset: off}
				for _, e := range evs {
					if e.start >= off && e.start < off+bucket {
						b.Requests++
						switch e.code {
						case 200:
							b.OK++
						case 503:
							b.Unavailable++
						default:
							b.Other++
						}
					}
				}
				o.Timeline = append(o.Timeline, b)
			}
			g := 11 + rng.IntN(3)
			o.Health = results.ServerHealth{Measured: true, Alive: true, GoroutinesBefore: g, GoroutinesAfter: g + rng.IntN(3)}
			vr.Outages = append(vr.Outages, o)
		}
		r.Variants = append(r.Variants, vr)
	}
	return r
}

// revocationRun is the revocation scenario: two instances per variant,
// logout and revoke-user, three trials each, 3 s access tokens while
// measuring.
func revocationRun() *results.Results {
	rng := rand.New(rand.NewPCG(13, 42))
	sc := scenario("revocation")
	sc.Variants = []string{"jwt", "jwt-blacklist", "session", "session-memory"}
	sc.Users = 100
	sc.Mix = loadtest.Mix{Me: 100}
	sc.Duration, sc.Warmup, sc.Repetitions = 0, 0, 1
	sc.Revocation = &loadtest.Revocation{Instances: 2, Actions: []string{results.ActionLogout, results.ActionRevokeUser}, Trials: 3,
		MeasureAccessTTL: loadtest.Duration(3 * time.Second), Poll: loadtest.Duration(50 * time.Millisecond), Timeout: loadtest.Duration(19 * time.Second)}
	r := kindRun("2026-11-28T130000Z-revocation", "scenarios/revocation.yaml", sc, 2*time.Minute)
	r.Notes = append(r.Notes, "revocation: servers issue 3s access tokens so that stateless jwt's window can be measured; the report states it for the configured 15m0s")
	measure := sc.Revocation.MeasureAccessTTL.D()
	for vi, name := range sc.Variants {
		vr := results.VariantResult{Variant: name, ServerPIDs: []int{8100 + 2*vi, 8101 + 2*vi},
			Logins: results.LoginPhase{Users: 100, Duration: 300 * time.Millisecond}, Steps: []results.Step{}}
		for _, action := range sc.Revocation.Actions {
			for trial := 1; trial <= sc.Revocation.Trials; trial++ {
				t := results.RevocationTrial{Action: action, Trial: trial, Instances: 2, Status: 204, Revocation: "immediate",
					AcceptedBefore: []bool{true, true}, CredentialAge: time.Duration(8+rng.IntN(10)) * time.Millisecond, RefreshStatus: 401}
				// A refusal is seen at the next replay: up to one poll late.
				poll := func() time.Duration { return time.Duration(rng.IntN(50)) * time.Millisecond }
				switch name {
				case "jwt":
					// Stateless: the token lives until exp, which has
					// one-second resolution, so 2–3 s after issue.
					t.AccessTTL = measure
					left := measure - t.CredentialAge - time.Duration(rng.IntN(900))*time.Millisecond
					t.Windows = []time.Duration{left + poll(), left + poll()}
					t.Revocation, t.RefreshStatus = "at-expiry", 200
					if action == results.ActionRevokeUser {
						t.Status, t.Revocation = 501, ""
					}
				case "jwt-blacklist":
					t.AccessTTL = measure
					t.Windows = []time.Duration{0, 0}
				case "session":
					t.Windows = []time.Duration{0, 0}
				case "session-memory":
					// The session exists only in the issuing process.
					t.AcceptedBefore = []bool{true, false}
					t.Windows = []time.Duration{0, 0}
				}
				for i, w := range t.Windows {
					if t.AcceptedBefore[i] {
						t.Window = max(t.Window, w)
					}
				}
				vr.Revocations = append(vr.Revocations, t)
			}
		}
		r.Variants = append(r.Variants, vr)
	}
	return r
}

// scaleOutRun is the scale-out scenario on a 2-core machine: 1, 2 and 4
// instances, round-robin, session-memory also sticky, one rate and a
// search, two repetitions.
func scaleOutRun() *results.Results {
	rng := rand.New(rand.NewPCG(14, 42))
	sc := scenario("scale-out")
	sc.Variants = []string{"jwt", "session", "session-memory"}
	sc.Mix = loadtest.Mix{Me: 100}
	sc.Rates = []float64{800}
	sc.Repetitions = 2
	sc.Search = &loadtest.Search{Start: 1000, Max: 8000, Bisect: 1,
		SLO: loadtest.SLO{P99: loadtest.Duration(25 * time.Millisecond), ErrorRate: 0.001}}
	sc.ScaleOut = &loadtest.ScaleOut{Instances: []int{1, 2, 4}, Sticky: []string{"session-memory"}}
	r := kindRun("2026-11-28T140000Z-scale-out", "scenarios/scale-out.yaml", sc, 38*time.Minute)
	r.Notes = append(r.Notes, "2 CPU(s) here: more server processes share the same cores, so they cannot add capacity; what this scenario shows is correctness without sticky routing and how the store's load grows with instances")
	knee := map[string]float64{"jwt": 7000, "session": 3700, "session-memory": 7400}
	type pass struct {
		variant string
		routing results.Routing
	}
	var passes []pass
	for _, v := range sc.Variants {
		passes = append(passes, pass{v, results.RoutingRoundRobin})
	}
	for _, v := range sc.ScaleOut.Sticky {
		passes = append(passes, pass{v, results.RoutingSticky})
	}
	at := t0.Add(10 * time.Second)
	r.Variants = make([]results.VariantResult, len(passes))
	for i, ps := range passes {
		r.Variants[i] = results.VariantResult{Variant: ps.variant, Routing: ps.routing, Steps: []results.Step{}}
		r.Variants[i].RedisMemory = memory(profileOf(ps.variant), 1000)
	}
	for _, n := range sc.ScaleOut.Instances {
		for rep := 1; rep <= sc.Repetitions; rep++ {
			for i, ps := range passes {
				vr := &r.Variants[i]
				p := profileOf(ps.variant)
				vr.Logins = results.LoginPhase{Users: 1000, Duration: 2200 * time.Millisecond}
				vr.ServerPIDs = nil
				for k := 0; k < n; k++ {
					vr.ServerPIDs = append(vr.ServerPIDs, 9000+100*n+10*i+k)
				}
				if n == 1 {
					vr.ServerPID, vr.ServerPIDs = vr.ServerPIDs[0], nil
				}
				// More processes on the same two cores: a little more CPU
				// per request (scheduling, caches), never more capacity.
				over := 1 + 0.06*float64(n-1)
				// Round-robin sends 1 request in n to the instance that
				// holds an in-memory session; the others answer 401.
				share := 1.0
				if ps.variant == "session-memory" && ps.routing == results.RoutingRoundRobin {
					share = 1 / float64(n)
				}
				adjust := func(st *results.Step) {
					st.Instances = n
					st.Server.CPUPerRequest *= over
					st.Server.CPUSeconds *= over
					st.Server.Utilisation *= over
					if share < 1 {
						total := st.All.Requests
						ok := uint64(math.Round(float64(total) * share * (1 + 0.02*(2*rng.Float64()-1))))
						st.All.StatusCodes = map[string]int{"200": int(ok), "401": int(total - ok)}
						st.All.Success = float64(ok) / float64(total)
						st.All.Throughput = st.All.Rate * st.All.Success
						st.Routes["me"] = st.All
					}
				}
				idx := len(vr.Steps) + 1
				st := step(rng, p, "rate", rep, idx, 800, at, true)
				meOnly(&st)
				adjust(&st)
				vr.Steps = append(vr.Steps, st)
				at = at.Add(21 * time.Second)
				m := probeSearch(rng, vr, p, *sc.Search, rep, &idx, &at, knee[ps.variant]/over, adjust)
				m.Instances = n
				vr.MaxRate = append(vr.MaxRate, m)
			}
		}
	}
	return r
}

// stormRun is the refresh-storm scenario: 400 req/s of GET /api/me for
// 10 s, and 1000 users refreshing within 2 s of it, three repetitions.
func stormRun() *results.Results {
	rng := rand.New(rand.NewPCG(15, 42))
	sc := scenario("refresh-storm")
	sc.Variants = []string{"jwt", "jwt-blacklist", "session"}
	sc.Mix = loadtest.Mix{Me: 100}
	sc.Rates = []float64{400}
	sc.Repetitions = 3
	sc.RefreshStorm = &loadtest.RefreshStorm{Before: loadtest.Duration(4 * time.Second), Window: loadtest.Duration(2 * time.Second), After: loadtest.Duration(4 * time.Second)}
	sc.Duration = sc.RefreshStorm.Before + sc.RefreshStorm.Window + sc.RefreshStorm.After
	r := kindRun("2026-11-28T150000Z-refresh-storm", "scenarios/refresh-storm.yaml", sc, 4*time.Minute)
	// Refresh cost (server+Redis µs) and how much the storm slows
	// GET /api/me on two cores: signing a token is the dear part.
	refreshUS := map[string]float64{"jwt": 96, "jwt-blacklist": 141, "session": 74}
	refreshMS := map[string]float64{"jwt": 1.1, "jwt-blacklist": 1.6, "session": 0.9}
	slow := map[string]float64{"jwt": 2.3, "jwt-blacklist": 3.1, "session": 1.9}
	const rate = 400.0
	users := sc.Users
	q := sc.RefreshStorm
	at := t0.Add(10 * time.Second)
	for vi, name := range sc.Variants {
		p := profileOf(name)
		vr := results.VariantResult{Variant: name, ServerPID: 9500 + vi,
			Logins: results.LoginPhase{Users: users, Duration: 2200 * time.Millisecond}, Steps: []results.Step{}}
		vr.RedisMemory = memory(p, users)
		for rep := 1; rep <= sc.Repetitions; rep++ {
			wall := sc.Duration.D() + 3*time.Millisecond
			from := q.Before.D() + time.Duration(1+rng.IntN(2))*time.Millisecond
			to := (q.Before + q.Window).D() + time.Duration(1+rng.IntN(2))*time.Millisecond
			var evs []event
			for i := 0; i < int(rate*sc.Duration.D().Seconds()); i++ {
				start := time.Duration(float64(i) / rate * 1e9)
				f := 1.0
				if start >= from && start < to {
					f = slow[name] * (1 + 0.1*(2*rng.Float64()-1))
				}
				evs = append(evs, event{route: "me", start: start, code: 200, lat: latency(rng, p.p50ms*math.Sqrt(f), p.p99ms*f)})
			}
			for u := 0; u < users; u++ {
				start := from + time.Duration(float64(u)/float64(users)*float64(to-from))
				evs = append(evs, event{route: "refresh", start: start, code: 200, lat: latency(rng, refreshMS[name], 4*refreshMS[name]*slow[name])})
			}
			slices.SortFunc(evs, func(a, b event) int { return int(a.start - b.start) })
			idx := len(vr.Steps) + 1
			st := eventStep(rng, p, rep, idx, rate, at, evs, wall)
			st.Phases = []results.Phase{phase("before", evs, 0, from), phase("storm", evs, from, to), phase("after", evs, to, wall)}
			at = at.Add(15 * time.Second)
			vr.Steps = append(vr.Steps, st)
			vr.Storms = append(vr.Storms, results.StormResult{Step: idx, Refreshes: uint64(users),
				StormRate: float64(users) / q.Window.D().Seconds(), CPUPerRefresh: refreshUS[name] * (1 + 0.08*(2*rng.Float64()-1)) * 1e-6})
		}
		r.Variants = append(r.Variants, vr)
	}
	return r
}
