// Command demo runs XEP-0289 Federated MUC in memory, with nothing
// installed and no network: two fmuc services on an fmuctest network,
// rabbithole@rooms.wonderland.lit (alice and the hatter) and
// elsinore@talk.denmark.lit (hamlet and ophelia), which federates with
// rabbithole when hamlet joins. It prints the conversation as each user
// sees it, and the bytes and stanzas that crossed the link between the
// two servers next to what plain MUC sends for the same conversation
// (the denmark.lit users joined to rabbithole directly), which it runs
// alongside. The clock and the ids are fixed, so the output is the same
// on every run.
//
//	go run ./examples/demo
package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"time"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// start is the demo's fixed clock.
var start = time.Date(2026, 3, 14, 16, 0, 0, 0, time.UTC)

const intro = `Federated MUC (XEP-0289), in memory. Two servers, one conversation:

  wonderland.lit: alice, hatter     rabbithole@rooms.wonderland.lit   the joined node
  denmark.lit:    hamlet, ophelia   elsinore@talk.denmark.lit         joins rabbithole (master-master)

Each user talks to a room of their own server; only the two rooms talk
across the server-to-server link. The same script runs at the same time
on plain MUC (XEP-0045 alone: hamlet and ophelia join rabbithole directly,
over the link); its users see exactly the same lines. After each step:
what crossed the link, federated and plain.
`

// run plays the script on both worlds and writes the federated
// conversation, step by step, and the traffic table to w.
func run(w io.Writer) error {
	fed, err := federated(start)
	if err != nil {
		return err
	}
	pl, err := plain(start)
	if err != nil {
		return err
	}
	fmt.Fprint(w, intro)
	for _, s := range script {
		f, err := fed.play(s)
		if err != nil {
			return fmt.Errorf("federated: %s: %w", s.title, err)
		}
		p, err := pl.play(s)
		if err != nil {
			return fmt.Errorf("plain: %s: %w", s.title, err)
		}
		fmt.Fprintf(w, "\n[%s] %s\n", fed.net.Now().Format("15:04"), s.title)
		for _, u := range users {
			for _, line := range f.views[u.name] {
				fmt.Fprintf(w, "  [%s sees] %s\n", u.name, line)
			}
			if !slices.Equal(f.views[u.name], p.views[u.name]) {
				fmt.Fprintf(w, "  [%s sees with plain MUC, differently] %q\n", u.name, p.views[u.name])
			}
		}
		for _, e := range f.events {
			fmt.Fprintf(w, "  (%s)\n", e)
		}
		fmt.Fprintf(w, "  link: federated %s; plain MUC %s\n", short(f.wire.total()), short(p.wire.total()))
	}
	table(w, fed.wire(), pl.wire())
	return nil
}
