//go:build !linux

package loadtest

import (
	"errors"
	"fmt"
	"runtime"
)

// This file stands in for sys_linux.go on other systems (macOS, the
// BSDs, Windows): serve and report work there, and a load test runs,
// but without the figures only Linux's /proc and affinity calls give.

// unmeasured lists what this system cannot measure, for the runner to
// say at start and note in the results.
func unmeasured() []string {
	return []string{
		fmt.Sprintf("server CPU, peak RSS and system-call counters are read from /proc, which %s does not have: server cost figures are absent", runtime.GOOS),
		fmt.Sprintf("CPU pinning needs sched_setaffinity, which %s does not have: server, generator and Redis share every CPU", runtime.GOOS),
		fmt.Sprintf("a CPU quota for capacity probes needs Linux cgroups, which %s does not have: capacity is probed against the whole machine", runtime.GOOS),
	}
}

// errNoAffinity means this system has no CPU affinity call.
var errNoAffinity = errors.New("CPU affinity is not supported on " + runtime.GOOS)

// allowedCPUs would list the CPUs this process may run on; nil means
// unknown, and the runner pins nothing.
func allowedCPUs() []int { return nil }

// pinTasks cannot pin on this system.
func pinTasks(int, []int) error { return errNoAffinity }

// startIdleSpinner needs sched_setaffinity and SCHED_IDLE, which this
// system does not have.
func startIdleSpinner(int) (int, func() error, error) { return 0, nil, errNoAffinity }
