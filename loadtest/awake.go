package loadtest

import (
	"fmt"
	"strings"
)

// A server held to a CPU quota is throttled for most of every period
// (a quarter core: 3 ms of every 4), and with nothing else to run its
// CPU halts. On a virtual machine a halted vCPU goes back to the host,
// and on the one measured that made every request dearer
// (results/example/awake/by-hand.txt, 2-core KVM guest, jwt under a
// quarter-core quota, halting and kept busy alternating): wrk's closed
// loop of 32 connections cost the server 46 µs per request with the CPU
// halting against 35 with it kept busy (45 against 41 in a later set),
// and open loop at 4000 req/s 58 against 49 µs, its p99 over 25 ms in
// 5 of 6 trials against 3 of 6. Polling in the idle loop instead of
// halting (cpuidle's halt state disabled) did not help. The quota is
// meant to be a slower core, not a core that sleeps, so with
// curve.capacity.keep_awake the runner keeps the server's CPUs busy
// while the quota applies, with a loop at idle priority (SCHED_IDLE: a
// weight of 3 against a normal task's 1024, and preempted by any normal
// task that wakes), which takes the time the throttled server leaves
// and next to nothing from the server, the generator or Redis. An A/B of the default run (README, Known limits)
// showed no difference in its capacity, its closed-loop throughput or
// their intervals, so it is off unless a scenario asks.

// keepAwake starts one idle-priority busy loop on each of the server's
// pinned CPUs and returns what stops them. It says once per run how the
// CPUs were kept awake, or why they were not (no pinning, or the system
// refused), in the capacity method of the results; the search then runs
// with the CPU halting, as before.
func (r *runner) keepAwake() (stop func()) {
	if !r.pin.Applied || len(r.pin.ServerCPUs) == 0 {
		r.awakeOnce("not kept awake: the server is not pinned to CPUs of its own (" + r.pin.Note + ")")
		return func() {}
	}
	var stops []func() error
	stopAll := func() {
		for _, s := range stops {
			if err := s(); err != nil {
				r.note("keep-awake loop: " + err.Error())
			}
		}
	}
	for _, cpu := range r.pin.ServerCPUs {
		_, s, err := startIdleSpinner(cpu)
		if err != nil {
			stopAll()
			r.awakeOnce(fmt.Sprintf("not kept awake: %v", err))
			return func() {}
		}
		stops = append(stops, s)
	}
	cpus := make([]string, len(r.pin.ServerCPUs))
	for i, c := range r.pin.ServerCPUs {
		cpus[i] = fmt.Sprint(c)
	}
	r.awakeOnce("the server's CPU " + strings.Join(cpus, ", ") + " kept from halting by an idle-priority (SCHED_IDLE) busy loop while the quota applied")
	return stopAll
}

// awakeOnce records the first description of how the server's CPUs
// were kept awake; a failure is also noted.
func (r *runner) awakeOnce(s string) {
	if r.awake != "" {
		return
	}
	r.awake = s
	if strings.HasPrefix(s, "not ") {
		r.note("capacity: the server's CPU " + s + "; a throttled CPU that halts makes each request dearer on a VM")
	}
}
