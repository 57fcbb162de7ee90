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
func spinnersOf(t *testing.T) []int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
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
// idle priority, gets CPU time, and is gone once stopped.
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
	stopped := false
	defer func() {
		if !stopped {
			_ = stop()
		}
	}()
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
	// It spins: even on a busy machine an idle-priority task gets a
	// sliver of its CPU, so its run time grows.
	var ran int64
	for deadline := time.Now().Add(10 * time.Second); ran == 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		if ran, err = runtimeNs(pid); err != nil {
			t.Fatal(err)
		}
	}
	if ran == 0 {
		t.Error("the loop got no CPU time in 10 s")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	stopped = true
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("after stop, kill(%d, 0) = %v, want ESRCH: the loop outlived its stop", pid, err)
	}
}

// TestKeepAwake: with the server pinned, the runner keeps its CPU busy
// until stopped and says so in the method; unpinned, it starts nothing
// and says why, once, in the notes.
func TestKeepAwake(t *testing.T) {
	cpus := allowedCPUs()
	if len(cpus) == 0 {
		t.Skip("no CPU affinity on this system")
	}
	last := cpus[len(cpus)-1]
	tests := []struct {
		name         string
		pin          results.Pinning
		wantSpinners int
		wantAwake    string
		wantNotes    int
	}{
		{"pinned", results.Pinning{Applied: true, ServerCPUs: []int{last}}, 1, fmt.Sprintf("the server's CPU %d kept from halting", last), 0},
		{"not pinned", results.Pinning{Note: "pinning off in the scenario"}, 0, "not kept awake: the server is not pinned to CPUs of its own (pinning off in the scenario)", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &runner{res: &results.Results{}, log: io.Discard, pin: tt.pin}
			for range 2 { // the second call must not note again
				stop := r.keepAwake()
				if got := len(spinnersOf(t)); got != tt.wantSpinners {
					t.Errorf("%d spinners running, want %d", got, tt.wantSpinners)
				}
				stop()
				if got := spinnersOf(t); len(got) != 0 {
					t.Errorf("spinners %v still running after stop", got)
				}
			}
			if !strings.HasPrefix(r.awake, tt.wantAwake) {
				t.Errorf("awake = %q, want it to start %q", r.awake, tt.wantAwake)
			}
			if len(r.res.Notes) != tt.wantNotes {
				t.Errorf("notes %q, want %d", r.res.Notes, tt.wantNotes)
			}
		})
	}
}
