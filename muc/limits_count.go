package muc

import (
	"strconv"

	"github.com/xmppfmuc/fmuc/stanza"
)

// Counts behind Limits.MaxRooms, MaxRoomsPerCreator, MaxUserRooms and
// MaxUserSessions. They are kept up to date on every entry, exit and
// destruction, so that checking one costs a map lookup, never a scan of
// the rooms or occupants.

// tally holds the counts a Service keeps across its rooms; every room of
// the service shares it through Options.
type tally struct {
	rooms   int                // rooms counted (Room.counted)
	created map[stanza.JID]int // creator's bare JID -> its rooms that exist
	in      map[stanza.JID]int // bare JID -> rooms it has a session in
}

func newTally() *tally {
	return &tally{created: map[stanza.JID]int{}, in: map[stanza.JID]int{}}
}

// count adds r, created by creator (zero when restored), to the service's
// counts.
func (t *tally) count(r *Room, creator stanza.JID) {
	if r.counted {
		return
	}
	r.counted, r.creator = true, creator
	t.rooms++
	if !creator.IsZero() {
		t.created[creator]++
	}
}

// uncount removes r and its sessions from the service's counts: the room
// is destroyed or forgotten.
func (r *Room) uncount() {
	r.partAll()
	t := r.opts.tally
	if t == nil || !r.counted {
		return
	}
	r.counted = false
	t.rooms--
	if c := r.creator; !c.IsZero() {
		if t.created[c]--; t.created[c] <= 0 {
			delete(t.created, c)
		}
	}
}

// joined counts session j entering the room.
func (r *Room) joined(j stanza.JID) {
	b := j.Bare()
	if r.perUser == nil {
		r.perUser = map[stanza.JID]int{}
	}
	r.perUser[b]++
	if t := r.opts.tally; t != nil && r.perUser[b] == 1 {
		t.in[b]++
	}
}

// parted counts session j leaving the room.
func (r *Room) parted(j stanza.JID) {
	b := j.Bare()
	n, ok := r.perUser[b]
	if !ok {
		return
	}
	if n > 1 {
		r.perUser[b] = n - 1
		return
	}
	delete(r.perUser, b)
	r.left(b)
}

// partAll counts every session leaving the room at once (destruction,
// shutdown).
func (r *Room) partAll() {
	for b := range r.perUser {
		r.left(b)
	}
	clear(r.perUser)
}

// left counts bare JID b's last session leaving the room.
func (r *Room) left(b stanza.JID) {
	if t := r.opts.tally; t != nil {
		if t.in[b]--; t.in[b] <= 0 {
			delete(t.in, b)
		}
	}
}

// refuseSession returns the error type, condition and text refusing one
// more session of real JID j in the room (Limits.MaxUserSessions, and
// Limits.MaxUserRooms when j's bare JID is not in the room yet), or a
// zero condition.
func (r *Room) refuseSession(j stanza.JID) (stanza.ErrorType, stanza.Condition, string) {
	lim := r.opts.Limits
	b := j.Bare()
	n := r.perUser[b]
	if n >= lim.MaxUserSessions {
		return stanza.ErrorCancel, stanza.PolicyViolation, "a user may be in this room with at most " + strconv.Itoa(lim.MaxUserSessions) + " sessions"
	}
	if t := r.opts.tally; t != nil && n == 0 && t.in[b] >= lim.MaxUserRooms {
		return stanza.ErrorWait, stanza.ResourceConstraint, "a user may be in at most " + strconv.Itoa(lim.MaxUserRooms) + " rooms of this service at once"
	}
	return "", "", ""
}
