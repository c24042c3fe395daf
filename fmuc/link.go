package fmuc

import (
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// LinkState is the state of a room's link to one peer room.
type LinkState uint8

const (
	// LinkUnset is the state of a link never used.
	LinkUnset LinkState = iota
	// LinkJoining: this room sent its federation join upstream and waits
	// for the occupants, history and subject (XEP-0289 §4.1).
	LinkJoining
	// LinkFederated: the rooms exchange traffic.
	LinkFederated
	// LinkRejected: the peer refused the federation (XEP-0289 §4.1
	// <reject/>); a later first local user tries again.
	LinkRejected
	// LinkLeft: the federation ended in order (XEP-0289 §4.4 <left/>, the
	// peer room destroyed or shut down).
	LinkLeft
	// LinkLost: the peer cannot be reached (no answer to the federation
	// join or to a ping, a server's bounce, the component's own stream
	// down). What the room says meanwhile is kept for the resync.
	LinkLost
	// LinkResyncing: the joining room sent its rejoin and waits for the
	// answer.
	LinkResyncing
)

// String names the state.
func (s LinkState) String() string {
	switch s {
	case LinkJoining:
		return "joining"
	case LinkFederated:
		return "federated"
	case LinkRejected:
		return "rejected"
	case LinkLeft:
		return "left"
	case LinkLost:
		return "lost"
	case LinkResyncing:
		return "resyncing"
	}
	return "unset"
}

// Link is a snapshot of a room's link to a peer room.
type Link struct {
	// Peer is the bare JID of the room at the other end.
	Peer stanza.JID
	// Upstream is true for the link to the room this one joins (its
	// federation's parent); false for a room that joined this one.
	Upstream bool
	// State is the link's state; Since when it entered it.
	State LinkState
	Since time.Time
	// Mode is the mode of an upstream link.
	Mode Mode
	// Path are the rooms above Peer, nearest first, as Peer reported them
	// (upstream links only); the federation is a tree, so this room is
	// never among them.
	Path []stanza.JID
	// Sent and Received count the stanzas of shared traffic of the
	// current session (see the resync in the package documentation);
	// Logged are the latest sent ones kept for a resync, and Dropped
	// those the log's bounds (Options.LinkLog, LinkLogBytes) let go, oldest
	// first.
	Sent, Received uint64
	Logged         int
	Dropped        uint64
	// RateDropped counts the stanzas from the peer dropped for being over
	// its rate (Options.PeerInterval, PeerBurst).
	RateDropped uint64
}

// link is the mutable state behind a Link.
type link struct {
	Link
	// deadline ends LinkJoining and LinkResyncing (JoinTimeout).
	deadline time.Time
	// The session: its id (named by the joined room), whether it counts,
	// the counts, and the log of what was sent.
	session    string
	counting   bool
	sent, recv uint64
	log        []logged
	logBytes   int
	// failures counts the failed attempts since the last success; retry
	// is when the next rejoin goes out, grace when the users reached
	// through a lost link leave.
	failures     int
	retry, grace time.Time
	// heard is when the peer last sent anything; ping is the id of an
	// unanswered ping and pingBy its deadline.
	heard time.Time
	// full is when the peer's token bucket is full again (PeerInterval,
	// PeerBurst); limited: the last stanza from the peer was over it.
	full    time.Time
	limited bool
	// entered: the answer to the rejoin in progress has shown the
	// rejoining user back (an entry sequence).
	entered bool
	// late is the log of an upstream session that ended with the grace:
	// its groupchat messages go again at the next federation.
	late []logged
	// caught is when the room last knew it had everything the peer sent:
	// it federated (joined or resynchronised) or a groupchat message
	// arrived. Unlike heard, pings and their answers do not move it.
	caught time.Time
	ping   string
	pingBy time.Time
	// asked is when a joined room last asked the joining room of a lost
	// link to rejoin.
	asked time.Time
	// seen are the users the peer presented while the room rejoined it
	// without a resync (a new session): the others are gone.
	seen map[stanza.JID]bool
	// compact: the peer takes the compact envelope (see compact.go).
	compact bool
	// pending are presence updates waiting for Options.PresenceCoalesce,
	// in the order their users first waited.
	pending []coalesced
}

// allow spends one token of the peer's bucket and reports whether there
// was one: at most burst stanzas at once, one more every interval.
func (l *link) allow(now time.Time, interval time.Duration, burst int) bool {
	if interval < 0 {
		return true
	}
	if l.full.Before(now) {
		l.full = now
	}
	if l.full.Sub(now) > interval*time.Duration(burst-1) {
		return false
	}
	l.full = l.full.Add(interval)
	return true
}

// snapshot returns the public view of l.
func (l *link) snapshot() Link {
	v := l.Link
	v.Path = append([]stanza.JID(nil), l.Path...)
	v.Sent, v.Received, v.Logged = l.sent, l.recv, len(l.log)
	return v
}

// set moves l to state st and reports the change.
func (n *Node) set(out *Output, l *link, st LinkState, now time.Time, reason string) {
	if l.State == st {
		return
	}
	out.event(LinkChanged{RoomJID: n.room, Peer: l.Peer, Upstream: l.Upstream, From: l.State, To: st, Reason: reason})
	l.State, l.Since = st, now
	if st != LinkJoining && st != LinkResyncing {
		l.deadline = time.Time{}
	}
	if st == LinkFederated {
		l.failures, l.retry, l.grace = 0, time.Time{}, time.Time{}
		l.heard, l.caught, l.ping, l.asked = now, now, "", time.Time{}
	}
}
