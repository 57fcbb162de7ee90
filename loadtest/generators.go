package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/authbench/authbench/merge"
	"github.com/authbench/authbench/results"
)

// A steady scenario's generators: N splits its load over N generator
// processes, as one would split it over N machines when one generator
// cannot reach the rate: each sends rate/N, writes its own run with raw
// results, and the runs are merged (package merge) into one. Across
// machines each host runs "authbench loadtest --target URL --generator
// NAME" with the same scenario and "authbench report --merge" joins the
// runs; here the runner starts the servers and the N processes itself,
// so the whole path is exercised on one machine.

// validateGenerators checks the generators option: a count, only for
// fixed-rate steady scenarios (a search or a curve decides its next step
// from its own results, which N separate processes cannot share).
func (s *Scenario) validateGenerators(bad reporter) {
	switch {
	case s.Generators < 0:
		bad("$.generators", "generators: %d: want 1 or more", s.Generators)
	case s.Generators <= 1:
	case s.Kind() != results.KindSteady:
		bad("$.generators", "generators: %d: only a steady scenario (fixed rates) splits its load; this is a %s scenario", s.Generators, s.Kind())
	case s.Search != nil:
		bad("$.generators", "generators: %d: a max-rate search decides each probe from the last one's results, which separate generators cannot share; give rates", s.Generators)
	case s.Curve != nil:
		bad("$.generators", "generators: %d: a cost curve's capacity probes decide from their own results; leave out curve", s.Generators)
	}
}

// generatorShare is the scenario one generator of several runs against
// a --target: every rate divided by generators, with a note saying so.
// Any other run gets its scenario unchanged and no note.
func generatorShare(cfg Config) (*Scenario, string) {
	sc := cfg.Scenario
	n := sc.Generators
	if cfg.Target == "" || n <= 1 {
		return sc, ""
	}
	share := *sc
	share.Rates = make([]float64, len(sc.Rates))
	for i, r := range sc.Rates {
		share.Rates[i] = r / float64(n)
	}
	name := cfg.Generator
	if name == "" {
		name = "this generator"
	}
	return &share, fmt.Sprintf("%s is one of %d generators: it sends 1/%d of every rate; \"authbench report --merge\" adds the %d runs up", name, n, n, n)
}

// runGenerators runs each variant with its load split over
// r.sc.Generators processes: the server is started and pinned as for one
// generator, then N "authbench loadtest --target" children drive it, and
// their runs are merged into the variant's steps.
func (r *runner) runGenerators(ctx context.Context, variants []string) error {
	exe := r.cfg.Exe
	if pl, ok := r.cfg.Launcher.(ProcessLauncher); ok && exe == "" {
		exe = pl.Exe
	}
	if exe == "" {
		return errors.New("loadtest: generators: needs the authbench binary to run the generators (Config.Exe)")
	}
	gdir := filepath.Join(r.dir, "generators")
	if err := os.MkdirAll(gdir, 0o755); err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	// The children read the scenario as the runner holds it (defaults
	// filled in, changes made by a caller included); JSON is YAML.
	b, err := json.MarshalIndent(r.sc, "", "  ")
	if err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	scen := filepath.Join(gdir, "scenario.yaml")
	if err := os.WriteFile(scen, b, 0o644); err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	r.note(fmt.Sprintf("load split over %d generator processes per variant (generators: %d), each sending 1/%d of every rate; figures are merged from their raw results; server CPU and Redis per step are read from samples every %v within the step's bounds (the steps are the generators', not this process's)", r.sc.Generators, r.sc.Generators, r.sc.Generators, sampleEvery))
	for _, ps := range r.passesOf(variants, false) {
		if ctx.Err() != nil {
			break
		}
		lv := r.prepareVariant(ctx, ps)
		if lv.pool != nil {
			r.generate(ctx, exe, scen, lv)
		}
		if err := lv.stop(); err != nil && r.res.Variants[lv.vr].Error == "" {
			r.res.Variants[lv.vr].Error = "stop server: " + err.Error()
		}
		if err := r.writeResults(); err != nil {
			return err
		}
	}
	return nil
}

