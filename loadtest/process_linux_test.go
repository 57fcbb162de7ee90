package loadtest

import (
	"slices"
	"syscall"
	"testing"

	"github.com/authbench/authbench/redisprov"
	"github.com/authbench/authbench/redisprov/redistest"
	"github.com/authbench/authbench/results"
)

// TestRunLeavesProcessAsFound checks that Run, a library entry point,
// restores what it changes in the calling process for the run: the CPU
// affinity it pins the generator to and the open-file limit it raises.
func TestRunLeavesProcessAsFound(t *testing.T) {
	cpus := allowedCPUs()
	if len(cpus) < 2 {
		t.Skipf("%d CPU(s) allowed: Run pins nothing, so there is nothing to restore", len(cpus))
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	// Lower the soft limit first so that Run has something to raise.
	lowered := syscall.Rlimit{Cur: min(lim.Cur, 4096), Max: lim.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lowered); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim) })
	tests := []struct {
		name string
		pin  string
	}{
		{name: "pinned", pin: "auto"},
		{name: "not pinned", pin: "off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := testScenario(t, `
variants: [none]
users: 5
duration: 300ms
rates: [50]
pin: `+tt.pin+`
backend: {bcrypt_cost: 4}
`)
			// Mode "process" makes Run pin the generator even though the
			// servers run in-process (they have no PID to pin).
			res := runMode(t, sc, "process")
			if tt.pin == "auto" && !res.Pinning.Applied {
				t.Fatalf("pinning not applied: %s", res.Pinning.Note)
			}
			if got := allowedCPUs(); !slices.Equal(got, cpus) {
				t.Errorf("after Run allowed CPUs = %v, want %v as found", got, cpus)
			}
			var got syscall.Rlimit
			if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &got); err != nil {
				t.Fatal(err)
			}
			if got != lowered {
				t.Errorf("after Run file limit = %+v, want %+v as found", got, lowered)
			}
		})
	}
}

// runMode is runInProcess with the target mode named.
func runMode(tb testing.TB, sc *Scenario, mode string) *results.Results {
	tb.Helper()
	rd := redistest.Private(tb)
	res, _, err := Run(tb.Context(), Config{Scenario: sc, Out: tb.TempDir(), Launcher: inProcessLauncher{tb}, Mode: mode,
		Redis: redisprov.Options{Addr: rd.Addr, Prefix: rd.Prefix}})
	if err != nil {
		tb.Fatalf("Run: %v", err)
	}
	return res
}
