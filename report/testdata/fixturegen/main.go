// Command fixturegen writes the synthetic results.json fixtures the report
// tests render from. The figures are invented (plausible orders of
// magnitude for a 2-core VM, with seeded noise), never measured, and every
// fixture says so in its notes. Regenerate with:
//
//	go run ./report/testdata/fixturegen
//
// then refresh the golden files with "go test ./report -update". Names
// given as arguments ("go run ./report/testdata/fixturegen curve") write
// only those fixtures.
//
// Every fixture but curve is written as schema v1 (results.SchemaV1):
// they stand for runs made before the cost curve, and the report tests
// render them as such. curve is a v2 cost-curve run.
package main

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/authbench/authbench/loadtest"
	"github.com/authbench/authbench/results"
)

// profile is a variant's invented cost model.
type profile struct {
	name         string
	serverUS     float64 // server CPU µs per request
	redisUS      float64 // Redis CPU µs per request (0: no store)
	cmds         float64 // Redis commands per request
	byCommand    map[string]float64
	p50ms, p99ms float64 // at 200 req/s; grows with rate
	memPerUser   float64 // Redis bytes per logged-in user (-1: no store)
}

var profiles = []profile{
	{name: "none", serverUS: 41, p50ms: 0.31, p99ms: 1.10, memPerUser: -1},
	{name: "jwt", serverUS: 63, p50ms: 0.38, p99ms: 1.35, memPerUser: -1},
	{name: "jwt-blacklist", serverUS: 78, redisUS: 9.5, cmds: 1.06,
		byCommand: map[string]float64{"mget": 0.95, "set": 0.05, "get": 0.06},
		p50ms:     0.52, p99ms: 2.10, memPerUser: 0},
	{name: "session", serverUS: 60, redisUS: 8.1, cmds: 1.08,
		byCommand: map[string]float64{"get": 0.95, "set": 0.08, "del": 0.025, "sadd": 0.025},
		p50ms:     0.49, p99ms: 1.95, memPerUser: 214},
}

func main() {
	dir := filepath.Join("report", "testdata")
	for _, f := range []struct {
		path string
		gen  func() *results.Results
	}{
		{"rates/results.json", func() *results.Results { return ratesRun(1, "2026-11-27T215012Z-quick", 1.0) }},
		{"rates-new/results.json", func() *results.Results { return ratesRun(2, "2026-11-28T091500Z-quick", 0.8) }},
		{"search/results.json", searchRun},
		{"store-latency/results.json", storeLatencyRun},
		{"store-outage/results.json", outageRun},
		{"revocation/results.json", revocationRun},
		{"scale-out/results.json", scaleOutRun},
		{"refresh-storm/results.json", stormRun},
		{"curve/results.json", curveRun},
		{"cluster/results.json", clusterRun},
	} {
		if len(os.Args) > 1 && !slices.Contains(os.Args[1:], filepath.Dir(f.path)) {
			continue
		}
		p := filepath.Join(dir, f.path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			fatal(err)
		}
		if err := f.gen().Write(p); err != nil {
			fatal(err)
		}
		if _, err := results.Load(p); err != nil {
			fatal(err)
		}
		fmt.Println("wrote", p)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "fixturegen:", err)
	os.Exit(1)
}

var t0 = time.Date(2026, 11, 27, 21, 50, 12, 0, time.UTC)

func env() results.Environment {
	return results.Environment{
		CPUModel: "Intel(R) Xeon(R) CPU @ 2.20GHz", Cores: 2, GOMAXPROCS: 2,
		GoVersion: "go1.26.8", OS: "linux/amd64", Kernel: "6.1.0-28-cloud-amd64",
		Hostname: "bench-vm", GitCommit: "48be859",
	}
}

