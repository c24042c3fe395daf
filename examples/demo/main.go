// Command demo runs a chat room in memory, with nothing installed and no
// network: alice, bob and carol use a room of a muc.Service, and the demo
// prints what each of them sees. The clock and the ids are fixed, so the
// output is the same on every run.
//
//	go run ./examples/demo
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// run plays the script and writes the conversation to w.
func run(w io.Writer) error {
	d, err := newDemo(w)
	if err != nil {
		return err
	}
	for _, step := range script {
		if err := d.step(step); err != nil {
			return fmt.Errorf("%s: %w", step.title, err)
		}
	}
	return nil
}
