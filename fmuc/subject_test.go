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
