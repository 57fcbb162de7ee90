package loadtest

import (
	"os"
	"testing"
	"time"
)

// TestProcCPUAgreesWithTicks checks the nanosecond schedstat sum against
// the kernel's tick accounting of the same process: both must see the CPU
// this test burns, within the ticks' rounding.
func TestProcCPUAgreesWithTicks(t *testing.T) {
	pid := os.Getpid()
	s0, err := schedCPU(pid)
	if err != nil {
		t.Skipf("no schedstat on this kernel: %v", err)
	}
	t0, err := statCPU(pid)
	if err != nil {
		t.Fatal(err)
	}
	// Burn 300 ms of CPU as the process's own rusage counts it, not 300 ms
	// of wall time: on a busy machine the loop may get a fraction of a
	// core. The wall-clock cap only stops a broken rusage from hanging.
	x := 0
	for r0, start := selfCPU(), time.Now(); selfCPU()-r0 < 300*time.Millisecond && time.Since(start) < time.Minute; {
		for range 100000 {
			x++
		}
	}
	_ = x
	s1, _ := schedCPU(pid)
	t1, _ := statCPU(pid)
	ds, dt := s1-s0, t1-t0
	if ds < 100*time.Millisecond {
		t.Fatalf("schedstat saw %v of CPU for a loop that burnt 300 ms by rusage", ds)
	}
	if diff := ds - dt; diff < -60*time.Millisecond || diff > 60*time.Millisecond {
		t.Errorf("schedstat %v and stat ticks %v disagree by more than the ticks' rounding", ds, dt)
	}
	if got, err := procCPU(pid); err != nil || got < s1 {
		t.Errorf("procCPU = %v, %v; want the schedstat figure (>= %v)", got, err, s1)
	}
}
