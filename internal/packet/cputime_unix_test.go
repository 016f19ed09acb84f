//go:build unix

package packet

import (
	"syscall"
	"time"
)

// cpuTime is the process's user plus system time. Benchmarks report
// packets per CPU-second beside packets per wall-second because the test
// machine is shared and wall time there measures the neighbours.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
