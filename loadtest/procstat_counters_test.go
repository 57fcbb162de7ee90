package loadtest

import (
	"os"
	"testing"
)

func TestProcCountersSelf(t *testing.T) {
	a, err := procCounters(os.Getpid())
	if err != nil {
		t.Skipf("/proc/<pid>/io unreadable here: %v", err)
	}
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	for range 20 {
		if _, err := f.ReadAt(buf, 0); err != nil && err.Error() != "EOF" {
			break
		}
	}
	f.Close()
	b, err := procCounters(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	d := b.Minus(a)
	if d.ReadSyscalls < 20 || d.BytesRead == 0 || b.ThreadsObserved < 1 {
		t.Errorf("after 20 reads: delta %+v, threads %d", d, b.ThreadsObserved)
	}
	if z := a.Minus(b); z.ReadSyscalls != 0 {
		t.Errorf("a counter going down must count 0, got %+v", z)
	}
}
