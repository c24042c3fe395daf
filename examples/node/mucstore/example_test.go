package mucstore_test

import (
	"fmt"
	"os"
	"time"

	"github.com/xmppfmuc/fmuc/examples/node/mucstore"
	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// An embedder's loop: restore the rooms at start, then for every call
// record its Output, write it, and only then send the stanzas.
func Example() {
	dir, _ := os.MkdirTemp("", "rooms")
	defer os.RemoveAll(dir)
	n := 0
	newService := func() *muc.Service {
		cfg := muc.DefaultConfig()
		cfg.Persistent = true
		svc, _ := muc.NewService(muc.ServiceOptions{
			Domain:       stanza.MustParse("rooms.wonderland.lit"),
			NewID:        func() string { n++; return fmt.Sprint("id", n) },
			RoomDefaults: &cfg,
			Locking:      muc.LockNever,
			Archive:      muc.Archive{MaxMessages: 1000},
		})
		return svc
	}
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

	st, err := mucstore.Open(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	svc := newService()
	for _, x := range []string{
		`<presence from='alice@wonderland.lit/a' to='tea@rooms.wonderland.lit/Alice'><x xmlns='http://jabber.org/protocol/muc'/></presence>`,
		`<message from='alice@wonderland.lit/a' to='tea@rooms.wonderland.lit' id='m1' type='groupchat'><body>Have some wine</body></message>`,
	} {
		in, _ := stanza.Decode([]byte(x))
		out, _ := svc.Handle(now, in)
		var b mucstore.Batch
		b.Record(svc, out, in.Head().To.Bare())
		if err := st.Apply(&b); err != nil {
			fmt.Println("not stored, not sent:", err)
			continue
		}
		fmt.Println("stored, sending", len(out.Stanzas), "stanzas")
	}
	st.Close()

	// The restart.
	st, _ = mucstore.Open(dir)
	defer st.Close()
	snap, _ := st.Load()
	svc = newService()
	_ = mucstore.Restore(svc, snap)
	r, _ := svc.Room(stanza.MustParse("tea@rooms.wonderland.lit"))
	fmt.Println("archive:", len(r.Archive()), "history:", len(r.History()))
	// Output:
	// stored, sending 2 stanzas
	// stored, sending 1 stanzas
	// archive: 1 history: 1
}
