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
// and next to nothing from the server, the generator or Redis. An A/B
// of the default run (README, Known limits) moved neither its
// closed-loop throughput nor any interval's width, and the capacity of
// one variant in four (session, 1.21x over 4 pairs), so it is off
// unless a scenario asks.

// keepAwake starts one idle-priority busy loop on each of the server's
// pinned CPUs and returns what stops them. Each call is one quota
// window (a variant's round); the runner counts the windows kept awake
// and the ones that were not, with the first reason (no pinning, or the
// system refused), for the capacity method of the results (awakeMethod).
// A window that could not be kept awake runs with the CPU halting, as
// without the setting.
func (r *runner) keepAwake() (stop func()) {
	if !r.pin.Applied || len(r.pin.ServerCPUs) == 0 {
		r.awakeMissed("the server is not pinned to CPUs of its own (" + r.pin.Note + ")")
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
			r.awakeMissed(err.Error())
			return func() {}
		}
		stops = append(stops, s)
	}
	r.awake.kept++
	return stopAll
}

// awakeState counts the quota windows whose server CPUs were kept
// awake and the ones that were not, with the first reason.
type awakeState struct {
	kept, missed int
	why          string
}

// awakeMissed counts a window that could not be kept awake; the first
// such is noted, since the run's capacity then measures a halting CPU.
func (r *runner) awakeMissed(why string) {
	r.awake.missed++
	if r.awake.why == "" {
		r.awake.why = why
		r.note("capacity: the server's CPU not kept awake under the quota (" + why + "); a throttled CPU that halts can make each request dearer on a VM")
	}
}

// awakeMethod says how the server's CPUs were kept awake over the run,
// for results.CapacityMethod.KeepAwake ("" when never asked).
func (r *runner) awakeMethod() string {
	a := r.awake
	cpus := make([]string, len(r.pin.ServerCPUs))
	for i, c := range r.pin.ServerCPUs {
		cpus[i] = fmt.Sprint(c)
	}
	kept := "the server's CPU " + strings.Join(cpus, ", ") + " kept from halting by an idle-priority (SCHED_IDLE) busy loop while the quota applied"
	switch {
	case a.kept > 0 && a.missed == 0:
		return kept
	case a.kept == 0 && a.missed > 0:
		return "not kept awake: " + a.why
	case a.kept > 0:
		return fmt.Sprintf("%s in %d of %d rounds; not kept awake in %d: %s", kept, a.kept, a.kept+a.missed, a.missed, a.why)
	}
	return ""
}
