package main

import (
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
	if len(res.Variants) != len(loadtest.Variants) || !res.Target.ServerCPUMeasured {
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

func TestLoadtestBadScenario(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(p, []byte("variants: [jwt]\nrte: 5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	err := run(t.Context(), []string{"loadtest", "--scenario", p}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), p+`:2: unknown field "rte"`) || exitCode(err) != 2 {
		t.Errorf("err = %v (exit %d), want %s:2: unknown field \"rte\" as a usage error", err, exitCode(err), p)
	}
}
