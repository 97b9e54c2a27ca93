package main

import (
	"syscall"
	"time"
)

// selfCPU is this process's CPU time (the load generator's, in benchmarks).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
