//go:build !linux

package redisprov

import "syscall"

// sysProcAttr has no parent-death signal outside Linux: a redis-server
// started here outlives a process killed before Close.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// processGone is conservative outside Linux: without a portable way to
// ask, stale folders are never removed.
func processGone(int) bool { return false }
