//go:build linux

package main

import (
	"fmt"
	"os"
	"syscall"
)

// dieWithParent asks the kernel to send SIGTERM when the parent exits (prctl PR_SET_PDEATHSIG).
func dieWithParent() {
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0); errno != 0 {
		fmt.Fprintln(os.Stderr, "ferretdb: prctl(PR_SET_PDEATHSIG):", errno)
	}
	if os.Getppid() == 1 {
		os.Exit(1) // the parent died before prctl took effect
	}
}
