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
	// Log receives progress and log lines (the terminal's stderr).
	Log io.Writer
	// Terminal redraws one progress line with \r instead of logging
	// one line per step start and end.
	Terminal bool
	// Now is the clock naming the run; nil means time.Now.
	Now func() time.Time
}

// variantsUsingRedis are the variants whose server needs Redis.
var variantsUsingRedis = map[string]bool{"jwt-blacklist": true, "session": true}

// runner carries the state of one run.
type runner struct {
	cfg     Config
	sc      *Scenario
	dir     string
	res     *Results
	log     io.Writer
	redis   *redisprov.Redis
	rc      *redis.Client // measurement client, one connection
	client  *http.Client  // shared by every attack so connections are reused
	pin     Pinning
	genCPUs int
	prog    *progress
}

// Run runs cfg's scenario and writes results.json. It returns the
// results and the run folder even when interrupted (ctx cancelled: the
// results then say "interrupted") or failed part-way; the error is
// non-nil in both cases.
func Run(ctx context.Context, cfg Config) (*Results, string, error) {
	if cfg.Scenario == nil {
		return nil, "", errors.New("loadtest: no scenario")
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	sc := cfg.Scenario
	start := cfg.Now().UTC()
	runID := start.Format("2006-01-02T150405Z") + "-" + safeName(sc.Name)
	dir := filepath.Join(cfg.Out, runID)
	if err := os.MkdirAll(filepath.Join(dir, "raw"), 0o755); err != nil {
		return nil, "", fmt.Errorf("loadtest: %w", err)
	}
	r := &runner{cfg: cfg, sc: sc, dir: dir, log: cfg.Log}
	r.res = &Results{
		Schema:       Schema,
		RunID:        runID,
		Started:      start,
		ScenarioFile: cfg.ScenarioFile,
		Scenario:     *sc,
		Environment:  environment(),
		BcryptCost:   sc.Backend.BcryptCost,
		Redis:        RedisInfo{Kind: "none"},
		Notes:        []string{},
		Variants:     []VariantResult{},
	}
	if sc.Backend.BcryptCost < 10 {
		r.note(fmt.Sprintf("bcrypt cost lowered to %d (serve default 10) so logins do not dominate the load; login figures are not production login costs", sc.Backend.BcryptCost))
	}
	err := r.run(ctx)
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

func (r *runner) close() {
	if r.rc != nil {
		_ = r.rc.Close()
	}
	if r.redis != nil {
		_ = r.redis.Close()
	}
	if r.client != nil {
		r.client.CloseIdleConnections()
	}
}

func (r *runner) run(ctx context.Context) error {
	sc := r.sc
	variants := sc.Variants
	if r.cfg.Target != "" {
		if r.cfg.TargetVariant == "" {
			return errors.New("loadtest: --target needs --variant")
		}
		variants = []string{r.cfg.TargetVariant}
		r.res.Target = TargetInfo{Mode: "external", URL: r.cfg.Target}
		r.note("server under test runs elsewhere (--target): its CPU and memory are not measured, nor is its Redis")
	} else {
		if r.cfg.Launcher == nil {
			return errors.New("loadtest: no launcher")
		}
		mode := r.cfg.Mode
		if mode == "" {
			mode = "process"
		}
		r.res.Target = TargetInfo{Mode: mode, ServerCPUMeasured: mode == "process"}
		if mode != "process" {
			r.note("server runs inside the generator process: server CPU is not measured separately")
		}
		if err := r.startRedis(ctx); err != nil {
			return err
		}
	}

	r.setupPinning()
	tr := &http.Transport{
		Proxy:               nil, // loopback only: never through a proxy
		DialContext:         (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        0,
		MaxIdleConnsPerHost: 100000,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	r.client = &http.Client{Transport: tr, Timeout: sc.Timeout.D(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r.prog = newProgress(r.log, r.cfg.Terminal)

	// Every variant's server is started and its users logged in first;
	// then the repetitions run round-robin over the variants (rep 1 of
	// each, then rep 2 of each, …). On a shared or virtual machine whose
	// speed drifts over minutes, this spreads the drift over all variants
	// instead of charging it to whichever ran last, so the variants are
	// compared as ratios measured in one run. Idle servers cost nothing
	// measurable: CPU is read per step, per process.
	r.res.Variants = make([]VariantResult, 0, len(variants))
	live := make([]*liveVariant, 0, len(variants))
	defer func() {
		for i, lv := range live {
			if lv.stop == nil {
				continue
			}
			if err := lv.stop(); err != nil && r.res.Variants[i].Error == "" {
				r.res.Variants[i].Error = "stop server: " + err.Error()
			}
		}
	}()
	for _, v := range variants {
		if ctx.Err() != nil {
			break
		}
		r.res.Variants = append(r.res.Variants, VariantResult{Variant: v, Steps: []Step{}})
		live = append(live, r.prepareVariant(ctx, &r.res.Variants[len(r.res.Variants)-1]))
		if err := r.writeResults(); err != nil {
			return err
		}
	}
	for rep := 1; rep <= sc.Repetitions && ctx.Err() == nil; rep++ {
		for i, lv := range live {
			if ctx.Err() != nil {
				break
			}
			if lv.pool == nil {
				continue // the variant failed to start; its Error says why
			}
			r.runRepetition(ctx, &r.res.Variants[i], lv, rep)
			if err := r.writeResults(); err != nil {
				return err
			}
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
	r.res.Redis = RedisInfo{Label: rd.Label(), Kind: string(rd.Kind), Version: rd.Version, Addr: rd.Addr, Embedded: rd.Kind == redisprov.KindEmbedded}
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
	r.pin = Pinning{Mode: r.sc.Pin}
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
		r.pin.Applied, r.pin.ServerCPUs, r.pin.GeneratorCPUs = true, srv, gen
		r.genCPUs = len(gen)
		r.pin.Note = "Redis is not pinned (it shares the CPUs)"
	}
	r.res.Pinning = r.pin
}

// liveVariant is a variant whose server is up and whose users are logged
// in, between repetitions.
type liveVariant struct {
	pool *pool // nil when the variant could not be started
	pid  int
	stop func() error
	// warmed is false until the variant's first warm-up ran.
	warmed bool
}

// prepareVariant starts vr's server (unless --target), pins it, logs
// every virtual user in and measures the Redis memory they hold.
func (r *runner) prepareVariant(ctx context.Context, vr *VariantResult) *liveVariant {
	sc := r.sc
	variant := vr.Variant
	lv := &liveVariant{}
	base := r.cfg.Target
	var prefix string
	if base == "" {
		logf, err := os.Create(filepath.Join(r.dir, "server-"+variant+".log"))
		if err != nil {
			vr.Error = err.Error()
			return lv
		}
		spec := ServerSpec{Variant: variant, Users: sc.Users, Backend: sc.Backend, Log: logf}
		if r.redis != nil && variantsUsingRedis[variant] {
			prefix = r.redis.Prefix + variant + ":"
			spec.RedisAddr, spec.RedisPrefix = r.redis.Addr, prefix
		}
		srv, err := r.cfg.Launcher.Launch(ctx, spec)
		if err != nil {
			logf.Close()
			vr.Error = err.Error()
			fmt.Fprintf(r.log, "loadtest: %s: %v\n", variant, err)
			return lv
		}
		lv.stop = func() error {
			defer logf.Close()
			return srv.Stop()
		}
		base, lv.pid = srv.URL(), srv.PID()
		vr.ServerPID = lv.pid
		if lv.pid > 0 && r.pin.Applied {
			if err := pinTasks(lv.pid, r.pin.ServerCPUs); err != nil {
				r.note(fmt.Sprintf("%s: server not pinned: %v", variant, err))
			}
		}
	}
	fmt.Fprintf(r.log, "loadtest: %s: server %s; logging in %d users\n", variant, base, sc.Users)
	pool := newPool(base, sc.Users, sc.Backend.Password, sc.Mix, uint64(len(r.res.Variants)))
	vr.Logins = pool.loginAll(ctx, r.client, sc.LoginConcurrency)
	if vr.Logins.Failures > 0 {
		fmt.Fprintf(r.log, "loadtest: %s: %d of %d logins failed, first: %s\n", variant, vr.Logins.Failures, vr.Logins.Users, vr.Logins.FirstError)
	}
	if prefix != "" && r.res.Redis.Measured {
		m, err := redisMemory(ctx, r.rc, prefix, vr.Logins.Users-vr.Logins.Failures)
		if err != nil {
			r.note(fmt.Sprintf("%s: Redis memory unmeasured: %v", variant, err))
		} else {
			vr.RedisMemory = m
		}
	}
	lv.pool = pool
	return lv
}

// rewarm is the warm-up before a variant's later repetitions: long enough
// to bring its connections and caches back after it sat idle while the
// other variants ran, short enough not to lengthen the run much.
const rewarm = time.Second

// runRepetition warms vr's server up, then runs repetition rep of its
// rates or of its max-rate search.
func (r *runner) runRepetition(ctx context.Context, vr *VariantResult, lv *liveVariant, rep int) {
	sc := r.sc
	variant, pool, pid := vr.Variant, lv.pool, lv.pid
	first := 0.0
	if len(sc.Rates) > 0 {
		first = sc.Rates[0]
	} else {
		first = sc.Search.Start
	}
	warm := sc.Warmup.D()
	if lv.warmed {
		warm = min(warm, rewarm)
	}
	if warm > 0 && ctx.Err() == nil {
		r.prog.begin(variant, "warm-up", 0, 0, warm, first)
		st := r.attack(ctx, variant, pool, pid, first, warm, "", false)
		r.prog.end(variant, "warm-up", st)
	}
	lv.warmed = true

	total := len(sc.Rates) * sc.Repetitions
	if sc.Search == nil {
		for _, rate := range sc.Rates {
			if ctx.Err() != nil {
				break
			}
			st := r.step(ctx, variant, pool, pid, "rate", rep, len(vr.Steps)+1, total, rate)
			vr.Steps = append(vr.Steps, st)
		}
		return
	}
	mr := searchMaxRate(*sc.Search, func(rate float64) (bool, bool, bool) {
		if ctx.Err() != nil {
			return false, false, false
		}
		st := r.step(ctx, variant, pool, pid, "probe", rep, len(vr.Steps)+1, 0, rate)
		st.SLO = sloVerdict(*sc.Search, st)
		vr.Steps = append(vr.Steps, st)
		r.prog.verdict(st)
		return st.SLO.Pass, st.GeneratorBound, !st.Interrupted
	})
	mr.Repetition = rep
	vr.MaxRate = append(vr.MaxRate, mr)
}

// step runs and records one measured step.
func (r *runner) step(ctx context.Context, variant string, pool *pool, pid int, kind string, rep, index, total int, rate float64) Step {
	raw := filepath.Join("raw", fmt.Sprintf("%s-%02d-%s-r%d-%g.gob", variant, index, kind, rep, rate))
	r.prog.begin(variant, kind, index, total, r.sc.Duration.D(), rate)
	st := r.attack(ctx, variant, pool, pid, rate, r.sc.Duration.D(), raw, true)
	st.Kind, st.Repetition, st.Index = kind, rep, index
	r.prog.end(variant, kind, st)
	return st
}

// attack holds rate for du against the pool's server and measures it.
// With record false (warm-up) nothing is written.
func (r *runner) attack(ctx context.Context, variant string, pool *pool, pid int, rate float64, du time.Duration, raw string, record bool) Step {
	st := Step{Rate: rate, Duration: du}
	var enc vegeta.Encoder
	if record && raw != "" {
		f, err := os.Create(filepath.Join(r.dir, raw))
		if err == nil {
			defer f.Close()
			enc = vegeta.NewEncoder(f)
			st.RawFile = raw
		}
	}
	var (
		srvCPU0  time.Duration
		srvErr   error
		rssReset bool
		rs0      redisSnapshot
		rsErr    error = errors.New("unmeasured")
	)
	if pid > 0 {
		rssReset = resetPeakRSS(pid)
		srvCPU0, srvErr = procCPU(pid)
	}
	if r.res.Redis.Measured {
		rs0, rsErr = takeRedisSnapshot(ctx, r.rc)
	}
	gen0 := selfCPU()
	t0 := time.Now()
	st.Started = t0.UTC()

	maxW := uint64(math.MaxUint64)
	if r.sc.MaxWorkers > 0 {
		maxW = r.sc.MaxWorkers
	}
	atk := vegeta.NewAttacker(
		vegeta.Client(r.client),
		vegeta.MaxWorkers(maxW),
		vegeta.MaxBody(0),
		vegeta.KeepAlive(true),
		vegeta.Timeout(r.sc.Timeout.D()),
	)
	done := make(chan struct{})
	var doneOnce sync.Once
	stop := func() { doneOnce.Do(func() { close(done); atk.Stop() }) }
	defer stop()
	pacer := vegeta.Rate{Freq: int(math.Round(rate)), Per: time.Second}
	pool.resetCredential()
	results := atk.Attack(pool.targeter(done), pacer, du, variant)
	m := newStepMetrics()
	var count atomic.Uint64
	r.prog.track(&count, t0)
	ctxDone := ctx.Done()
loop:
	for {
		select {
		case res, ok := <-results:
			if !ok {
				break loop
			}
			route, vu := routeOf(res.URL)
			pool.observe(route, vu, res)
			count.Add(1)
			if !record {
				continue
			}
			m.add(route, res)
			if enc != nil {
				res.Headers = nil // cookies are per-run secrets and bulky; vegeta report does not need them
				_ = enc.Encode(res)
			}
		case <-ctxDone:
			st.Interrupted = true
			stop()
			ctxDone = nil
		}
	}
	r.prog.untrack()
	wall := time.Since(t0)
	genCPU := selfCPU() - gen0
	st.Wall = wall
	st.All, st.Routes = m.close()
	st.CredentialBytes = pool.credentialPerRequest()
	n := st.All.Requests
	if pid > 0 && srvErr == nil {
		if c1, err := procCPU(pid); err == nil {
			pc := &ProcessCost{CPUSeconds: (c1 - srvCPU0).Seconds(), PeakRSSReset: rssReset}
			if n > 0 {
				pc.CPUPerRequest = pc.CPUSeconds / float64(n)
			}
			pc.Utilisation = pc.CPUSeconds / wall.Seconds()
			pc.PeakRSSBytes, _ = peakRSS(pid)
			st.Server = pc
		}
	}
	if rsErr == nil {
		if rs1, err := takeRedisSnapshot(context.WithoutCancel(ctx), r.rc); err == nil {
			st.Redis = redisCost(rs0, rs1, n)
		}
	}
	st.Generator = GeneratorCost{CPUSeconds: genCPU.Seconds(), Cores: r.genCPUs}
	if wall > 0 && r.genCPUs > 0 {
		st.Generator.Utilisation = genCPU.Seconds() / (wall.Seconds() * float64(r.genCPUs))
	}
	if record {
		st.GeneratorBound, st.GeneratorBoundReason = generatorBound(rate, du, st)
	}
	return st
}

// generatorBound says whether the generator, not the server, limited a
// step: it could not send at the asked rate, or its CPU was saturated.
// Open-loop with unbounded workers, the send rate does not depend on the
// server's answers, so a short send rate is the generator's doing.
func generatorBound(asked float64, du time.Duration, st Step) (bool, string) {
	var why []string
	if !st.Interrupted {
		want := asked * du.Seconds()
		if float64(st.All.Requests) < 0.95*want {
			why = append(why, fmt.Sprintf("sent %d of %.0f requests (attack fell behind)", st.All.Requests, want))
		} else if st.All.Rate < 0.95*asked {
			why = append(why, fmt.Sprintf("achieved %.0f/s of %.0f/s asked", st.All.Rate, asked))
		}
	}
	if st.Generator.Utilisation >= 0.9 {
		why = append(why, fmt.Sprintf("generator CPU at %.0f%% of its %d core(s)", 100*st.Generator.Utilisation, st.Generator.Cores))
	}
	return len(why) > 0, strings.Join(why, "; ")
}

// sloVerdict checks a probe against the search's SLO. A generator-bound
// probe fails: its figures say nothing about the server at that rate.
func sloVerdict(q Search, st Step) *SLOVerdict {
	var why []string
	if st.All.Latency.P99 > q.SLO.P99.D() {
		why = append(why, fmt.Sprintf("p99 %v > %v", st.All.Latency.P99.Round(time.Microsecond), q.SLO.P99.D()))
	}
	if e := 1 - st.All.Success; st.All.Requests == 0 || e > q.SLO.ErrorRate {
		why = append(why, fmt.Sprintf("error rate %.4f > %g", e, q.SLO.ErrorRate))
	}
	if st.GeneratorBound {
		why = append(why, "generator-bound: "+st.GeneratorBoundReason)
	}
	if st.Interrupted {
		why = append(why, "interrupted")
	}
	return &SLOVerdict{Pass: len(why) == 0, Reason: strings.Join(why, "; ")}
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
