package muc

import (
	"time"
)

// Tick runs the room's timers: a room still locked after the service's
// LockTimeout is unlocked with its current configuration (XEP-0045
// §10.1.1: the owner "is assumed to have accepted the default
// configuration").
func (r *Room) Tick(now time.Time) Output {
	var out Output
	if r.destroyed {
		return out
	}
	if r.locked && !r.lockDeadline.IsZero() && !now.Before(r.lockDeadline) {
		r.locked = false
		r.lockDeadline = time.Time{}
		out.event(RoomUnlocked{RoomJID: r.jid})
	}
	r.expireIQs(now, &out)
	return out
}

// NextDeadline returns when Tick has work to do, or the zero time.
func (r *Room) NextDeadline() time.Time {
	var next time.Time
	if r.locked && !r.destroyed {
		next = r.lockDeadline
	}
	if d := r.iqDeadline(); !d.IsZero() && (next.IsZero() || d.Before(next)) {
		next = d
	}
	return next
}
