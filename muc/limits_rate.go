package muc

import (
	"strconv"
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// Occupant rates (Limits.MessageInterval and MessageBurst,
// PresenceInterval and PresenceBurst). Each occupant has one bucket per
// kind, shared by its sessions, kept as the one time at which the bucket
// is full again (the generic cell rate algorithm, a token bucket
// without a token count): no timer, no goroutine, time only from the now
// of each call, so the same inputs give the same decisions.

// bucket is a token bucket of burst events refilled by one every
// interval: full is when it holds burst events again (zero: full).
type bucket struct{ full time.Time }

// take reports whether an event at now fits the bucket, and takes it.
// An interval of zero lets everything through.
func (b *bucket) take(now time.Time, interval time.Duration, burst int) bool {
	if interval <= 0 {
		return true
	}
	t := b.full
	if t.Before(now) {
		t = now
	}
	// The bucket holds burst events when full; it has room for one more
	// when it is full again within (burst-1) intervals.
	if t.Sub(now) > time.Duration(burst-1)*interval {
		return false
	}
	b.full = t.Add(interval)
	return true
}

// rateText says what a rate limit is, for the error refusing what is
// over it.
func rateText(what string, interval time.Duration, burst int) string {
	return what + " are limited to " + strconv.Itoa(burst) + " at once and one every " + interval.String() + " after that; try again later"
}

// messageAllowed charges one message of o to its message bucket and, when
// it is over the rate, refuses it with policy-violation type wait.
func (r *Room) messageAllowed(tx *request, o *Occupant) bool {
	lim := r.opts.Limits
	if o.messages.take(tx.now, lim.MessageInterval, lim.MessageBurst) {
		return true
	}
	r.failType(tx, stanza.ErrorWait, stanza.PolicyViolation, rateText("messages to this room", lim.MessageInterval, lim.MessageBurst))
	return false
}

// presenceAllowed charges one presence of o to its presence bucket and
// reports whether it is within the rate; what is over it is dropped by
// the caller, or refused with presenceRefused.
func (r *Room) presenceAllowed(tx *request, o *Occupant) bool {
	lim := r.opts.Limits
	return o.presences.take(tx.now, lim.PresenceInterval, lim.PresenceBurst)
}

// presenceRefused refuses a presence over the rate with policy-violation
// type wait.
func (r *Room) presenceRefused(tx *request) {
	lim := r.opts.Limits
	r.failType(tx, stanza.ErrorWait, stanza.PolicyViolation, rateText("presence changes in this room", lim.PresenceInterval, lim.PresenceBurst))
}
