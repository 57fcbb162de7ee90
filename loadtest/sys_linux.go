//go:build linux

package loadtest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// This file holds what only Linux offers the runner: CPU affinity, and
// a child that dies with its parent. Other systems get sys_other.go.

// unmeasured lists what this system cannot measure; Linux measures all.
func unmeasured() []string { return nil }

// serverProcAttr puts a server in its own process group, so Ctrl-C
// reaches the runner only, which then stops the server itself after
// writing results; Pdeathsig makes a killed runner leave no server
// behind.
func serverProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// allowedCPUs lists the CPUs this process may run on.
func allowedCPUs() []int {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil
	}
	var cpus []int
	for i := 0; i < 1024; i++ {
		if set.IsSet(i) {
			cpus = append(cpus, i)
		}
	}
	return cpus
}

// pinTasks holds every thread of process pid (0: this process) to cpus.
// Threads created later inherit the mask of the thread creating them.
func pinTasks(pid int, cpus []int) error {
	var set unix.CPUSet
	for _, c := range cpus {
		set.Set(c)
	}
	dir := "/proc/self/task"
	if pid != 0 {
		dir = fmt.Sprintf("/proc/%d/task", pid)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		tid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if err := unix.SchedSetaffinity(tid, &set); err != nil && err != unix.ESRCH {
			return fmt.Errorf("pin thread %d to CPUs %v: %w", tid, cpus, err)
		}
	}
	return nil
}

// startIdleSpinner starts a busy loop held to cpu at idle priority
// (SCHED_IDLE: it runs only when nothing else on cpu can) and returns
// its pid and what stops it (once; later calls return the first's
// result). The loop is /bin/sh's, so no binary of ours is needed; it
// waits on its stdin until its affinity and policy are set, so it never
// spins at normal priority or on another CPU.
func startIdleSpinner(cpu int) (pid int, stop func() error, err error) {
	cmd := exec.Command("/bin/sh", "-c", "read -r go; while :; do :; done")
	cmd.SysProcAttr = serverProcAttr()
	in, err := cmd.StdinPipe()
	if err != nil {
		return 0, nil, err
	}
	if err := cmd.Start(); err != nil {
		return 0, nil, fmt.Errorf("start a busy loop: %w", err)
	}
	var once sync.Once
	var waitErr error
	kill := func() error {
		once.Do(func() {
			_ = cmd.Process.Kill()
			err := cmd.Wait()
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
					err = nil // how it is meant to end
				}
			}
			waitErr = err
		})
		return waitErr
	}
	var set unix.CPUSet
	set.Set(cpu)
	pid = cmd.Process.Pid
	if err := unix.SchedSetaffinity(pid, &set); err != nil {
		_ = kill()
		return 0, nil, fmt.Errorf("pin a busy loop to CPU %d: %w", cpu, err)
	}
	if err := unix.SchedSetAttr(pid, &unix.SchedAttr{Policy: unix.SCHED_IDLE}, 0); err != nil {
		_ = kill()
		return 0, nil, fmt.Errorf("give a busy loop idle priority (SCHED_IDLE): %w", err)
	}
	if _, err := io.WriteString(in, "go\n"); err != nil {
		_ = kill()
		return 0, nil, fmt.Errorf("start a busy loop: %w", err)
	}
	_ = in.Close()
	return pid, kill, nil
}
