package perf

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Figure is one measured value of a Report.
type Figure struct {
	// Section groups figures in the printed table ("link bytes",
	// "state machine", "memory", "real servers").
	Section string
	// Name says what was measured, e.g. "groupchat, 100 remote occupants".
	Name string
	// Value is the figure with its unit, e.g. "519 B" or "1.02×".
	Value string
	// Conditions is how it was measured, e.g. "one link, 30-byte body".
	Conditions string
}

// Report is the figures of one run, in the order they were measured.
type Report struct {
	Figures []Figure
}

// Add appends a figure; value is formatted with fmt.Sprintf(format, args...).
func (r *Report) Add(section, name, conditions, format string, args ...any) {
	r.Figures = append(r.Figures, Figure{Section: section, Name: name, Value: fmt.Sprintf(format, args...), Conditions: conditions})
}

// Write prints the figures as an aligned text table, a heading per section.
func (r *Report) Write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	section := ""
	for _, f := range r.Figures {
		if f.Section != section {
			if section != "" {
				fmt.Fprintln(tw)
			}
			section = f.Section
			fmt.Fprintf(tw, "== %s\n", section)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Name, f.Value, f.Conditions)
	}
	return tw.Flush()
}

// WriteMarkdown prints the figures as one Markdown table per section, for
// the README's Performance section.
func (r *Report) WriteMarkdown(w io.Writer) error {
	section := ""
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	for _, f := range r.Figures {
		if f.Section != section {
			if section != "" {
				fmt.Fprintln(w)
			}
			section = f.Section
			fmt.Fprintf(w, "**%s**\n\n| figure | value | conditions |\n|---|---:|---|\n", section)
		}
		if _, err := fmt.Fprintf(w, "| %s | %s | %s |\n", cell(f.Name), cell(f.Value), cell(f.Conditions)); err != nil {
			return err
		}
	}
	return nil
}
