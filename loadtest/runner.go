package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/authbench/authbench/redisprov"
	"github.com/authbench/authbench/results"
	"github.com/authbench/authbench/storeproxy"
	"github.com/authbench/authbench/variants"
)

// Config is one run: a scenario, where its servers come from and where
// results go.
type Config struct {
	// Scenario is the decoded scenario; ScenarioFile is its path as given.
	Scenario     *Scenario
	ScenarioFile string
	// Out is the results root: the run writes Out/<run-id>/ and points
	// Out/latest at it.
	Out string
	// Launcher starts one server per variant. Ignored with Target.
	Launcher Launcher
	// Mode names the launcher in the results: "process" or "in-process".
	Mode string
	// Target is the base URL of a server already running elsewhere; the
	// scenario then runs against it as the single variant TargetVariant,
	// and neither its CPU nor its Redis is measured.
	Target        string
	TargetVariant string
	// Redis says where the Redis of the stateful variants comes from.
	Redis redisprov.Options
	// ClusterAddrs names a Redis Cluster for the variants on store
	// cluster (--redis-addrs, $REDIS_ADDRS); empty: the run starts a local
	// one of three masters and stops it afterwards (store.go).
	ClusterAddrs []string
	// Log receives progress and log lines (the terminal's stderr).
	Log io.Writer
	// Terminal redraws one progress line with \r instead of logging
	// one line per step start and end.
	Terminal bool
	// Now is the clock naming the run; nil means time.Now.
	Now func() time.Time
	// Generator names this generator among several driving one Target
	// (recorded in the results, ending the run ID); see generators.go.
	Generator string
	// Exe is the authbench binary a scenario's generators: N runs as its
	// generators; empty means the ProcessLauncher's.
	Exe string
	// StartAt, when set, holds the first attack (warm-up included) until
	// then, after the logins: generators started apart begin together.
	StartAt time.Time
}

// policy is the set of thresholds this runner judges steps by; every
// results file records it (Results.Policy), so a report of an old run
// states what was applied then, whatever this code applies now.
var policy = results.Policy{LeakTolerance: 5, GeneratorMinSent: 0.95, GeneratorBusy: 0.9, NeitherBusy: 0.85}

// usesRedis says whether variant's server needs Redis (directly or
// through the client-side cache), from the variant registry.
func usesRedis(variant string) bool {
	s := storeOf(variant)
	return s == variants.RedisStore || s == variants.CachedRedisStore
}

// storeOf is variant's store in the registry; NoStore for a name the
// registry does not hold (validation refuses those before a run).
func storeOf(variant string) variants.Store {
	v, _ := variants.Lookup(variant)
	return v.Store
}

// runner carries the state of one run.
type runner struct {
	cfg     Config
	sc      *Scenario
	dir     string
	res     *results.Results
	log     io.Writer
	redis   *redisprov.Redis
	rc      *redis.Client // measurement client, one connection
	client  *http.Client  // shared by every attack so connections are reused
	pin     results.Pinning
	genCPUs int
	prog    *progress

	// cluster is the Redis Cluster of the variants on store cluster; nil
	// when none runs there.
	cluster *clusterState

	// proxy stands between the servers and Redis in store-latency and
	// store-outage scenarios; nil otherwise.
	proxy *storeproxy.Proxy
	// addedLatency is the proxy's current added round trip, stamped on
	// every step.
	addedLatency time.Duration
	// keyFile and sessionKeyFile are the keys every instance of a variant
	// shares.
	keyFile, sessionKeyFile string

	// orders is the variant order of each curve round; capState each
	// variant's capacity rounds (by VariantResult index); quotas the CPU
	// quota group of each variant's servers, made on first use.
	orders   [][]string
	capState map[int]*capacityState
	quotas   map[int]*cpuQuota
	// calibration is how a curve's rates were scaled to this machine.
	calibration *results.RateCalibration
	// quotaMechanism says how the last quota was applied (or why none
	// was); quotaNoted is set once the missing quota was noted.
	quotaMechanism string
	quotaNoted     bool
	// awake counts the quota windows whose server CPUs were kept from
	// halting, and the ones that were not (awake.go).
	awake awakeState

	// undo restores what the run changed in the calling process (its
	// CPU affinity, its open-file limit); close runs it in reverse.
	undo []func() error
}

