package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authbench/authbench/loadtest"
	"github.com/authbench/authbench/results"
)

// TestLoadtestSmoke builds authbench and runs scenarios/smoke.yaml end
// to end through real "authbench serve" processes and a real Redis: the
// check that keeps the whole path of "make loadtest" working in CI.
func TestLoadtestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("smoke load test: builds the binary and runs every variant for a few seconds")
	}
	if _, err := exec.LookPath("redis-server"); err != nil && os.Getenv("REDIS_ADDR") == "" {
		t.Skip("no redis-server on PATH (.ci/run installs it)")
	}
	bin := filepath.Join(t.TempDir(), "authbench")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out := t.TempDir()
	cmd := exec.Command(bin, "loadtest", "--scenario", "../../scenarios/smoke.yaml", "--out", out)
	cmd.Env = append(os.Environ(), "REDIS_ADDR=")
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("authbench loadtest: %v\n%s", err, b)
	}
	res, err := results.Load(filepath.Join(out, "latest", "results.json"))
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if len(res.Variants) != len(res.Scenario.Variants) || !res.Target.ServerCPUMeasured {
		t.Fatalf("variants %d, target %+v\n%s", len(res.Variants), res.Target, b)
	}
	for _, v := range res.Variants {
		if v.Error != "" || len(v.Steps) == 0 {
			t.Fatalf("%s: error %q, %d steps", v.Variant, v.Error, len(v.Steps))
		}
		st := v.Steps[0]
		if st.All.Requests == 0 || st.Server == nil || st.Server.CPUSeconds <= 0 || st.Redis == nil {
			t.Errorf("%s: requests %d server %+v redis %+v", v.Variant, st.All.Requests, st.Server, st.Redis)
			continue
		}
		// Redis itself counts the store round trips: none for the
		// stateless variants, at least one per request for the others.
		stateful := v.Variant == "session" || v.Variant == "jwt-blacklist"
		if got := st.Redis.CommandsPerRequest; (stateful && got < 1) || (!stateful && got != 0) {
			t.Errorf("%s: %.2f Redis commands per request", v.Variant, got)
		}
	}
	if !strings.Contains(string(b), "server µs/req") {
		t.Errorf("no summary table in output:\n%s", b)
	}
}

// TestLoadtestScenarioErrors: a scenario that is missing, unreadable or
// malformed is a usage error (exit 2, the hint naming loadtest) that names
// the file, and is found before anything starts: nothing is printed, so no
// Redis or server was provisioned.
func TestLoadtestScenarioErrors(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(tb testing.TB) string // returns the --scenario path
		want    string                     // substring of the error; %s is the path
		wantErr error                      // what the error must wrap, if anything
	}{
		{
			name: "unknown field",
			setup: func(tb testing.TB) string {
				return writeScenario(tb, "variants: [jwt]\nrte: 5\n", 0o644)
			},
			want: `%s:2: unknown field "rte"`, wantErr: loadtest.ErrScenario,
		},
		{
			name:  "missing",
			setup: func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "nope.yaml") },
			want:  "--scenario %s: no such file or directory", wantErr: fs.ErrNotExist,
		},
		{
			name:  "a directory",
			setup: func(tb testing.TB) string { return tb.TempDir() },
			want:  "--scenario %s: is a directory",
		},
		{
			name: "under a file",
			setup: func(tb testing.TB) string {
				return filepath.Join(writeScenario(tb, "variants: [jwt]\n", 0o644), "quick.yaml")
			},
			want: "--scenario %s: not a directory",
		},
		{
			name: "unreadable",
			setup: func(tb testing.TB) string {
				p := writeScenario(tb, "variants: [jwt]\n", 0o000)
				if f, err := os.Open(p); err == nil {
					f.Close()
					tb.Skip("permissions do not stop this user reading a mode-000 file (root)")
				}
				return p
			},
			want: "--scenario %s: permission denied", wantErr: fs.ErrPermission,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.setup(t)
			var stdout, stderr strings.Builder
			err := run(t.Context(), []string{"loadtest", "--scenario", p, "--out", t.TempDir()}, &stdout, &stderr)
			var u usageError
			if !errors.As(err, &u) || u.cmd != "loadtest" || exitCode(err) != 2 {
				t.Fatalf("err = %v (exit %d), want a loadtest usage error (exit 2)", err, exitCode(err))
			}
			if want := fmt.Sprintf(tt.want, p); !strings.Contains(err.Error(), want) {
				t.Errorf("err = %q, want it to contain %q", err, want)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want it to wrap %v", err, tt.wantErr)
			}
			if stdout.Len() > 0 || stderr.Len() > 0 {
				t.Errorf("printed before failing (something was started):\nstdout: %s\nstderr: %s", stdout.String(), stderr.String())
			}
		})
	}
}

// writeScenario writes data to a scenario file with mode perm.
func writeScenario(tb testing.TB, data string, perm os.FileMode) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "bad.yaml")
	if err := os.WriteFile(p, []byte(data), perm); err != nil {
		tb.Fatal(err)
	}
	return p
}

// TestLoadtestGeneratorFlags: --generator and --start-at belong to a
// --target run, and a bad time is named; both are usage errors found
// before anything starts.
func TestLoadtestGeneratorFlags(t *testing.T) {
	scen := filepath.Join("..", "..", "scenarios", "smoke.yaml")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"generator without target", []string{"--generator", "g1"}, "--generator and --start-at need --target"},
		{"start-at without target", []string{"--start-at", "2026-12-01T12:00:00Z"}, "--generator and --start-at need --target"},
		{"bad start-at", []string{"--target", "http://127.0.0.1:1", "--variant", "jwt", "--start-at", "noon"}, `--start-at "noon": want an RFC 3339 time`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			err := run(t.Context(), append([]string{"loadtest", "--scenario", scen, "--out", t.TempDir()}, tt.args...), &stdout, &stderr)
			var u usageError
			if !errors.As(err, &u) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want a usage error containing %q", err, tt.want)
			}
			if stdout.Len() > 0 || stderr.Len() > 0 {
				t.Errorf("printed before failing:\n%s%s", stdout.String(), stderr.String())
			}
		})
	}
}
