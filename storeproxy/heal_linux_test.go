package storeproxy

import (
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// TestHealAfterAcceptFailure reproduces what an overloaded load step did
// to the proxy: the process ran out of file descriptors, toxiproxy's
// Accept failed with EMFILE, and its accept loop ended for good while the
// listener stayed open. Heal must notice and bring the proxy back on the
// same address. Not parallel: it lowers the process's file limit for a
// moment.
func TestHealAfterAcceptFailure(t *testing.T) {
	p, _, _ := startProxy(t)
	if healed, err := p.Heal(); healed || err != nil {
		t.Fatalf("Heal on a healthy proxy = %v, %v; want false, nil", healed, err)
	}

	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Skipf("getrlimit: %v", err)
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count open files: %v", err)
	}
	// A few descriptors of room, then dial until none is left: the
	// proxy, competing for the same descriptors to accept and to dial
	// upstream, meets EMFILE in Accept.
	low := lim
	low.Cur = uint64(len(fds) + 4)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Skipf("setrlimit: %v", err)
	}
	var conns []net.Conn
	var dialErr error
	for range 16 {
		c, err := net.DialTimeout("tcp", p.Addr(), time.Second)
		if err != nil {
			dialErr = err
			break
		}
		conns = append(conns, c)
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // let the accept loop hit the limit
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatalf("restore the file limit: %v", err)
	}
	for _, c := range conns {
		c.Close()
	}
	if err := ping(p.Addr(), 300*time.Millisecond); err == nil {
		t.Skipf("the accept loop survived the file limit (dial: %v); nothing to heal here", dialErr)
	}

	healed, err := p.Heal()
	if !healed || err != nil {
		t.Fatalf("Heal = %v, %v; want true, nil", healed, err)
	}
	if err := ping(p.Addr(), time.Second); err != nil {
		t.Fatalf("after Heal: %v", err)
	}
	if healed, err := p.Heal(); healed || err != nil {
		t.Errorf("second Heal = %v, %v; want false, nil", healed, err)
	}
	if err := p.Cut(); err != nil {
		t.Fatal(err)
	}
	if healed, err := p.Heal(); healed || err != nil {
		t.Errorf("Heal on a cut proxy = %v, %v; want false, nil (a cut is deliberate)", healed, err)
	}
}
