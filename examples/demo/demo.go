package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

const (
	service = "rooms.wonderland.lit"
	room    = "tea@" + service
)

// users are the demo's people and their real JIDs, in print order.
var users = []struct{ name, jid string }{
	{"alice", "alice@wonderland.lit/home"},
	{"bob", "bob@wonderland.lit/phone"},
	{"carol", "carol@wonderland.lit/laptop"},
}

// demo holds the service and the fixed clock.
type demo struct {
	w   io.Writer
	svc *muc.Service
	now time.Time
	ids int
}

func newDemo(w io.Writer) (*demo, error) {
	d := &demo{w: w, now: time.Date(2026, 3, 14, 16, 0, 0, 0, time.UTC)}
	svc, err := muc.NewService(muc.ServiceOptions{
		Domain: stanza.MustParse(service),
		NewID:  func() string { d.ids++; return "room-" + strconv.Itoa(d.ids) },
	})
	if err != nil {
		return nil, err
	}
	d.svc = svc
	return d, nil
}

func realJID(user string) string {
	for _, u := range users {
		if u.name == user {
			return u.jid
		}
	}
	return ""
}

// step feeds one stanza and prints what each user receives.
func (d *demo) step(s step) error {
	d.now = d.now.Add(time.Minute)
	raw := strings.ReplaceAll(s.xml, "{room}", room)
	in, err := stanza.Decode([]byte(raw))
	if err != nil {
		return err
	}
	in.Head().From = stanza.MustParse(realJID(s.user))
	out, err := d.svc.Handle(d.now, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.w, "\n[%s] %s\n", d.now.Format("15:04"), s.title)
	for _, u := range users {
		to := stanza.MustParse(u.jid)
		var lines []string
		for _, st := range out.Stanzas {
			if st.Head().To == to {
				lines = append(lines, render(st))
			}
		}
		if len(lines) == 0 {
			continue
		}
		fmt.Fprintf(d.w, "  %s sees:\n", u.name)
		for _, l := range lines {
			fmt.Fprintf(d.w, "    %s\n", l)
		}
	}
	for _, ev := range out.Events {
		fmt.Fprintf(d.w, "  (event: %s)\n", event(ev))
	}
	return nil
}