func scenario(name string) loadtest.Scenario {
	return loadtest.Scenario{
		Name:             name,
		Description:      "synthetic fixture for the report tests",
		Variants:         []string{"none", "jwt", "jwt-blacklist", "session"},
		Users:            1000,
		Mix:              loadtest.Mix{Me: 90, Refresh: 5, LoginLogout: 5},
		Warmup:           loadtest.Duration(5 * time.Second),
		Duration:         loadtest.Duration(20 * time.Second),
		Repetitions:      3,
		Pin:              "auto",
		LoginConcurrency: 8,
		Timeout:          loadtest.Duration(10 * time.Second),
		Backend: loadtest.BackendOptions{
			Alg: "HS256", AccessTTL: loadtest.Duration(15 * time.Minute),
			RefreshTTL: loadtest.Duration(168 * time.Hour), IdleTimeout: loadtest.Duration(15 * time.Minute),
			BcryptCost: 4, Password: "password",
		},
	}
}

// ratesRun is two held rates, three repetitions, a real redis-server;
// drift scales the stateful variants' Redis cost (a second run to compare).
func ratesRun(seed uint64, id string, drift float64) *results.Results {
	rng := rand.New(rand.NewPCG(seed, 42))
	sc := scenario("quick")
	sc.Rates = []float64{200, 800}
	r := &results.Results{
		Schema: results.SchemaV1, RunID: id, Started: t0, Finished: t0.Add(17 * time.Minute),
		ScenarioFile: "scenarios/quick.yaml", Scenario: sc.Record(), Environment: env(),
		Redis: results.RedisInfo{Label: "redis-server 7.0.15 on 127.0.0.1:41873 (local, persistence off)",
			Kind: "redis-server", Version: "7.0.15", Addr: "127.0.0.1:41873", Measured: true},
		Target:     results.TargetInfo{Mode: "process", ServerCPUMeasured: true},
		BcryptCost: 4,
		Pinning:    results.Pinning{Mode: "auto", Applied: true, ServerCPUs: []int{1}, GeneratorCPUs: []int{0}},
		Notes: []string{
			"SYNTHETIC FIXTURE: invented figures for the report tests, not a measurement",
			"bcrypt cost lowered to 4 so logins do not dominate",
		},
	}
	at := t0.Add(10 * time.Second)
	for vi, p := range profiles {
		pp := p
		pp.redisUS *= drift
		vr := results.VariantResult{Variant: p.name, ServerPID: 4100 + vi,
			Logins: results.LoginPhase{Users: 1000, Duration: 2100 * time.Millisecond}}
		vr.RedisMemory = memory(p, 1000)
		idx := 0
		for rep := 1; rep <= 3; rep++ {
			for _, rate := range sc.Rates {
				idx++
				st := step(rng, pp, "rate", rep, idx, rate, at, true)
				if p.name == "session" && rep == 3 && rate == 800 {
					// The generator fell behind once: the report must flag it.
					st.All.Rate = 741.6
					st.All.Requests = 14832
					st.GeneratorBound = true
					st.GeneratorBoundReason = "sent 14832 of 16000 requests (attack fell behind)"
				}
				vr.Steps = append(vr.Steps, st)
				at = at.Add(21 * time.Second)
			}
		}
		r.Variants = append(r.Variants, vr)
	}
	return r
}

