package loadtest

import (
	"syscall"
	"time"
)

// This file stands in for process_unix.go and the process attributes
// on Windows, so that the module builds there; a load test runs without
// raising the file limit (Windows has none of that kind) and its
// servers do not get a process group of their own.

// selfCPU is this process's user+kernel CPU time.
func selfCPU() time.Duration {
	h, err := syscall.GetCurrentProcess()
	if err != nil {
		return 0
	}
	var created, exited, kernel, user syscall.Filetime
	if err := syscall.GetProcessTimes(h, &created, &exited, &kernel, &user); err != nil {
		return 0
	}
	ft := func(f syscall.Filetime) time.Duration {
		return time.Duration((int64(f.HighDateTime)<<32 | int64(f.LowDateTime)) * 100)
	}
	return ft(kernel) + ft(user)
}

// kernelRelease is unknown here.
func kernelRelease() string { return "" }

// raiseFileLimit has nothing to raise on Windows.
func raiseFileLimit() (uint64, func() error, error) { return 0, nil, nil }

// serverProcAttr: no process group on Windows.
func serverProcAttr() *syscall.SysProcAttr { return nil }
