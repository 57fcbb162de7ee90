//go:build linux

package redisprov

import (
	"errors"
	"syscall"
)

// sysProcAttr makes a redis-server never outlive the process that started
// it, and keeps it out of the terminal's signals.
//
// Pdeathsig: the kernel sends SIGKILL to redis-server when its parent
// dies, so a killed CLI or a test binary (which has no way to run code at
// exit without TestMain) leaves no server behind. The signal is tied to
// the OS thread that started the child; Go threads only exit when a
// goroutine dies while locked to one with runtime.LockOSThread, which
// this package never does.
//
// Setpgid: Ctrl-C in a terminal goes to the whole foreground process
// group; in its own group redis-server keeps running until the CLI has
// handled the interrupt (printed partial results, say) and exits.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}

// processGone reports whether no process with this PID exists.
func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