// searchRun is a max-rate search, one repetition, on embedded Redis,
// unpinned: the run the report must warn loudest about.
func searchRun() *results.Results {
	rng := rand.New(rand.NewPCG(7, 42))
	sc := scenario("max-rate")
	sc.Repetitions = 1
	sc.Pin = "off"
	sc.Search = &loadtest.Search{Start: 500, Max: 8000, Bisect: 1,
		SLO: loadtest.SLO{P99: loadtest.Duration(50 * time.Millisecond), ErrorRate: 0.001}}
	r := &results.Results{
		Schema: results.SchemaV1, RunID: "2026-11-27T230000Z-max-rate", Started: t0, Finished: t0.Add(9 * time.Minute),
		ScenarioFile: "scenarios/max-rate.yaml", Scenario: sc.Record(), Environment: env(),
		Redis:      results.RedisInfo{Label: "embedded miniredis (in-process)", Kind: "embedded", Version: "miniredis", Addr: "127.0.0.1:39011", Embedded: true, Measured: false},
		Target:     results.TargetInfo{Mode: "process", ServerCPUMeasured: true},
		BcryptCost: 4,
		Pinning:    results.Pinning{Mode: "off", Note: "pin: off"},
		Notes: []string{
			"SYNTHETIC FIXTURE: invented figures for the report tests, not a measurement",
			"!!! Redis is the EMBEDDED in-process miniredis: Redis CPU and commands are not a real Redis's; install redis-server for figures that mean anything !!!",
			"Redis CPU and command counts unavailable: INFO commandstats not supported",
		},
	}
	// knee is where each variant's p99 blows through the SLO; the
	// generator tops out at 5200 req/s whatever the server does.
	knee := map[string]float64{"none": 9000, "jwt": 7000, "jwt-blacklist": 3300, "session": 3700}
	at := t0.Add(10 * time.Second)
	for vi, p := range profiles {
		vr := results.VariantResult{Variant: p.name, ServerPID: 5100 + vi,
			Logins: results.LoginPhase{Users: 1000, Duration: 2300 * time.Millisecond}}
		pp := p
		pp.redisUS, pp.cmds, pp.byCommand = 0, 0, nil // unmeasured
		idx := 0
		probe := func(rate float64) (pass, genBound bool) {
			idx++
			st := step(rng, pp, "probe", 1, idx, rate, at, false)
			at = at.Add(21 * time.Second)
			if rate > knee[p.name] {
				f := rate / knee[p.name]
				st.All.Latency.P99 = time.Duration(float64(st.All.Latency.P99) * 40 * f)
				st.All.Latency.Max = st.All.Latency.P99 * 3
			}
			if rate > 5200 {
				st.All.Rate = 5200 + rng.Float64()*40
				st.All.Requests = uint64(st.All.Rate * 20)
				st.GeneratorBound = true
				st.GeneratorBoundReason = fmt.Sprintf("achieved %.0f/s of %.0f/s asked; generator CPU at 97%% of its 2 core(s)", st.All.Rate, rate)
				st.Generator.Utilisation = 0.97
			}
			var why string
			if st.All.Latency.P99 > 50*time.Millisecond {
				why = fmt.Sprintf("p99 %v > 50ms", st.All.Latency.P99.Round(time.Microsecond))
			}
			if st.GeneratorBound {
				if why != "" {
					why += "; "
				}
				why += "generator-bound: " + st.GeneratorBoundReason
			}
			st.SLO = &results.SLOVerdict{Pass: why == "", Reason: why}
			vr.Steps = append(vr.Steps, st)
			return st.SLO.Pass, st.GeneratorBound
		}
		// Doubling from 500, then one bisection, as the runner searches.
		last, fail, failBound := 0.0, 0.0, false
		for rate := 500.0; rate <= 8000; rate *= 2 {
			ok, gb := probe(rate)
			if !ok {
				fail, failBound = rate, gb
				break
			}
			last = rate
		}
		if fail > 0 {
			mid := (last + fail) / 2
			if ok, gb := probe(mid); ok {
				last = mid
			} else {
				fail, failBound = mid, gb
			}
		}
		vr.MaxRate = []results.MaxRate{{Repetition: 1, Rate: last, FailedAt: fail, GeneratorBound: failBound, Probes: idx}}
		vr.RedisMemory = memory(p, 1000)
		r.Variants = append(r.Variants, vr)
	}
	return r
}

func memory(p profile, users int) *results.RedisMemory {
	if p.memPerUser < 0 {
		return nil
	}
	b := int64(p.memPerUser * float64(users))
	keys := int64(0)
	if b > 0 {
		keys = int64(users)
	}
	return &results.RedisMemory{Keys: keys, Bytes: b, BytesPerUser: float64(b) / float64(users)}
}

// step invents one step's figures around p's model.
func step(rng *rand.Rand, p profile, kind results.StepKind, rep, idx int, rate float64, at time.Time, redis bool) results.Step {
	return stepFor(rng, p, kind, rep, idx, rate, at, redis, 20*time.Second)
}

