package loadtest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/PID/stat times; 100 on every
// Linux architecture Go supports (the kernel exports it as a constant).
const clockTicks = 100

// ErrProc: a /proc entry could not be read or parsed.
var ErrProc = errors.New("loadtest: reading /proc")

// CPUTime returns the user plus system CPU time process pid has used, from
// fields 14 and 15 of /proc/PID/stat (proc(5)). pid 0 means this process.
func CPUTime(pid int) (time.Duration, error) {
	path := "/proc/self/stat"
	if pid != 0 {
		path = "/proc/" + strconv.Itoa(pid) + "/stat"
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrProc, err)
	}
	return parseStat(b)
}

func parseStat(b []byte) (time.Duration, error) {
	// The command name, field 2, is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("%w: no command name in stat", ErrProc)
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state), so utime (14) is f[11], stime (15) f[12].
	if len(f) < 13 {
		return 0, fmt.Errorf("%w: short stat", ErrProc)
	}
	u, err1 := strconv.ParseUint(f[11], 10, 64)
	s, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("%w: bad utime/stime %q %q", ErrProc, f[11], f[12])
	}
	return time.Duration(u+s) * time.Second / clockTicks, nil
}

// ProcName returns /proc/PID/comm, or "?" when it cannot be read.
func ProcName(pid int) string {
	path := "/proc/self/comm"
	if pid != 0 {
		path = "/proc/" + strconv.Itoa(pid) + "/comm"
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}

// ProcCPU is the CPU one process used during a measurement.
type ProcCPU struct {
	// PID is the process id; 0 is the load tool itself.
	PID int
	// Name is its /proc comm, e.g. "lua5.4" for Prosody, "beam.smp" for ejabberd.
	Name string
	// Used is user plus system time during the measurement.
	Used time.Duration
	// Err is set when the process could not be read.
	Err error
}

// cpuMeter samples the CPU time of a set of processes.
type cpuMeter struct {
	pids   []int
	before []time.Duration
	errs   []error
}

func startCPU(pids []int) *cpuMeter {
	m := &cpuMeter{pids: pids, before: make([]time.Duration, len(pids)), errs: make([]error, len(pids))}
	for i, p := range pids {
		m.before[i], m.errs[i] = CPUTime(p)
	}
	return m
}

func (m *cpuMeter) stop() []ProcCPU {
	out := make([]ProcCPU, len(m.pids))
	for i, p := range m.pids {
		out[i] = ProcCPU{PID: p, Name: ProcName(p), Err: m.errs[i]}
		if m.errs[i] != nil {
			continue
		}
		after, err := CPUTime(p)
		if err != nil {
			out[i].Err = err
			continue
		}
		out[i].Used = after - m.before[i]
	}
	return out
}
