//go:build !linux

package main

import (
	"os"
	"time"
)

// dieWithParent polls the parent pid where the kernel has no parent-death signal (macOS, Windows):
// once the parent is gone the process is re-parented and its parent pid changes.
func dieWithParent() {
	parent := os.Getppid()
	go func() {
		for range time.Tick(time.Second) {
			if os.Getppid() != parent {
				os.Exit(1)
			}
		}
	}()
}
