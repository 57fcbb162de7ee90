// Package scenarios_test runs every trade-off scenario shipped in this
// folder in miniature (seconds, not minutes) through real "authbench
// serve" processes and a real Redis, and asserts the qualitative result
// the scenario exists to show. The figures of a miniature run mean
// nothing; the behaviour does.
package scenarios_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/authbench/authbench/loadtest"
	"github.com/authbench/authbench/redisprov"
	"github.com/authbench/authbench/redisprov/redistest"
	"github.com/authbench/authbench/results"
)

var build struct {
	once sync.Once
	bin  string
	err  error
	out  []byte
}

// binary builds authbench once for the package's tests.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("miniature scenario: builds authbench and runs real server processes for a few seconds")
	}
	build.once.Do(func() {
		dir, err := os.MkdirTemp("", "authbench-scenarios-")
		if err != nil {
			build.err = err
			return
		}
		build.bin = filepath.Join(dir, "authbench")
		build.out, build.err = exec.Command("go", "build", "-o", build.bin, "../cmd/authbench").CombinedOutput()
	})
	if build.err != nil {
		t.Fatalf("go build: %v\n%s", build.err, build.out)
	}
	return build.bin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if build.bin != "" {
		os.RemoveAll(filepath.Dir(build.bin))
	}
	os.Exit(code)
}

// miniature loads scenarios/<file>, lets shrink cut it down, runs it and
// returns the results. Pinning is off: tests share the machine.
func miniature(t *testing.T, file string, shrink func(*loadtest.Scenario)) *results.Results {
	t.Helper()
	bin := binary(t)
	sc, err := loadtest.LoadScenario(file)
	if err != nil {
		t.Fatal(err)
	}
	sc.Pin = "off"
	sc.Warmup = loadtest.Duration(300 * time.Millisecond)
	shrink(sc)
	client, prefix := redistest.Shared(t)
	var log bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, dir, err := loadtest.Run(ctx, loadtest.Config{
		Scenario: sc, ScenarioFile: file, Out: t.TempDir(),
		Launcher: loadtest.ProcessLauncher{Exe: bin}, Mode: "process",
		Redis: redisprov.Options{Addr: client.Options().Addr, Prefix: prefix},
		Log:   &log,
	})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, log.String())
	}
	if _, err := results.Load(filepath.Join(dir, "results.json")); err != nil {
		t.Fatalf("results.json: %v", err)
	}
	for _, v := range res.Variants {
		if v.Error != "" {
			t.Fatalf("%s: %s\n%s", v.Label(), v.Error, log.String())
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("run log:\n%s", log.String())
		}
	})
	return res
}

func variant(t *testing.T, res *results.Results, label string) results.VariantResult {
	t.Helper()
	for _, v := range res.Variants {
		if v.Label() == label {
			return v
		}
	}
	t.Fatalf("no results for %s", label)
	return results.VariantResult{}
}