// Run runs cfg's scenario and writes results.json. It returns the
// results and the run folder even when interrupted (ctx cancelled: the
// results then say "interrupted") or failed part-way; the error is
// non-nil in both cases.
//
// For the run's length it changes the calling process: it raises the
// open-file limit and, with pin auto, holds the process's threads to the
// generator's CPUs. It restores both before returning, so a caller (a
// test, a tool embedding the runner) finds its process as it was; only
// the runner's own output, the run folder, remains.
func Run(ctx context.Context, cfg Config) (*results.Results, string, error) {
	if cfg.Scenario == nil {
		return nil, "", errors.New("loadtest: no scenario")
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	sc, share := generatorShare(cfg)
	cfg.Scenario = sc
	start := cfg.Now().UTC()
	runID := start.Format("2006-01-02T150405Z") + "-" + safeName(sc.Name)
	if cfg.Generator != "" {
		runID += "-" + safeName(cfg.Generator)
	}
	dir := filepath.Join(cfg.Out, runID)
	if err := os.MkdirAll(filepath.Join(dir, "raw"), 0o755); err != nil {
		return nil, "", fmt.Errorf("loadtest: %w", err)
	}
	r := &runner{cfg: cfg, sc: sc, dir: dir, log: cfg.Log, capState: map[int]*capacityState{}, quotas: map[int]*cpuQuota{}}
	r.res = &results.Results{
		Schema:       results.Schema,
		RunID:        runID,
		Started:      start,
		ScenarioFile: cfg.ScenarioFile,
		Scenario:     sc.Record(),
		Environment:  environment(),
		BcryptCost:   sc.Backend.BcryptCost,
		Redis:        results.RedisInfo{Kind: "none"},
		Notes:        []string{},
		Variants:     []results.VariantResult{},
		Kind:         sc.Kind(),
		Policy:       &policy,
		Generator:    cfg.Generator,
	}
	if share != "" {
		r.note(share)
	}
	if lim, restore, err := raiseFileLimit(); err != nil {
		r.note(fmt.Sprintf("open-file limit stays at %d (%v): an overloaded step may run out of descriptors", lim, err))
	} else if restore != nil {
		r.undo = append(r.undo, restore)
		fmt.Fprintf(r.log, "loadtest: open-file limit raised to %d for the run (an overloaded step holds a connection per request in flight)\n", lim)
	}
	for _, s := range unmeasured() {
		r.note(s) // this system lacks what Linux gives (sys_other.go)
	}
	if sc.Backend.BcryptCost < 10 {
		r.note(fmt.Sprintf("bcrypt cost lowered to %d (serve default 10) so logins do not dominate the load; login figures are not production login costs", sc.Backend.BcryptCost))
	}
	err := r.run(ctx)
	if sc.Curve != nil {
		r.res.Cost = r.analyzeCost()
	}
	if ctx.Err() != nil {
		r.res.Interrupted = true
		if err == nil || errors.Is(err, context.Canceled) {
			err = fmt.Errorf("loadtest: interrupted: %w", ctx.Err())
		}
	}
	if err != nil {
		r.res.Error = err.Error()
	}
	r.res.Finished = cfg.Now().UTC()
	if werr := r.writeResults(); werr != nil && err == nil {
		err = werr
	}
	r.close()
	latest := filepath.Join(cfg.Out, "latest")
	_ = os.Remove(latest)
	_ = os.Symlink(runID, latest)
	return r.res, dir, err
}

func (r *runner) note(s string) {
	r.res.Notes = append(r.res.Notes, s)
	fmt.Fprintln(r.log, "loadtest: NOTE:", s)
}

func (r *runner) writeResults() error {
	return r.res.Write(filepath.Join(r.dir, "results.json"))
}

// close releases what the run holds, then undoes what it changed in
// this process (affinity, file limit), last change first.
func (r *runner) close() {
	if r.proxy != nil {
		_ = r.proxy.Close()
	}
	if r.rc != nil {
		_ = r.rc.Close()
	}
	if r.redis != nil {
		_ = r.redis.Close()
	}
	if r.cluster != nil {
		if err := r.cluster.close(); err != nil {
			fmt.Fprintf(r.log, "loadtest: redis cluster: %v\n", err)
		}
	}
	if r.client != nil {
		r.client.CloseIdleConnections()
	}
	for i := len(r.undo) - 1; i >= 0; i-- {
		if err := r.undo[i](); err != nil {
			fmt.Fprintf(r.log, "loadtest: could not restore the process: %v\n", err)
		}
	}
	r.undo = nil
}

func (r *runner) run(ctx context.Context) error {
	sc := r.sc
	variants := sc.Variants
	if r.cfg.Target != "" {
		if r.cfg.TargetVariant == "" {
			return errors.New("loadtest: --target needs --variant")
		}
		if k := sc.Kind(); k != results.KindSteady {
			return fmt.Errorf("loadtest: a %s scenario starts, cuts or replays against servers it runs itself; --target runs steady scenarios only", k)
		}
		if sc.usesCluster() {
			return errors.New("loadtest: --target runs against a server already running on whatever store it has; a scenario with store cluster starts its own servers")
		}
		variants = []string{r.cfg.TargetVariant}
		r.res.Target = results.TargetInfo{Mode: "external", URL: r.cfg.Target}
		r.note("server under test runs elsewhere (--target): its CPU and memory are not measured, nor is its Redis")
	} else {
		if r.cfg.Launcher == nil {
			return errors.New("loadtest: no launcher")
		}
		mode := r.cfg.Mode
		if mode == "" {
			mode = "process"
		}
		r.res.Target = results.TargetInfo{Mode: mode, ServerCPUMeasured: mode == "process"}
		if mode != "process" {
			r.note("server runs inside the generator process: server CPU is not measured separately")
		}
		if sc.usesSingle() {
			if err := r.startRedis(ctx); err != nil {
				return err
			}
		}
		if sc.usesCluster() {
			if err := r.startCluster(ctx); err != nil {
				return err
			}
		}
	}

	if r.cfg.Target == "" {
		if err := r.startProxy(ctx); err != nil {
			return err
		}
		defer os.RemoveAll(filepath.Join(r.dir, "keys"))
		jf, sf, err := sharedKeys(r.dir, sc.Backend.Alg)
		if err != nil {
			return fmt.Errorf("loadtest: keys: %w", err)
		}
		r.keyFile, r.sessionKeyFile = jf, sf
	}

	r.setupPinning()
	tr := &http.Transport{
		Proxy:               nil, // loopback only: never through a proxy
		DialContext:         (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        0,
		MaxIdleConnsPerHost: 100000,
		MaxConnsPerHost:     sc.MaxConnections, // 0: unbounded
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	r.client = &http.Client{Transport: tr, Timeout: sc.Timeout.D(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r.prog = newProgress(r.log, r.cfg.Terminal)
	r.prog.plan(plannedSteps(len(variants), len(sc.Rates), sc.Repetitions))

	return kindEntryOf(sc).kind.run(ctx, r, variants)
}

// eachRate is a repetition that runs step once per variant and rate.
func (r *runner) eachRate(ctx context.Context, step func(context.Context, *liveVariant, int, float64)) func(int, []*liveVariant) {
	return func(rep int, live []*liveVariant) {
		for _, lv := range live {
			for _, rate := range r.sc.Rates {
				if ctx.Err() != nil {
					return
				}
				step(ctx, lv, rep, rate)
			}
		}
	}
}

// passSpec is one set of servers to measure: a variant on some number of
// instances with a routing.
type passSpec struct {
	variant   string
	routing   results.Routing // "" for one instance
	instances int
	backend   BackendOptions
	admin     string // admin token; "" disables revoke-user
	debug     bool   // GET /debug/runtime
	mix       *Mix   // the request mix; nil: the scenario's
	// redisAddr is where instance i reaches Redis; nil: r.redisAddr().
	redisAddr func(i int) string
	store     results.Store
}

// runLive starts every pass's servers and logs their users in first;
// then the repetitions run round-robin over the passes (rep 1 of each,
// then rep 2 of each, …) through body. On a shared or virtual machine
// whose speed drifts over minutes, this spreads the drift over all
// variants instead of charging it to whichever ran last, so the variants
// are compared as ratios measured in one run. Idle servers cost nothing
// measurable: CPU is read per step, per process.
func (r *runner) runLive(ctx context.Context, passes []passSpec, body func(rep int, live []*liveVariant)) error {
	live := make([]*liveVariant, 0, len(passes))
	defer func() {
		for _, lv := range live {
			if err := lv.stop(); err != nil && r.res.Variants[lv.vr].Error == "" {
				r.res.Variants[lv.vr].Error = "stop server: " + err.Error()
			}
			r.removeQuota(lv)
		}
	}()
	for _, ps := range passes {
		if ctx.Err() != nil {
			break
		}
		live = append(live, r.prepareVariant(ctx, ps))
		if err := r.writeResults(); err != nil {
			return err
		}
	}
	ok := live[:0:0]
	for _, lv := range live {
		if lv.pool != nil {
			ok = append(ok, lv) // a variant that failed to start has its Error
		}
	}
	r.waitStart(ctx)
	for rep := 1; rep <= r.sc.Repetitions && ctx.Err() == nil; rep++ {
		body(rep, ok)
		if err := r.writeResults(); err != nil {
			return err
		}
	}
	return nil
}

func (r *runner) startRedis(ctx context.Context) error {
	opts := r.cfg.Redis
	if opts.Log == nil {
		opts.Log = r.log
	}
	rd, err := redisprov.Start(ctx, opts)
	if err != nil {
		return err
	}
	r.redis = rd
	r.res.Redis = results.RedisInfo{Label: rd.Label(), Kind: string(rd.Kind), Version: rd.Version, Addr: rd.Addr, Embedded: rd.Kind == redisprov.KindEmbedded}
	fmt.Fprintf(r.log, "loadtest: redis: %s\n", rd.Label())
	if rd.Kind == redisprov.KindEmbedded {
		r.note("!!! Redis is the EMBEDDED in-process miniredis: Redis CPU and commands are not a real Redis's; install redis-server for figures that mean anything !!!")
	}
	o := redisprov.ClientOptions(rd.Addr)
	o.PoolSize, o.MinIdleConns = 1, 1
	r.rc = redis.NewClient(o)
	if _, err := takeRedisSnapshot(ctx, r.rc); err != nil {
		r.note("Redis CPU and command counts unavailable: " + err.Error())
	} else {
		r.res.Redis.Measured = true
	}
	return nil
}

// setupPinning holds the server to the last allowed CPU and the
// generator to the others, when pin is auto and there are at least two.
func (r *runner) setupPinning() {
	cpus := allowedCPUs()
	r.genCPUs = len(cpus)
	if r.genCPUs == 0 {
		r.genCPUs = runtime.NumCPU()
	}
	r.pin = results.Pinning{Mode: r.sc.Pin}
	switch {
	case r.sc.Pin == "off":
		r.pin.Note = "pinning off in the scenario; server, generator and Redis share all CPUs"
	case len(cpus) < 2:
		r.pin.Note = fmt.Sprintf("only %d CPU available: nothing pinned", len(cpus))
	case r.res.Target.Mode != "process":
		r.pin.Note = "server not a local process: nothing pinned"
	default:
		srv, gen := cpus[len(cpus)-1:], cpus[:len(cpus)-1]
		if err := pinTasks(0, gen); err != nil {
			r.pin.Note = "generator not pinned: " + err.Error()
			break
		}
		r.undo = append(r.undo, func() error { return pinTasks(0, cpus) })
		r.pin.Applied, r.pin.ServerCPUs, r.pin.GeneratorCPUs = true, srv, gen
		r.genCPUs = len(gen)
		r.pin.Note = "Redis is not pinned (it shares the CPUs)"
		if r.proxy != nil {
			r.pin.Note += "; the store proxy runs in the generator process, on its CPUs"
		}
	}
	r.res.Pinning = r.pin
}

// liveVariant is a pass whose servers are up and whose users are logged
// in, between repetitions.
type liveVariant struct {
	vr        int   // index of its VariantResult in r.res.Variants
	pool      *pool // nil when the variant could not be started
	pids      []int
	servers   []Server
	urls      []string
	instances int
	stops     []func() error
	// warmed is false until the variant's first warm-up ran.
	warmed bool
	// store is the Redis its servers use, prefix their key prefix ("" for
	// a variant without one).
	store  results.Store
	prefix string
}

func (lv *liveVariant) stop() error {
	var errs []error
	for _, f := range lv.stops {
		errs = append(errs, f())
	}
	lv.stops = nil
	return errors.Join(errs...)
}

// variantResult returns the index of the VariantResult for variant and
// routing, adding one when there is none yet (a scale-out pass reuses
// its entry across instance counts).
func (r *runner) variantResult(variant string, routing results.Routing, store results.Store) int {
	if store == results.StoreSingle {
		store = "" // a single Redis is what every result without a store means
	}
	for i, v := range r.res.Variants {
		if v.Variant == variant && v.Routing == routing && v.Store == store {
			return i
		}
	}
	r.res.Variants = append(r.res.Variants, results.VariantResult{Variant: variant, Routing: routing, Store: store, Steps: []results.Step{}})
	return len(r.res.Variants) - 1
}

// redisAddr is where servers reach Redis: through the store proxy when
// the scenario has one.
func (r *runner) redisAddr() string {
	if r.proxy != nil {
		return r.proxy.Addr()
	}
	return r.redis.Addr
}

// prepareVariant starts the pass's servers (unless --target), pins them,
// logs every virtual user in and measures the Redis memory they hold.
func (r *runner) prepareVariant(ctx context.Context, ps passSpec) *liveVariant {
	sc := r.sc
	variant := ps.variant
	lv := &liveVariant{vr: r.variantResult(variant, ps.routing, ps.store), instances: ps.instances, store: ps.store}
	vr := func() *results.VariantResult { return &r.res.Variants[lv.vr] }
	var prefix string
	if r.cfg.Target != "" {
		lv.urls = []string{r.cfg.Target}
	}
	for i := 0; r.cfg.Target == "" && i < ps.instances; i++ {
		name := "server-" + variant
		if ps.routing == results.RoutingSticky {
			name += "-sticky"
		}
		if ps.instances > 1 {
			name += fmt.Sprintf("-%dof%d", i+1, ps.instances)
		}
		name += storeSuffix(ps.store)
		logf, err := os.Create(filepath.Join(r.dir, name+".log"))
		if err != nil {
			vr().Error = err.Error()
			_ = lv.stop()
			return lv
		}
		spec := ServerSpec{Variant: variant, Users: sc.Users, Backend: ps.backend, Log: logf, Instance: i,
			KeyFile: r.keyFile, SessionKeyFile: r.sessionKeyFile, AdminToken: ps.admin, Debug: ps.debug}
		switch {
		case !usesRedis(variant):
		case ps.store == results.StoreCluster && r.cluster != nil:
			prefix = r.cluster.c.Prefix + variant + ":"
			spec.RedisAddrs, spec.RedisPrefix = r.clusterAddrList(), prefix
		case r.redis != nil:
			prefix = r.redis.Prefix + variant + ":"
			spec.RedisAddr, spec.RedisPrefix = r.redisAddr(), prefix
			if ps.redisAddr != nil {
				spec.RedisAddr = ps.redisAddr(i)
			}
		}
		srv, err := r.cfg.Launcher.Launch(ctx, spec)
		if err != nil {
			logf.Close()
			vr().Error = err.Error()
			fmt.Fprintf(r.log, "loadtest: %s: %v\n", variant, err)
			_ = lv.stop()
			return lv
		}
		lv.stops = append(lv.stops, func() error {
			defer logf.Close()
			return srv.Stop()
		})
		lv.servers = append(lv.servers, srv)
		lv.urls = append(lv.urls, srv.URL())
		if pid := srv.PID(); pid > 0 {
			lv.pids = append(lv.pids, pid)
			if r.pin.Applied {
				if err := pinTasks(pid, r.pin.ServerCPUs); err != nil {
					r.note(fmt.Sprintf("%s: server not pinned: %v", variant, err))
				}
			}
		}
	}
	// A scale-out entry is reused across instance counts: these describe
	// the latest pass.
	vr().ServerPID, vr().ServerPIDs = 0, nil
	if len(lv.pids) == 1 {
		vr().ServerPID = lv.pids[0]
	} else if len(lv.pids) > 1 {
		vr().ServerPIDs = append([]int(nil), lv.pids...)
	}
	if vr().Info == nil && len(lv.urls) > 0 {
		if info, err := variantInfo(ctx, r.client, lv.urls[0]); err != nil {
			fmt.Fprintf(r.log, "loadtest: %s: variant info not recorded: %v\n", vr().Label(), err)
		} else {
			vr().Info = info
		}
	}
	fmt.Fprintf(r.log, "loadtest: %s: %s; logging in %d users\n", vr().Label(), strings.Join(lv.urls, " "), sc.Users)
	mix := sc.Mix
	if ps.mix != nil {
		mix = *ps.mix
	}
	pool := newPool(lv.urls, ps.routing, sc.Users, sc.Backend.Password, mix, uint64(lv.vr+1))
	vr().Logins = pool.loginAll(ctx, r.client, sc.LoginConcurrency)
	if l := vr().Logins; l.Failures > 0 {
		fmt.Fprintf(r.log, "loadtest: %s: %d of %d logins failed, first: %s\n", variant, l.Failures, l.Users, l.FirstError)
	}
	lv.prefix = prefix
	if prefix != "" && r.redisMeasured(ps.store) && vr().RedisMemory == nil {
		m, err := r.memoryOf(ctx, ps.store, prefix, vr().Logins.Users-vr().Logins.Failures)
		if err != nil {
			r.note(fmt.Sprintf("%s: Redis memory unmeasured: %v", variant, err))
		} else {
			vr().RedisMemory = m
		}
	}
	lv.pool = pool
	return lv
}

// rewarm is the warm-up before a variant's later repetitions: long enough
// to bring its connections and caches back after it sat idle while the
// other variants ran, short enough not to lengthen the run much.
const rewarm = time.Second

// warm runs the warm-up before a measured pass at rate.
func (r *runner) warm(ctx context.Context, lv *liveVariant, rate float64) {
	warm := r.sc.Warmup.D()
	if lv.warmed {
		warm = min(warm, rewarm)
	}
	if warm > 0 && ctx.Err() == nil {
		label := r.res.Variants[lv.vr].Label()
		r.prog.begin(label, "warm-up", 0, 0, warm, rate)
		st := r.attack(ctx, load{variant: label, pool: lv.pool, pids: lv.pids, store: lv.store, rate: rate, du: warm}, nil)
		r.prog.end(label, "warm-up", st)
	}
	lv.warmed = true
}

// runRepetition warms lv's servers up, then runs repetition rep of the
// scenario's rates and then of its max-rate search.
func (r *runner) runRepetition(ctx context.Context, lv *liveVariant, rep int) {
	sc := r.sc
	first := 0.0
	if len(sc.Rates) > 0 {
		first = sc.Rates[0]
	} else {
		first = sc.Search.Start
	}
	r.warm(ctx, lv, first)
	vr := func() *results.VariantResult { return &r.res.Variants[lv.vr] }
	total := len(sc.Rates) * sc.Repetitions
	if sc.StoreLatency != nil {
		total *= len(sc.StoreLatency.Added)
	}
	if sc.ScaleOut != nil {
		total *= len(sc.ScaleOut.Instances)
	}
	for _, rate := range sc.Rates {
		if ctx.Err() != nil {
			return
		}
		st := r.step(ctx, lv, "rate", rep, len(vr().Steps)+1, total, rate, nil)
		vr().Steps = append(vr().Steps, st)
	}
	if sc.Search == nil {
		return
	}
	mr := searchMaxRate(*sc.Search, func(rate float64) (bool, bool, bool) {
		if ctx.Err() != nil {
			return false, false, false
		}
		st := r.step(ctx, lv, "probe", rep, len(vr().Steps)+1, 0, rate, nil)
		st.SLO = sloVerdict(*sc.Search, st)
		vr().Steps = append(vr().Steps, st)
		r.prog.verdict(st)
		if !st.SLO.Pass {
			r.settle(lv) // an overloaded probe's connections and backlog must not spill into the next
		}
		return st.SLO.Pass, st.GeneratorBound, !st.Interrupted
	})
	mr.Repetition = rep
	mr.AddedLatency = r.addedLatency
	if sc.ScaleOut != nil {
		mr.Instances = lv.instances
	}
	vr().MaxRate = append(vr().MaxRate, mr)
}

// step runs and records one measured step.
func (r *runner) step(ctx context.Context, lv *liveVariant, kind results.StepKind, rep, index, total int, rate float64, opts *attackOpts) results.Step {
	vr := r.res.Variants[lv.vr]
	label := vr.Label()
	raw := rawFileName(label, kind, rep, index, rate)
	r.healProxy(label, index)
	du := r.sc.Duration.D()
	if opts != nil && opts.du > 0 {
		du = opts.du
	}
	pi := index
	if opts != nil && opts.progIndex > 0 {
		pi = opts.progIndex
	}
	r.prog.begin(label, string(kind), pi, total, du, rate)
	st := r.attack(ctx, load{variant: label, pool: lv.pool, pids: lv.pids, store: lv.store, rate: rate, du: du, raw: raw, record: true}, opts)
	st.Kind, st.Repetition, st.Index = kind, rep, index
	st.AddedLatency = r.addedLatency
	if r.sc.ScaleOut != nil {
		st.Instances = lv.instances
	}
	r.prog.end(label, string(kind), st)
	return st
}

// rawFileName is where a step's raw results go, relative to the run
// folder.
func rawFileName(label string, kind results.StepKind, rep, index int, rate float64) string {
	name := strings.ReplaceAll(label, " (sticky)", "-sticky")
	return filepath.Join("raw", fmt.Sprintf("%s-%02d-%s-r%d-%g.gob", name, index, kind, rep, rate))
}

// attackOpts are what a scenario kind adds to a plain constant-rate
// attack; the zero value is a plain attack.
type attackOpts struct {
	// pacer replaces the constant rate (refresh storm).
	pacer vegeta.Pacer
	// marks are points in time (offsets from the start, ascending) at
	// which an action runs (cut, restore) and the server's and Redis's
	// counters are read, so phases can be costed.
	marks []*mark
	// onResult sees every result with its route, after the pool did.
	onResult func(route string, res *vegeta.Result)
	// du replaces the scenario's step duration, timeout its request
	// timeout (capacity probes); zero keeps the scenario's.
	du, timeout time.Duration
	// progIndex, when set, is the step's number in the progress line
	// (k of total), where the step index also counts other kinds' steps.
	progIndex int
	// closed, when set, makes the attack a closed loop: no pacer, this
	// many workers, each sending its next request when its last one is
	// answered (vegeta's rate 0 with a fixed worker pool).
	closed int
}

// mark is one point in an attack; the fields after do are filled in.
type mark struct {
	at time.Duration
	do func()

	// t0 is the attack's start with Go's monotonic clock reading: began,
	// applied and request timestamps count from it, so a wall-clock
	// adjustment during the step cannot move a request into another
	// phase.
	t0 time.Time

	began    time.Duration // offset at which do was called
	applied  time.Duration // offset at which do returned and counters were read
	cpu      time.Duration
	cpuOK    bool
	counters results.ProcCounters
	countOK  bool
	redis    redisSnapshot
	redisOK  bool
	// gen is the generator's own CPU time when the counters were read.
	gen time.Duration
	// nodes are the cluster masters' own counters (store cluster), of
	// which redis is the sum.
	nodes    []redisSnapshot
	happened bool
}

// snapshot reads the servers' CPU and the counters of store's Redis (on
// a cluster: every master's) into m.
func (r *runner) snapshot(ctx context.Context, pids []int, store results.Store, m *mark) {
	m.gen = selfCPU()
	if len(pids) > 0 {
		c, err := sumCPU(pids)
		m.cpu, m.cpuOK = c, err == nil
		pc, err := sumCounters(pids)
		m.counters, m.countOK = pc, err == nil
	}
	switch {
	case store == results.StoreCluster:
		if r.redisMeasured(store) {
			ns, err := r.clusterSnapshot(context.WithoutCancel(ctx))
			if err == nil {
				m.nodes, m.redis, m.redisOK = ns, sumSnapshots(ns), true
			}
		}
	case r.res.Redis.Measured:
		rs, err := takeRedisSnapshot(context.WithoutCancel(ctx), r.rc)
		m.redis, m.redisOK = rs, err == nil
	}
}

// sumCPU is the on-CPU time of every process in pids.
func sumCPU(pids []int) (time.Duration, error) {
	var t time.Duration
	for _, pid := range pids {
		c, err := procCPU(pid)
		if err != nil {
			return 0, err
		}
		t += c
	}
	return t, nil
}

// load is one attack to run: against which variant's servers, at what
// rate and for how long, and what to keep.
type load struct {
	variant string
	pool    *pool
	pids    []int // the servers' processes, whose CPU and counters are read
	store   results.Store
	rate    float64
	du      time.Duration
	raw     string // raw results file under the run folder; "" for none
	record  bool   // keep metrics and raw results (a warm-up keeps neither)
}

// observation is what one attack saw, before anything is made of it: the
// counters at its start and end, the generator's own CPU, the metrics and
// the servers' peak RSS.
type observation struct {
	m0, m1      mark
	started     time.Time
	wall        time.Duration
	genCPU      time.Duration
	all         results.Metrics
	routes      map[string]results.Metrics
	interrupted bool
	rawFile     string  // written raw results, "" for none
	credBytes   float64 // credential bytes per request
	rssReset    bool    // every server's peak RSS was reset at the start
	peakRSS     int64
	// nodes are the cluster's masters when the step ran on it, in the
	// order of the marks' node counters.
	nodes []results.ClusterNode
}

// attack runs one step of l and returns it: drive measures, stepOf turns
// the counters into costs, generatorBound says what the measurement means.
func (r *runner) attack(ctx context.Context, l load, opts *attackOpts) results.Step {
	if opts == nil {
		opts = &attackOpts{}
	}
	st := stepOf(l, r.drive(ctx, l, opts), r.genCPUs)
	if l.record {
		st.GeneratorBound, st.GeneratorBoundReason = generatorBound(l.rate, l.du, st)
	}
	return st
}

// drive runs the attack of l and records what it saw: raw results (when
// kept), the servers' and Redis's counters before and after, at each of
// opts.marks (whose actions it runs on time), and the generator's CPU.
func (r *runner) drive(ctx context.Context, l load, opts *attackOpts) observation {
	var obs observation
	var enc vegeta.Encoder
	if l.record && l.raw != "" {
		f, err := os.Create(filepath.Join(r.dir, l.raw))
		if err == nil {
			defer f.Close()
			enc = vegeta.NewEncoder(f)
			obs.rawFile = l.raw
		}
	}
	obs.rssReset = len(l.pids) > 0
	for _, pid := range l.pids {
		obs.rssReset = resetPeakRSS(pid) && obs.rssReset
	}
	r.snapshot(ctx, l.pids, l.store, &obs.m0)
	if l.store == results.StoreCluster && r.res.Cluster != nil {
		obs.nodes = r.res.Cluster.Nodes
	}
	gen0 := selfCPU()
	t0 := time.Now()
	obs.started = t0
	for _, mk := range opts.marks {
		mk.t0 = t0
	}

	maxW := uint64(math.MaxUint64)
	if r.sc.MaxWorkers > 0 {
		maxW = r.sc.MaxWorkers
	}
	timeout := r.sc.Timeout.D()
	if opts.timeout > 0 {
		timeout = opts.timeout
	}
	workers := []func(*vegeta.Attacker){vegeta.MaxWorkers(maxW)}
	var pacer vegeta.Pacer = vegeta.Rate{Freq: int(math.Round(l.rate)), Per: time.Second}
	if opts.pacer != nil {
		pacer = opts.pacer
	}
	if opts.closed > 0 {
		// A zero rate is vegeta's "as fast as the workers go"; with the
		// pool started at its cap, no worker is ever added.
		pacer = vegeta.Rate{}
		workers = []func(*vegeta.Attacker){vegeta.Workers(uint64(opts.closed)), vegeta.MaxWorkers(uint64(opts.closed))}
	}
	atk := vegeta.NewAttacker(append(workers,
		vegeta.Client(r.client),
		vegeta.MaxBody(0),
		vegeta.KeepAlive(true),
		vegeta.Timeout(timeout),
	)...)
	done := make(chan struct{})
	var doneOnce sync.Once
	stop := func() { doneOnce.Do(func() { close(done); atk.Stop() }) }
	defer stop()
	// Marks run on their own goroutine so an action (cutting Redis) lands
	// on time whatever the results loop is doing. An interrupted attack
	// skips the remaining marks; whoever set an action undoes it.
	marksDone := make(chan struct{})
	go func() {
		defer close(marksDone)
		for _, mk := range opts.marks {
			t := time.NewTimer(time.Until(t0.Add(mk.at)))
			select {
			case <-done:
				t.Stop()
				return
			case <-t.C:
			}
			mk.began = time.Since(t0)
			if mk.do != nil {
				mk.do()
			}
			mk.applied = time.Since(t0)
			r.snapshot(ctx, l.pids, l.store, mk)
			mk.happened = true
		}
	}()
	l.pool.resetCredential()
	resCh := atk.Attack(l.pool.targeter(done), pacer, l.du, l.variant)
	m := newStepMetrics()
	var count atomic.Uint64
	r.prog.track(&count, t0)
	ctxDone := ctx.Done()
loop:
	for {
		select {
		case res, ok := <-resCh:
			if !ok {
				break loop
			}
			route, vu := routeOf(res.URL)
			l.pool.observe(route, vu, res)
			count.Add(1)
			if !l.record {
				continue
			}
			m.add(route, res)
			if opts.onResult != nil {
				opts.onResult(route, res)
			}
			if enc != nil {
				res.Headers = nil // cookies are per-run secrets and bulky; vegeta report does not need them
				_ = enc.Encode(res)
			}
		case <-ctxDone:
			obs.interrupted = true
			stop()
			ctxDone = nil
		}
	}
	stop()
	<-marksDone
	r.prog.untrack()
	obs.wall = time.Since(t0)
	obs.genCPU = selfCPU() - gen0
	r.snapshot(ctx, l.pids, l.store, &obs.m1)
	obs.all, obs.routes = m.close()
	obs.credBytes = l.pool.credentialPerRequest()
	for _, pid := range l.pids {
		rss, _ := peakRSS(pid)
		obs.peakRSS += rss
	}
	return obs
}

// stepOf turns what an attack of l saw into its step: per-request and
// per-second costs of the servers, Redis and the generator (which had
// genCores cores). It decides nothing.
func stepOf(l load, obs observation, genCores int) results.Step {
	st := results.Step{
		Rate: l.rate, Duration: l.du, RawFile: obs.rawFile, Started: obs.started.UTC(),
		Interrupted: obs.interrupted, Wall: obs.wall, All: obs.all, Routes: obs.routes,
		CredentialBytes: obs.credBytes,
	}
	n := st.All.Requests
	st.Server = processCost(obs.m0, obs.m1, n, obs.wall)
	if st.Server != nil {
		st.Server.PeakRSSReset = obs.rssReset
		st.Server.PeakRSSBytes = obs.peakRSS
	}
	if obs.m0.redisOK && obs.m1.redisOK {
		st.Redis = redisCost(obs.m0.redis, obs.m1.redis, n)
		st.Redis.Nodes = nodeCosts(obs.nodes, obs.m0.nodes, obs.m1.nodes)
	}
	st.Generator = results.GeneratorCost{CPUSeconds: obs.genCPU.Seconds(), Cores: genCores}
	if obs.wall > 0 && genCores > 0 {
		st.Generator.Utilisation = obs.genCPU.Seconds() / (obs.wall.Seconds() * float64(genCores))
	}
	return st
}

// processCost is the servers' CPU between two marks over n requests.
func processCost(a, b mark, n uint64, wall time.Duration) *results.ProcessCost {
	if !a.cpuOK || !b.cpuOK {
		return nil
	}
	pc := &results.ProcessCost{CPUSeconds: (b.cpu - a.cpu).Seconds()}
	if a.countOK && b.countOK {
		d := b.counters.Minus(a.counters)
		pc.Counters = &d
	}
	if n > 0 {
		pc.CPUPerRequest = pc.CPUSeconds / float64(n)
	}
	if wall > 0 {
		pc.Utilisation = pc.CPUSeconds / wall.Seconds()
	}
	return pc
}

// generatorBound says whether the generator, not the server, limited a
// step: it could not send at the asked rate, or its CPU was saturated.
// Open-loop with unbounded workers, the send rate does not depend on the
// server's answers, so a short send rate is the generator's doing.
func generatorBound(asked float64, du time.Duration, st results.Step) (bool, string) {
	var why []string
	if !st.Interrupted {
		want := asked * du.Seconds()
		if float64(st.All.Requests) < policy.GeneratorMinSent*want {
			why = append(why, fmt.Sprintf("sent %d of %.0f requests (attack fell behind)", st.All.Requests, want))
		} else if st.All.Rate < policy.GeneratorMinSent*asked {
			why = append(why, fmt.Sprintf("achieved %.0f/s of %.0f/s asked", st.All.Rate, asked))
		}
	}
	if st.Generator.Utilisation >= policy.GeneratorBusy {
		why = append(why, fmt.Sprintf("generator CPU at %.0f%% of its %d core(s)", 100*st.Generator.Utilisation, st.Generator.Cores))
	}
	return len(why) > 0, strings.Join(why, "; ")
}

// sloVerdict checks a probe against the search's SLO. A generator-bound
// probe fails: its figures say nothing about the server at that rate.
func sloVerdict(q Search, st results.Step) *results.SLOVerdict {
	var why []string
	if st.All.Latency.P99 > q.SLO.P99.D() {
		why = append(why, fmt.Sprintf("p99 %v > %v", st.All.Latency.P99.Round(time.Microsecond), q.SLO.P99.D()))
	}
	if e := 1 - st.All.Success; st.All.Requests == 0 || e > q.SLO.ErrorRate {
		why = append(why, fmt.Sprintf("error rate %.4f > %g", e, q.SLO.ErrorRate))
	}
	if st.GeneratorBound {
		why = append(why, "generator-bound: "+st.GeneratorBoundReason)
	} else if len(why) > 0 && st.Server != nil && st.Server.Utilisation < policy.NeitherBusy && st.Generator.Utilisation < policy.NeitherBusy {
		// The tail broke with both processes idle: whatever it was
		// (scheduling, a backlog), it is not the server's limit.
		why = append(why, fmt.Sprintf("neither busy (server %.0f%%, generator %.0f%% of a core): not a server limit", 100*st.Server.Utilisation, 100*st.Generator.Utilisation))
	}
	if st.Interrupted {
		why = append(why, "interrupted")
	}
	return &results.SLOVerdict{Pass: len(why) == 0, Reason: strings.Join(why, "; ")}
}

// checkLoopback refuses a target that is not a loopback address unless
// allowRemote: load traffic only ever goes to this machine by default.
func checkLoopback(target string, allowRemote bool) error {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("--target %q: want http://host:port", target)
	}
	if allowRemote {
		return nil
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--target %q: not a loopback address; load traffic goes only to this machine unless --allow-remote is given", target)
	}
	return nil
}

// CheckTarget validates a --target URL: http(s), and loopback unless
// allowRemote.
func CheckTarget(target string, allowRemote bool) error { return checkLoopback(target, allowRemote) }

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '-'
	}, s)
}
