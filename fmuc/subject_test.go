package fmuc_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/fmuc"
	"github.com/xmppfmuc/fmuc/fmuc/fmuctest"
	"github.com/xmppfmuc/fmuc/stanza"
)

// subjects returns the subject texts rabbithole and elsinore show.
func subjects(w *world) (r, e string) {
	w.t.Helper()
	rr, ok := w.svcs[wonderland].MUC().Room(stanza.MustParse(rabbithole))
	require.True(w.t, ok)
	er, ok := w.svcs[denmark].MUC().Room(stanza.MustParse(elsinore))
	require.True(w.t, ok)
	return rr.Subject().Text, er.Subject().Text
}

// setSubject sends a subject change of user to room.
func (w *world) setSubject(user, room, text string) {
	w.t.Helper()
	w.send(`<message from='` + user + `' to='` + room + `' id='subj' type='groupchat'><subject>` + text + `</subject></message>`)
}

// TestSubjectConcurrentChange: alice and hamlet change the subject at the
// same moment over a link with a one-second delay; both rooms must end
// with the same subject, the later one (found by TestFederationProperty
// with FMUC_PROPERTY_SUBJECTS: each room used to adopt the other's, so
// they swapped).
func TestSubjectConcurrentChange(t *testing.T) {
	w := newWorld(t)
	federated(w, fmuc.MasterMaster)
	require.NoError(t, w.net.Shape(wonderland, denmark, fmuctest.LinkShape{Delay: time.Second}))
	w.setSubject(alice, rabbithole, "Tea")
	w.setSubject(hamlet, elsinore, "Skulls")
	require.NoError(t, w.net.Advance(time.Minute))
	r, e := subjects(w)
	assert.Equal(t, r, e, "rabbithole shows %q, elsinore %q", r, e)
}

// TestSubjectMasterSlave: in master-slave, hamlet (on the slave) changes
// the subject; the master adopts it, and so must the slave, and hamlet
// sees his change (found by TestFederationProperty with
// FMUC_PROPERTY_SUBJECTS: the slave used to hold the change for a master
// that never echoed it).
func TestSubjectMasterSlave(t *testing.T) {
	w := newWorld(t)
	federated(w, fmuc.MasterSlave)
	w.setSubject(hamlet, elsinore, "Skulls")
	require.NoError(t, w.net.Advance(time.Minute))
	r, e := subjects(w)
	assert.Equal(t, "Skulls", r)
	assert.Equal(t, "Skulls", e)
	assert.NotEmpty(t, w.got(hamlet), "hamlet sees his change")
}

// TestSubjectWhileLinkLost: elsinore lost its link (a bounce, then its
// first rejoin bounced too) and alice changes the subject before elsinore
// rejoins again; her change is a change, not
// the end of a new federation's entry sequence, so elsinore keeps listing
// rabbithole's users, and both rooms end with her subject (found by
// TestFederationProperty with FMUC_PROPERTY_SUBJECTS: elsinore took it for
// a new session and dropped everyone the "answer" had not presented).
func TestSubjectWhileLinkLost(t *testing.T) {
	w := newWorld(t)
	w.net.Bounce = true
	federated(w, fmuc.MasterMaster)
	w.net.Partition(denmark, wonderland)
	w.say(hamlet, elsinore, "h", "anyone?")
	links := w.svcs[denmark].Links(stanza.MustParse(elsinore))
	require.Len(t, links, 1)
	require.Equal(t, fmuc.LinkLost, links[0].State)
	// The first retry (within RetryMin) bounces too.
	require.NoError(t, w.net.Advance(fmuc.DefaultRetryMin+time.Second))
	w.net.Heal(denmark, wonderland)
	w.setSubject(alice, rabbithole, "Tea") // before the next retry
	er, ok := w.svcs[denmark].MUC().Room(stanza.MustParse(elsinore))
	require.True(t, ok)
	_, in := er.Occupant("Alice")
	assert.True(t, in, "alice is still listed in elsinore")
	require.NoError(t, w.net.Advance(fmuc.DefaultRetryMax))
	_, in = er.Occupant("Alice")
	assert.True(t, in, "alice is listed in elsinore after the rejoin")
	r, e := subjects(w)
	assert.Equal(t, "Tea", r)
	assert.Equal(t, "Tea", e)
	assert.Equal(t, 1, bodies(w, alice)["anyone?"])
}
