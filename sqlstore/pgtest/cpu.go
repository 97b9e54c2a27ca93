package pgtest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// CPU accounting for benchmarks on a shared machine: throughput depends on what else
// runs, the CPU time an operation costs much less. Linux (/proc) only; elsewhere the
// times are zero.

const clockTicks = 100 // USER_HZ

// ProcessCPU is the CPU time (user + system) a process has used, its reaped children
// included.
func ProcessCPU(pid int) time.Duration {
	_, cpu, _ := procStat(pid)
	return cpu
}

// CPU is the CPU time the server has used: the postmaster and its live backends and
// workers (finished backends are counted by the postmaster).
func (c *Cluster) CPU() time.Duration {
	pid := c.PID()
	total := ProcessCPU(pid)
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		child, err := strconv.Atoi(e.Name())
		if err != nil || child == pid {
			continue
		}
		if ppid, cpu, ok := procStat(child); ok && ppid == pid {
			total += cpu
		}
	}
	return total
}

func procStat(pid int) (ppid int, cpu time.Duration, ok bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, 0, false
	}
	// The command name (field 2) is in parentheses and may contain spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 > len(s) {
		return 0, 0, false
	}
	f := strings.Fields(s[i+2:])
	// f[0] is field 3 (state): ppid is field 4; utime, stime, cutime, cstime are
	// fields 14 to 17.
	if len(f) < 15 {
		return 0, 0, false
	}
	ppid, _ = strconv.Atoi(f[1])
	var ticks int64
	for _, j := range []int{11, 12, 13, 14} {
		n, _ := strconv.ParseInt(f[j], 10, 64)
		ticks += n
	}
	return ppid, time.Duration(ticks) * time.Second / clockTicks, true
}