// stepFor is step for a step of duration du.
func stepFor(rng *rand.Rand, p profile, kind results.StepKind, rep, idx int, rate float64, at time.Time, redis bool, du time.Duration) results.Step {
	noise := func(spread float64) float64 { return 1 + spread*(2*rng.Float64()-1) }
	n := uint64(rate * du.Seconds())
	load := 1 + rate/1600 // latency grows with rate
	ms := func(v float64) time.Duration { return time.Duration(v * 1e6) }
	p50 := p.p50ms * load * noise(0.05)
	p99 := p.p99ms * load * load * noise(0.12)
	lat := results.Latency{
		Min: ms(p50 * 0.35), P50: ms(p50), P90: ms(p50 + (p99-p50)*0.45), P95: ms(p50 + (p99-p50)*0.65),
		P99: ms(p99), Max: ms(p99 * 3.2 * noise(0.3)), Mean: ms(p50 * 1.2),
	}
	logins := uint64(math.Round(float64(n) * 0.025))
	all := results.Metrics{
		Requests: n, Rate: rate * noise(0.002), Success: 1,
		StatusCodes: map[string]int{"200": int(n - logins), "204": int(logins)},
		Latency:     lat, BytesIn: (n - logins) * 17, BytesOut: logins * 44,
	}
	all.Throughput = all.Rate
	route := func(share float64, code string, in, out uint64) results.Metrics {
		m := all
		m.Requests = uint64(math.Round(float64(n) * share))
		m.Rate, m.Throughput = all.Rate*share, all.Rate*share
		m.StatusCodes = map[string]int{code: int(m.Requests)}
		m.BytesIn, m.BytesOut = m.Requests*in, m.Requests*out
		return m
	}
	st := results.Step{
		Kind: kind, Repetition: rep, Index: idx, Rate: rate, Duration: du, Started: at,
		Wall: du + 3*time.Millisecond, All: all,
		Routes: map[string]results.Metrics{
			"me": route(0.90, "200", 17, 0), "refresh": route(0.05, "200", 17, 0),
			"login": route(0.025, "200", 17, 44), "logout": route(0.025, "204", 0, 0),
		},
		Generator:       results.GeneratorCost{Cores: 1},
		CredentialBytes: credentialBytes[p.name],
		RawFile:         fmt.Sprintf("raw/%s-%02d-%s-r%d-%g.gob", p.name, idx, kind, rep, rate),
	}
	srv := p.serverUS * noise(0.06) * 1e-6
	st.Server = &results.ProcessCost{
		CPUSeconds: srv * float64(n), CPUPerRequest: srv, Utilisation: srv * float64(n) / st.Wall.Seconds(),
		PeakRSSBytes: 24<<20 + int64(rate)*4096, PeakRSSReset: true,
	}
	st.Generator.CPUSeconds = 30e-6 * float64(n)
	st.Generator.Utilisation = st.Generator.CPUSeconds / st.Wall.Seconds()
	if redis {
		rc := &results.RedisCost{ByCommand: map[string]uint64{}}
		for _, c := range slices.Sorted(maps.Keys(p.byCommand)) {
			per := p.byCommand[c]
			k := uint64(math.Round(per * float64(n) * noise(0.01)))
			rc.ByCommand[c] = k
			rc.Commands += k
		}
		// Redis burns about 1 ms/s idle (serverCron), whoever uses it.
		rc.CPUSeconds = p.redisUS*noise(0.08)*1e-6*float64(n) + 0.001*noise(0.2)*du.Seconds()
		rc.CPUPerRequest = rc.CPUSeconds / float64(n)
		rc.CommandsPerRequest = float64(rc.Commands) / float64(n)
		st.Redis = rc
	}
	return st
}

// credentialBytes are Cookie header sizes like those the benchmarks measure
// (HS256 access token; signed session ID).
var credentialBytes = map[string]float64{"none": 0, "jwt": 372, "jwt-blacklist": 372, "session": 148}
