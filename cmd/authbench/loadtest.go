package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/authbench/authbench/loadtest"
	"github.com/authbench/authbench/redisprov"
	"github.com/authbench/authbench/report"
	"github.com/authbench/authbench/results"
	"github.com/authbench/authbench/variants"
)

func runLoadtest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("loadtest", `Usage: authbench loadtest [flags]

Load-tests every variant of a scenario with vegeta: for each variant it
starts "authbench serve" as a separate process on 127.0.0.1 (so its CPU is
measured alone), logs every virtual user in, then holds each rate open-loop
and records latency, server CPU and peak RSS, Redis CPU and commands per
request and the generator's own CPU. Results go to <out>/<run-id>/
(results.json, raw vegeta results per step, server logs); <out>/latest
points at the newest run. Ctrl-C stops cleanly and still writes results.

Scenarios (scenarios/*.yaml; "make loadtest-all" runs quick and the five
trade-offs, one results folder each):
  quick          cost curve per variant: capacity, marginal server and Redis
                 CPU per request with 95 % CIs, idle CPU, ratios to jwt;
                 4 randomized interleaved rounds (about 5 min)
  full           max-rate search per variant under an SLO (long)
  store-latency  Redis behind toxiproxy at +0/0.5/1/5 ms round trip
  store-outage   Redis cut off for 5 s under load: 503s, recovery, crashes
  revocation     how long a logged-out or revoked cookie keeps working
  scale-out      1, 2, 4 server processes, round-robin; session-memory sticky
  refresh-storm  every user refreshes within 2 s on top of steady traffic
  cluster        session, jwt-blacklist, jwt on one Redis and a local 3-master
                 Redis Cluster: cost, commands per master, one master stopped

Load traffic goes only to loopback addresses: --target must be 127.0.0.1,
::1 or localhost unless --allow-remote is given.

Examples:
  authbench loadtest                                  # scenarios/quick.yaml
  authbench loadtest --scenario scenarios/revocation.yaml
  authbench loadtest --target http://127.0.0.1:8080 --variant session
  authbench loadtest --target http://127.0.0.1:8080 --variant session --generator g1
                                                      # one of several: see README
                                                      # "Load from several machines"`, stdout)
	scenario := fs.String("scenario", "scenarios/quick.yaml", "scenario `file` (YAML)")
	out := fs.String("out", "results", "results root `dir`: the run writes <dir>/<run-id>/")
	target := fs.String("target", "", "base `URL` of a server already running: run the scenario against it as one variant (its CPU is then unmeasured)")
	variant := fs.String("variant", "", "with --target: the variant it serves ("+strings.Join(variants.Names(), ", ")+")")
	allowRemote := fs.Bool("allow-remote", false, "with --target: allow a non-loopback address")
	generator := fs.String("generator", "", "with --target: this generator's `name` among several driving the target at once (the scenario's generators: N; each sends 1/N of every rate); merge their runs with \"authbench report --merge\"")
	startAt := fs.String("start-at", "", "with --target: begin the first attack at this `time` (RFC 3339, after the logins), so generators on several hosts start their steps together")
	redisAddr := fs.String("redis-addr", redisprov.AddrFromEnv(), "Redis `host:port` for the stateful variants (default $REDIS_ADDR; empty: start one)")
	redisAddrs := fs.String("redis-addrs", os.Getenv(redisprov.EnvAddrs), "Redis Cluster nodes `host:port,...` for a scenario's store cluster (default $REDIS_ADDRS; empty: start a local 3-master cluster, stopped afterwards)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	// A scenario that is missing, unreadable or malformed is a command
	// line that cannot run: said before anything is started.
	sc, err := loadtest.LoadScenario(*scenario)
	var pathErr *os.PathError
	switch {
	case errors.As(err, &pathErr):
		return usageError{cmd: "loadtest", err: fmt.Errorf("--scenario %s: %w", *scenario, pathErr.Err)}
	case errors.Is(err, loadtest.ErrScenario):
		return usageError{cmd: "loadtest", err: err}
	case err != nil:
		return err
	}
	var clusterAddrs []string
	if *redisAddrs != "" {
		if clusterAddrs, err = redisprov.ParseAddrs(*redisAddrs); err != nil {
			return usageError{cmd: "loadtest", err: fmt.Errorf("--redis-addrs %q: %w", *redisAddrs, err)}
		}
	}
	cfg := loadtest.Config{
		Scenario:     sc,
		ScenarioFile: *scenario,
		Out:          *out,
		Redis:        redisprov.Options{Addr: *redisAddr},
		ClusterAddrs: clusterAddrs,
		Log:          stderr,
		Terminal:     isTerminal(stderr),
	}
	if *target != "" {
		if err := loadtest.CheckTarget(*target, *allowRemote); err != nil {
			return usageError{cmd: "loadtest", err: err}
		}
		if !slices.Contains(variants.Names(), *variant) {
			return usageError{cmd: "loadtest", err: fmt.Errorf("--target needs --variant, one of %s (got %q)", strings.Join(variants.Names(), ", "), *variant)}
		}
		if k := sc.Kind(); k != results.KindSteady {
			return usageError{cmd: "loadtest", err: fmt.Errorf("--target: %s is a %s scenario, which starts, cuts or replays against servers it runs itself; --target runs steady scenarios (quick, full) only", *scenario, k)}
		}
		cfg.Target, cfg.TargetVariant, cfg.Generator = *target, *variant, *generator
		if *startAt != "" {
			t, err := time.Parse(time.RFC3339Nano, *startAt)
			if err != nil {
				return usageError{cmd: "loadtest", err: fmt.Errorf("--start-at %q: want an RFC 3339 time such as 2026-12-01T12:00:00Z", *startAt)}
			}
			cfg.StartAt = t
		}
	} else {
		if *generator != "" || *startAt != "" {
			return usageError{cmd: "loadtest", err: errors.New("--generator and --start-at need --target (the server the generators share)")}
		}
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("loadtest: cannot find own binary to run the servers: %w", err)
		}
		cfg.Launcher, cfg.Mode = loadtest.ProcessLauncher{Exe: exe}, "process"
	}
	res, dir, err := loadtest.Run(ctx, cfg)
	if res != nil {
		loadtest.Summary(stdout, res)
		// The report renders from results.json alone, interrupted runs
		// included; a failure to render never hides the run's own error.
		if rerr := report.Write(dir); rerr != nil {
			fmt.Fprintf(stderr, "loadtest: report: %v\n", rerr)
			if err == nil {
				err = rerr
			}
		} else {
			fmt.Fprintf(stdout, "report: %s and %s\n", filepath.Join(dir, "report.md"), filepath.Join(dir, "report.html"))
		}
		fmt.Fprintf(stdout, "results: %s\n", dir)
	}
	return err
}

// isTerminal reports whether w is a terminal, for the progress line.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