// generate runs the generators against lv's server, waits for them and
// merges their runs into lv's variant.
func (r *runner) generate(ctx context.Context, exe, scen string, lv *liveVariant) {
	vr := &r.res.Variants[lv.vr]
	n := r.sc.Generators
	dir := filepath.Join(r.dir, "generators", safeName(vr.Label()))
	cpus := r.pin.GeneratorCPUs
	if !r.pin.Applied {
		cpus = nil
	}
	switch {
	case len(cpus) >= n:
		r.note(fmt.Sprintf("%s: each of the %d generators pinned to a CPU of its own (%v)", vr.Label(), n, cpus[:n]))
	case len(cpus) > 0:
		r.note(fmt.Sprintf("%s: %d generators share the generator's %d CPU(s) %v: too few cores for one each", vr.Label(), n, len(cpus), cpus))
	default:
		r.note(fmt.Sprintf("%s: generators not pinned (%s)", vr.Label(), r.pin.Note))
	}
	cmds := make([]*exec.Cmd, 0, n)
	outs := make([]string, 0, n)
	var errs []string
	// They start together after their logins, which take about as long
	// as this runner's took (every generator logs every user in).
	startAt := time.Now().Add(2*vr.Logins.Duration + startMargin)
	for k := 1; k <= n; k++ {
		name := fmt.Sprintf("g%d", k)
		out := filepath.Join(dir, name)
		cmd, err := r.startGenerator(ctx, exe, scen, lv.urls[0], vr.Variant, name, out, startAt)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if len(cpus) > 0 {
			set := cpus
			if len(cpus) >= n {
				set = cpus[k-1 : k]
			}
			if err := pinTasks(cmd.Process.Pid, set); err != nil {
				r.note(fmt.Sprintf("%s: generator %s not pinned: %v", vr.Label(), name, err))
			}
		}
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	fmt.Fprintf(r.log, "loadtest: %s: %d generators running (logs in %s)\n", vr.Label(), len(cmds), dir)
	stop := make(chan struct{})
	sampled := make(chan []sample, 1)
	go func() { sampled <- r.sample(ctx, lv.pids, lv.store, stop) }()
	var runs []string
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			errs = append(errs, fmt.Sprintf("generator %s: %v (see %s.log)", filepath.Base(outs[i]), err, outs[i]))
		}
		if run, err := filepath.EvalSymlinks(filepath.Join(outs[i], "latest")); err == nil {
			runs = append(runs, run)
		}
	}
	close(stop)
	samples := <-sampled
	if len(runs) == len(cmds) && len(runs) > 1 {
		if err := r.mergeGenerators(lv, runs, samples); err != nil {
			errs = append(errs, err.Error())
		}
	} else {
		errs = append(errs, fmt.Sprintf("%d of %d generators left a run to merge", len(runs), n))
	}
	if len(errs) > 0 && vr.Error == "" {
		vr.Error = strings.Join(errs, "; ")
	}
}

// startGenerator starts one "authbench loadtest --target" child writing
// its run under out and its output to out.log. Cancelling ctx interrupts
// it as Ctrl-C would, so it still writes what it measured.
func (r *runner) startGenerator(ctx context.Context, exe, scen, target, variant, name, out string, startAt time.Time) (*exec.Cmd, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	logf, err := os.Create(out + ".log")
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, "loadtest", "--scenario", scen, "--target", target,
		"--variant", variant, "--generator", name, "--out", out, "--start-at", startAt.UTC().Format(time.RFC3339Nano))
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = r.sc.Duration.D() + r.sc.Timeout.D() + 10*time.Second
	err = cmd.Start()
	logf.Close() // the child holds its own descriptor
	if err != nil {
		return nil, fmt.Errorf("generator %s: %w", name, err)
	}
	return cmd, nil
}

