//go:build unix

package loadtest

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// This file holds what the runner reads and sets of its own process on
// Unix: its CPU time, the kernel's release, its open-file limit.

// selfCPU is this process's user+sys CPU time.
func selfCPU() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// kernelRelease is uname's release ("6.8.0-45-generic"), "" if unknown.
func kernelRelease() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
}

// fileLimitWant is the open-file limit a run asks for: an open-loop
// attack on an overloaded server holds one connection per request in
// flight (up to rate × timeout), and the store proxy shares the
// generator's descriptors.
const fileLimitWant = 1 << 20

// raiseFileLimit lifts RLIMIT_NOFILE towards fileLimitWant, the hard
// limit included when the process may (root, CAP_SYS_RESOURCE), and
// bounded by fs.nr_open. The server processes inherit it. It returns
// the limit now in force and, when it changed it, a function restoring
// the limit found (nil when nothing changed).
func raiseFileLimit() (uint64, func() error, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, nil, err
	}
	found := lim
	restore := func() error { return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &found) }
	want := uint64(fileLimitWant)
	if b, err := os.ReadFile("/proc/sys/fs/nr_open"); err == nil {
		if n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err == nil && n < want {
			want = n
		}
	}
	if lim.Cur >= want {
		return lim.Cur, nil, nil
	}
	next := syscall.Rlimit{Cur: want, Max: max(lim.Max, want)}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &next); err != nil {
		// Not privileged: the soft limit up to the hard one is all
		// there is (Go already does that at start).
		next = syscall.Rlimit{Cur: lim.Max, Max: lim.Max}
		if lim.Cur < lim.Max {
			if err2 := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &next); err2 == nil {
				return next.Cur, restore, nil
			}
		}
		return lim.Cur, nil, err
	}
	return want, restore, nil
}
