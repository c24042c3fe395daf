// Command bench prints the performance report: every figure of the
// library measured in one run, each with the conditions it was measured
// under, after a header naming the machine.
//
//	go run ./examples/bench             # the text table
//	go run ./examples/bench -markdown   # Markdown, for the README
//	go run ./examples/bench -quick      # a smoke test: few runs, rough figures
//
// The figures are meant to come from a 2-core machine with nothing else
// running; the header says what the machine was.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/xmppfmuc/fmuc/internal/perf"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// config is the command line.
type config struct {
	markdown bool
	// servers is auto, on or off: whether the sections that need real
	// servers run (auto: when they are installed).
	servers string
	quick   bool
}

// options are the measurement options the config asks for.
func (c config) options() perf.Options {
	if c.quick {
		return perf.Options{Quick: true}
	}
	return perf.Options{Rooms: 100_000}
}

// section is one part of the report.
type section struct {
	// name is the section the figures are added under.
	name string
	run  func(ctx context.Context, r *perf.Report, c config) error
}

// sections are the parts of the report, in the order they are measured
// and printed.
var sections = []section{
	{"link bytes", func(_ context.Context, r *perf.Report, _ config) error { return perf.LinkBytes(r) }},
	{"state machine", func(_ context.Context, r *perf.Report, c config) error { return perf.Machine(r, c.options()) }},
	{"memory", func(_ context.Context, r *perf.Report, c config) error { return perf.Memory(r, c.options()) }},
	{serversSection, realServers},
}

// serversSection is the section measured on real servers, in processes of
// their own.
const serversSection = "real servers"

// realServers runs the sections on real Prosody servers, unless -servers
// is off; with auto, a machine without Prosody skips them and says so.
func realServers(ctx context.Context, r *perf.Report, c config) error {
	if c.servers == "off" {
		return nil
	}
	var opts perf.ServersOptions
	if c.quick {
		opts = perf.ServersOptions{Sizes: []int{3}, RemoteSizes: []int{3}, Senders: 2, Messages: 3, Rate: 50, ShapeStanzas: 300, ShapeReceivers: 3, ShapeRounds: 1}
	}
	err := perf.Servers(ctx, r, opts)
	if errors.Is(err, perf.ErrNoServers) && c.servers == "auto" {
		r.Add(serversSection, "not measured", err.Error(), "-")
		return nil
	}
	return err
}

// run parses args, measures every section and prints the report to out;
// progress goes to progress.
func run(ctx context.Context, args []string, out, progress io.Writer) error {
	var c config
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(progress)
	fs.BoolVar(&c.markdown, "markdown", false, "print Markdown tables (for the README) instead of text")
	fs.StringVar(&c.servers, "servers", "auto", "real-server measurements: `auto` (when installed), on or off")
	fs.BoolVar(&c.quick, "quick", false, "few runs per figure and no 100,000-room measurement: a smoke test")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch c.servers {
	case "auto", "on", "off":
	default:
		return fmt.Errorf("-servers is auto, on or off, not %q", c.servers)
	}
	start, load := time.Now(), loadAverage()
	var (
		r perf.Report
		// The CPU other processes used while this one measured itself
		// (the real-server sections run other processes on purpose).
		otherCPU, inProcess time.Duration
		known               = true
	)
	for _, s := range sections {
		if err := ctx.Err(); err != nil {
			return err
		}
		fmt.Fprintf(progress, "measuring %s...\n", s.name)
		t0, busy0, self0 := time.Now(), machineBusy(), selfCPU()
		if err := s.run(ctx, &r, c); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		if s.name == serversSection {
			continue
		}
		busy := machineBusy()
		known = known && busy >= 0 && busy0 >= 0
		otherCPU += busy - busy0 - (selfCPU() - self0)
		inProcess += time.Since(t0)
	}
	w := bufio.NewWriter(out)
	others := "unknown"
	if known && inProcess > 0 {
		others = fmt.Sprintf("%.2f cores", max(0, otherCPU.Seconds()/inProcess.Seconds()))
	}
	for _, l := range append(header(start, load), "CPU used by other processes during the in-process sections: "+others) {
		if c.markdown {
			fmt.Fprintf(w, "- %s\n", l)
		} else {
			fmt.Fprintln(w, l)
		}
	}
	fmt.Fprintln(w)
	write := r.Write
	if c.markdown {
		write = r.WriteMarkdown
	}
	if err := write(w); err != nil {
		return err
	}
	return w.Flush()
}

// header returns the lines that say when and on what the report was
// measured, and how busy the machine was when it started and ended.
func header(start time.Time, load string) []string {
	return []string{
		"date: " + start.UTC().Format(time.RFC3339),
		"go: " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
		"cpu: " + cpuModel(),
		fmt.Sprintf("GOMAXPROCS: %d, NumCPU: %d", runtime.GOMAXPROCS(0), runtime.NumCPU()),
		"load average (1, 5, 15 min) at start: " + load + ", at end: " + loadAverage(),
	}
}

// machineBusy returns the CPU time all processes of the machine have
// used (the busy fields of /proc/stat's cpu line), -1 when unknown.
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if err != nil || len(f) < 9 || f[0] != "cpu" {
		return -1
	}
	var ticks int64
	// user nice system idle iowait irq softirq steal: all but idle and iowait.
	for _, i := range []int{1, 2, 3, 6, 7, 8} {
		n, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return -1
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc/stat, on Linux.
const clockTicks = 100

// selfCPU returns the CPU time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAverage returns the three load averages of /proc/loadavg, or
// "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// cpuModel returns the first "model name" of /proc/cpuinfo, or "unknown".
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
