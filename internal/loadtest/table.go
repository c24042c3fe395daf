package loadtest

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"
)

// WriteTable prints results side by side, one column per room.
func WriteTable(w io.Writer, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	row := func(name string, f func(r Result) string) {
		fmt.Fprint(tw, name, "\t")
		for _, r := range results {
			fmt.Fprint(tw, f(r), "\t")
		}
		fmt.Fprintln(tw)
	}
	itoa := strconv.Itoa
	ms := func(d time.Duration) string {
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + " ms"
	}
	row("room", func(r Result) string { return r.Room.String() })
	row("clients N / senders S / msgs M", func(r Result) string { return fmt.Sprintf("%d / %d / %d", r.Clients, r.Senders, r.Messages) })
	row("login time", func(r Result) string { return r.ConnectTime.Round(time.Millisecond).String() })
	row("join time", func(r Result) string { return r.JoinTime.Round(time.Millisecond).String() })
	row("sent", func(r Result) string { return itoa(r.Sent) })
	row("send duration", func(r Result) string { return r.SendDuration.Round(time.Millisecond).String() })
	row("expected deliveries", func(r Result) string { return itoa(r.Expected) })
	row("delivered", func(r Result) string { return itoa(r.Delivered) })
	row("lost", func(r Result) string { return itoa(r.Lost) })
	row("duplicates", func(r Result) string { return itoa(r.Duplicates) })
	row("stray / error msgs", func(r Result) string { return itoa(r.Stray) + " / " + itoa(r.Errors) })
	row("first send to last delivery", func(r Result) string { return r.Duration.Round(time.Millisecond).String() })
	row("deliveries/s", func(r Result) string { return strconv.FormatFloat(r.Throughput, 'f', 0, 64) })
	row("latency p50", func(r Result) string { return ms(r.P50) })
	row("latency p90", func(r Result) string { return ms(r.P90) })
	row("latency p99", func(r Result) string { return ms(r.P99) })
	row("latency max", func(r Result) string { return ms(r.Max) })
	if len(results) > 0 {
		for i, p := range results[0].CPU {
			name := fmt.Sprintf("cpu pid %d (%s)", p.PID, p.Name)
			if p.PID == 0 {
				name = "cpu loadtest itself"
			}
			row(name, func(r Result) string {
				if i >= len(r.CPU) {
					return "-"
				}
				c := r.CPU[i]
				if c.Err != nil {
					return "n/a"
				}
				pct := 0.0
				if r.Duration > 0 {
					pct = 100 * c.Used.Seconds() / r.Duration.Seconds()
				}
				return fmt.Sprintf("%.2f s (%.0f%%)", c.Used.Seconds(), pct)
			})
		}
	}
	return tw.Flush()
}
