//go:build unix && !linux

package loadtest

import "syscall"

// serverProcAttr puts a server in its own process group, so Ctrl-C
// reaches the runner only, which then stops the server itself after
// writing results. (There is no Pdeathsig here: a killed runner can
// leave its servers behind.)
func serverProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
