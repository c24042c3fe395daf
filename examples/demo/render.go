package main

import (
	"fmt"
	"strings"

	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// statusText names the XEP-0045 §15.6 status codes the demo meets.
var statusText = map[int]string{
	100: "non-anonymous",
	110: "that's you",
	201: "room created",
	210: "nick changed by the room",
	303: "nick change",
	307: "kicked",
	301: "banned",
	332: "service shutdown",
}

// render describes one stanza the way a chat client would show it.
func render(st stanza.Stanza) string {
	h := st.Head()
	nick := h.From.Resource()
	if e, ok := stanza.StanzaError(st); ok {
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
			if nick == "" {
				return fmt.Sprintf("subject: %q", subj)
			}
			return fmt.Sprintf("%s set the subject: %q", nick, subj)
		}
		body, _ := s.Body()
		delayed := ""
		if d, ok := stanza.FindDelay(s); ok {
			delayed = " (history, sent " + d.Stamp.Format("15:04") + ")"
		}
		if s.Type == stanza.MessageChat {
			return fmt.Sprintf("private from %s: %s", nick, body)
		}
		return fmt.Sprintf("<%s> %s%s", nick, body, delayed)
	case *stanza.IQ:
		return fmt.Sprintf("iq %s (id %s)", s.Type, s.ID)
	}
	return string(stanza.Encode(st))
}

func renderPresence(p *stanza.Presence, nick string) string {
	var x stanza.MUCUser
	found, _ := stanza.Find(p, "http://jabber.org/protocol/muc#user", "x", &x)
	var b strings.Builder
	if p.Type == stanza.PresenceUnavailable {
		fmt.Fprintf(&b, "%s left", nick)
		if found && len(x.Items) > 0 && x.Items[0].Nick != "" {
			fmt.Fprintf(&b, ", now known as %s", x.Items[0].Nick)
		}
	} else {
		fmt.Fprintf(&b, "%s is here", nick)
		if show := p.Show(); show != "" {
			fmt.Fprintf(&b, " (%s)", show)
		}
	}
	if st := p.Status(); st != "" {
		fmt.Fprintf(&b, " %q", st)
	}
	if found && len(x.Items) > 0 {
		it := x.Items[0]
		fmt.Fprintf(&b, " [%s/%s", it.Role, it.Affiliation)
		if it.JID != nil {
			fmt.Fprintf(&b, ", %s", it.JID)
		}
		b.WriteString("]")
		if it.Reason != "" {
			fmt.Fprintf(&b, " reason %q", it.Reason)
		}
	}
	if found {
		for _, s := range x.Statuses {
			fmt.Fprintf(&b, " {%d %s}", s.Code, statusText[s.Code])
		}
	}
	return b.String()
}

// event describes an event for the service operator.
func event(ev muc.Event) string {
	switch e := ev.(type) {
	case muc.RoomCreated:
		return fmt.Sprintf("room %s created by %s, locked %v", e.RoomJID, e.Owner, e.Locked)
	case muc.RoomUnlocked:
		return "room unlocked"
	case muc.RoomDestroyed:
		return "room destroyed"
	case muc.OccupantJoined:
		return fmt.Sprintf("%s joined as %s", e.JID, e.Nick)
	case muc.OccupantLeft:
		return fmt.Sprintf("%s left (status %d)", e.Nick, e.Status)
	case muc.NickChanged:
		return fmt.Sprintf("%s is now %s", e.Old, e.New)
	case muc.RoleChanged:
		return fmt.Sprintf("%s: role %s -> %s", e.Nick, e.From, e.To)
	case muc.SubjectChanged:
		return fmt.Sprintf("subject %q", e.Subject.Text)
	case muc.HistoryAppended:
		return fmt.Sprintf("history +1 (%s)", e.Entry.ID)
	case muc.ConfigChanged:
		return "configuration changed"
	}
	return fmt.Sprintf("%T", ev)
}
