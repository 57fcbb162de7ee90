package loadtest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/authbench/authbench/results"
	"golang.org/x/sys/unix"
)

// spinnersOf lists the pids of this process's children running the
// idle spinner's loop.
func spinnersOf(tb testing.TB) []int {
	tb.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		tb.Fatal(err)
	}
	var pids []int
	for _, e := range ents {
		var pid int
		if _, err := fmt.Sscan(e.Name(), &pid); err != nil {
			continue
		}
		cmd, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil || !strings.Contains(string(cmd), "while :; do :; done") {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(f) > 1 && f[1] == fmt.Sprint(os.Getpid()) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// runtimeNs is pid's time on a CPU so far (schedstat's first field).
func runtimeNs(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/schedstat", pid))
	if err != nil {
		return 0, err
	}
	var ns int64
	_, err = fmt.Sscan(string(b), &ns)
	return ns, err
}

// TestStartIdleSpinner: the loop runs on the CPU asked for only, at
// idle priority, keeps getting CPU time once started, and is gone once
// stopped; a second stop is harmless.
func TestStartIdleSpinner(t *testing.T) {
	cpus := allowedCPUs()
	if len(cpus) == 0 {
		t.Skip("no CPU affinity on this system")
	}
	cpu := cpus[len(cpus)-1]
	pid, stop, err := startIdleSpinner(cpu)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stop() })
	attr, err := unix.SchedGetAttr(pid, 0)
	if err != nil {
		t.Fatal(err)
	}
	if attr.Policy != unix.SCHED_IDLE {
		t.Errorf("policy %d, want SCHED_IDLE (%d)", attr.Policy, unix.SCHED_IDLE)
	}
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(pid, &set); err != nil {
		t.Fatal(err)
	}
	if set.Count() != 1 || !set.IsSet(cpu) {
		t.Errorf("affinity %d CPUs (CPU %d set: %v), want CPU %d alone", set.Count(), cpu, set.IsSet(cpu), cpu)
	}
	// It spins: its run time keeps growing (by 5 ms at least), which a
	// shell still blocked on its stdin would not do. Even on a busy
	// machine an idle-priority task gets a sliver of its CPU.
	ran0, err := runtimeNs(pid)
	if err != nil {
		t.Fatal(err)
	}
	ran := ran0
	for deadline := time.Now().Add(10 * time.Second); ran-ran0 < 5e6 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		if ran, err = runtimeNs(pid); err != nil {
			t.Fatal(err)
		}
	}
	if ran-ran0 < 5e6 {
		t.Errorf("the loop ran %v in 10 s, want it spinning", time.Duration(ran-ran0))
	}
	if err := stop(); err != nil {
		t.Fatalf("stop: %v, want nil (killed is how it ends)", err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("after stop, kill(%d, 0) = %v, want ESRCH: the loop outlived its stop", pid, err)
	}
	if err := stop(); err != nil {
		t.Errorf("second stop: %v, want the first's nil", err)
	}
}

// TestKeepAwake: with the server pinned, the runner keeps its CPU busy
// until stopped, round after round, and the method says so; unpinned
// or refused (a CPU that does not exist), it starts nothing and says
// why, noted once; a run with both says in how many rounds.
func TestKeepAwake(t *testing.T) {
	cpus := allowedCPUs()
	if len(cpus) == 0 {
		t.Skip("no CPU affinity on this system")
	}
	last := cpus[len(cpus)-1]
	pinned := results.Pinning{Applied: true, ServerCPUs: []int{last}}
	unpinned := results.Pinning{Note: "pinning off in the scenario"}
	refused := results.Pinning{Applied: true, ServerCPUs: []int{1023}}
	tests := []struct {
		name      string
		rounds    []results.Pinning
		spinners  []int // running during each round
		wantAwake string
		wantNotes int
	}{
		{"pinned", []results.Pinning{pinned, pinned}, []int{1, 1}, fmt.Sprintf("the server's CPU %d kept from halting by an idle-priority (SCHED_IDLE) busy loop while the quota applied", last), 0},
		{"not pinned", []results.Pinning{unpinned, unpinned}, []int{0, 0}, "not kept awake: the server is not pinned to CPUs of its own (pinning off in the scenario)", 1},
		{"refused", []results.Pinning{refused}, []int{0}, "not kept awake: pin a busy loop to CPU 1023", 1},
		{"kept, then refused", []results.Pinning{pinned, refused}, []int{1, 0}, " in 1 of 2 rounds; not kept awake in 1: pin a busy loop to CPU 1023", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &runner{res: &results.Results{}, log: io.Discard}
			for i, pin := range tt.rounds {
				r.pin = pin
				stop := r.keepAwake()
				t.Cleanup(stop)
				if got := len(spinnersOf(t)); got != tt.spinners[i] {
					t.Errorf("round %d: %d spinners running, want %d", i+1, got, tt.spinners[i])
				}
				stop()
				if got := spinnersOf(t); len(got) != 0 {
					t.Errorf("round %d: spinners %v still running after stop", i+1, got)
				}
			}
			if got := r.awakeMethod(); !strings.Contains(got, tt.wantAwake) {
				t.Errorf("method %q, want it to hold %q", got, tt.wantAwake)
			}
			if len(r.res.Notes) != tt.wantNotes {
				t.Errorf("notes %q, want %d", r.res.Notes, tt.wantNotes)
			}
		})
	}
}
