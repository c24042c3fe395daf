package e2e

import (
	"testing"
	"time"

	"github.com/xmppfmuc/fmuc/internal/xmppclient"
)

// TestFederationCut cuts the s2s link between wonderland.lit and
// denmark.lit for longer than the servers take to give up on it, with
// chat going on on both sides, then restores it: afterwards every message
// reaches every user exactly once.
func TestFederationCut(t *testing.T) {
	f, w, d := startPair(t, prosodyDenmark)
	alice, hamlet := w.client("alice"), d.client("hamlet")
	createInstant(t, alice, rabbithole, "Alice")
	mustJoin(t, hamlet, elsinore, "Hamlet", "")
	seesPresence(t, alice, occupant(rabbithole, "Hamlet"), "")

	for _, p := range f.proxies {
		p.Cut()
	}
	say(t, alice, rabbithole, "cw", "Said in wonderland during the cut")
	say(t, hamlet, elsinore, "cd", "Said in denmark during the cut")
	hears(t, alice, occupant(rabbithole, "Alice"), "Said in wonderland during the cut")
	hears(t, hamlet, occupant(elsinore, "Hamlet"), "Said in denmark during the cut")
	// Prosody gives up on an s2s connection it cannot open at once (the
	// proxy accepts and closes) and bounces what it queued for it.
	time.Sleep(3 * time.Second)
	for _, p := range f.proxies {
		p.Restore()
	}
	say(t, alice, rabbithole, "aw", "Said in wonderland after the cut")
	say(t, hamlet, elsinore, "ad", "Said in denmark after the cut")
	for _, body := range []string{"Said in denmark during the cut", "Said in denmark after the cut"} {
		hears(t, alice, occupant(rabbithole, "Hamlet"), body)
	}
	for _, body := range []string{"Said in wonderland during the cut", "Said in wonderland after the cut"} {
		hears(t, hamlet, occupant(elsinore, "Alice"), body)
	}
	for _, c := range []*client{alice, hamlet} {
		for _, body := range []string{"Said in wonderland during the cut", "Said in denmark during the cut"} {
			expectNot(t, c, 300*time.Millisecond, "a second copy", xmppclient.MessageWithBody(body))
		}
	}
}