// mergeGenerators merges the generators' runs into lv's variant: its
// steps, logins and errors, and the run's generator list and notes.
func (r *runner) mergeGenerators(lv *liveVariant, runs []string, samples []sample) error {
	parts := make([]merge.Part, 0, len(runs))
	for _, d := range runs {
		p, err := merge.LoadDir(d)
		if err != nil {
			return err
		}
		parts = append(parts, p)
	}
	m, err := merge.Merge(r.dir, parts)
	if err != nil {
		return err
	}
	vr := &r.res.Variants[lv.vr]
	mv := m.Variants[0]
	for i := range mv.Steps {
		mv.Steps[i].Index = len(vr.Steps) + i + 1
		costFromSamples(&mv.Steps[i], samples)
	}
	vr.Steps = append(vr.Steps, mv.Steps...)
	vr.Logins = mv.Logins
	if mv.Error != "" {
		vr.Error = mv.Error
	}
	r.res.Generators = append(r.res.Generators, m.Generators...)
	// Only the merge's own notes (parts, offsets, warnings): the parts'
	// notes speak of a --target whose server this run started itself.
	theirs := map[string]bool{}
	for _, p := range parts {
		for _, s := range p.Results.Notes {
			theirs[s], theirs[p.Results.Generator+": "+s] = true, true
		}
	}
	for _, s := range m.Notes {
		if !theirs[s] {
			r.note(vr.Label() + ": " + s)
		}
	}
	return nil
}

// sampleEvery is how often the servers' CPU and Redis's counters are
// read while generators run: the steps are theirs, so this process
// cannot read counters at their bounds and reads them often instead.
const sampleEvery = 50 * time.Millisecond

// sample is the servers' and Redis's counters at one time.
type sample struct {
	at time.Time
	m  mark
}

// sample reads the counters every sampleEvery until stop is closed.
func (r *runner) sample(ctx context.Context, pids []int, store results.Store, stop <-chan struct{}) []sample {
	var out []sample
	t := time.NewTicker(sampleEvery)
	defer t.Stop()
	for {
		var s sample
		r.snapshot(ctx, pids, store, &s.m)
		s.at = time.Now()
		out = append(out, s)
		select {
		case <-stop:
			return out
		case <-t.C:
		}
	}
}

// costFromSamples fills in st's server and Redis costs from the first
// sample at or after its start and the last at or before its end: a
// span inside the step, up to sampleEvery shorter at each end, whose
// costs per request count the step's requests in proportion to the span.
func costFromSamples(st *results.Step, samples []sample) {
	start, end := st.Started, st.Started.Add(st.Wall)
	i := slices.IndexFunc(samples, func(s sample) bool { return !s.at.Before(start) })
	j := len(samples) - 1
	for j >= 0 && samples[j].at.After(end) {
		j--
	}
	if i < 0 || j <= i || st.Wall <= 0 {
		return
	}
	a, b := samples[i], samples[j]
	span := b.at.Sub(a.at)
	n := uint64(math.Round(float64(st.All.Requests) * span.Seconds() / st.Wall.Seconds()))
	st.Server = processCost(a.m, b.m, n, span)
	if a.m.redisOK && b.m.redisOK {
		st.Redis = redisCost(a.m.redis, b.m.redis, n)
	}
}

// startMargin is added to twice the runner's own login time to choose
// the generators' common start: they log in their users first.
const startMargin = time.Second

// waitStart holds the run until Config.StartAt, saying when the logins
// ended after it (the steps then begin unaligned).
func (r *runner) waitStart(ctx context.Context) {
	at := r.cfg.StartAt
	if at.IsZero() {
		return
	}
	d := time.Until(at)
	if d < 0 {
		r.note(fmt.Sprintf("start-at %s passed %v before this generator was ready: its steps began that much after the others'", at.UTC().Format(time.RFC3339Nano), (-d).Round(time.Millisecond)))
		return
	}
	fmt.Fprintf(r.log, "loadtest: waiting %v for the common start %s\n", d.Round(time.Millisecond), at.UTC().Format(time.RFC3339Nano))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
