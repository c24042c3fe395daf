package main

import (
	"fmt"
	"strings"

	"github.com/xmppfmuc/fmuc/stanza"
)

// statusText names the XEP-0045 status codes a user is shown; the
// others are left out.
var statusText = map[stanza.StatusCode]string{
	stanza.StatusSelf:        "that's you",
	stanza.StatusCreated:     "room created",
	stanza.StatusNickChanged: "nick change",
	stanza.StatusKicked:      "kicked",
	stanza.StatusBanned:      "banned",
	stanza.StatusShutdown:    "service shutdown",
}

// render describes one stanza the way a chat client would show it: who
// said what, who came and went. Roles and real JIDs are left out (each
// node of a federation keeps its own affiliations).
func render(st stanza.Stanza) string {
	h := st.Head()
	nick := h.From.Resource()
	if e, ok := stanza.ErrorOf(st); ok {
		if e.Text != "" {
			return fmt.Sprintf("error from %s: %s (%s)", h.From, e.Condition, e.Text)
		}
		return fmt.Sprintf("error from %s: %s", h.From, e.Condition)
	}
	switch s := st.(type) {
	case *stanza.Presence:
		return renderPresence(s, nick)
	case *stanza.Message:
		if subj, ok := s.Subject(); ok {
			if subj == "" {
				return "(no subject yet)"
			}
			return fmt.Sprintf("%s set the subject: %q", nick, subj)
		}
		body, _ := s.Body()
		if s.Type == stanza.MessageChat {
			return fmt.Sprintf("%s, privately: %s", nick, body)
		}
		if d, ok := stanza.FindDelay(s); ok {
			return fmt.Sprintf("%s: %s (history, sent %s)", nick, body, d.Stamp.Format("15:04"))
		}
		return fmt.Sprintf("%s: %s", nick, body)
	case *stanza.IQ:
		return fmt.Sprintf("the room answers %s (id %s)", s.Type, s.ID)
	}
	return string(stanza.Encode(st))
}

func renderPresence(p *stanza.Presence, nick string) string {
	var b strings.Builder
	switch {
	case p.Type == stanza.PresenceUnavailable:
		fmt.Fprintf(&b, "%s left", nick)
	case p.Show() != "":
		fmt.Fprintf(&b, "%s is %s", nick, p.Show())
	default:
		fmt.Fprintf(&b, "%s is here", nick)
	}
	if st := p.Status(); st != "" {
		fmt.Fprintf(&b, " %q", st)
	}
	var x stanza.MUCUser
	if found, _ := stanza.Find(p, stanza.NSMUCUser, "x", &x); found {
		for _, s := range x.Statuses {
			if t, ok := statusText[s.Code]; ok {
				fmt.Fprintf(&b, " (%s)", t)
			}
		}
	}
	return b.String()
}
