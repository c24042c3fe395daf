package fmuc

import (
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// coalesced is a presence waiting for Options.PresenceCoalesce.
type coalesced struct {
	user stanza.JID
	st   stanza.Stanza
	due  time.Time
}

// coalesce holds st, an available presence broadcast to l, when hold is
// set, replacing the one of the same user that waits, and reports true;
// for any other stanza about a user whose presence waits, it sends that
// presence first and reports false. Only broadcasts wait: a joining node's
// entry sequence goes out in its order.
func (n *Node) coalesce(now time.Time, out *Output, l *link, st stanza.Stanza, hold bool) bool {
	user := aboutUser(st)
	if user.IsZero() {
		return false
	}
	i := -1
	for k := range l.pending {
		if l.pending[k].user == user {
			i = k
			break
		}
	}
	if p, ok := st.(*stanza.Presence); ok && hold && p.Type == stanza.PresenceAvailable {
		if i >= 0 {
			l.pending[i].st = st
		} else {
			l.pending = append(l.pending, coalesced{user: user, st: st, due: now.Add(n.svc.opts.PresenceCoalesce)})
		}
		return true
	}
	if i >= 0 {
		w := l.pending[i]
		l.pending = append(l.pending[:i], l.pending[i+1:]...)
		n.emitNow(now, out, l, w.st)
	}
	return false
}

// flushCoalesced sends the presences of l that are due (all when every).
func (n *Node) flushCoalesced(now time.Time, out *Output, l *link, every bool) {
	kept := l.pending[:0]
	for _, w := range l.pending {
		if every || !now.Before(w.due) {
			n.emitNow(now, out, l, w.st)
			continue
		}
		kept = append(kept, w)
	}
	clear(l.pending[len(kept):])
	l.pending = kept
}

// aboutUser returns the fmuc 'from' of a stanza this room wrote for a
// peer; zero when there is none.
func aboutUser(st stanza.Stanza) stanza.JID {
	fm, ok, err := stanza.FindFMUC(st)
	if !ok || err != nil || fm.From == nil {
		return stanza.JID{}
	}
	return *fm.From
}
