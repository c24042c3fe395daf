package mucnode

import (
	"crypto/rand"
	"log/slog"
	"time"

	"github.com/xmppfmuc/fmuc/examples/node/mucstore"
	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// storeRetry is how long the node waits before trying again to write a
// batch the store refused.
const storeRetry = time.Second

// persister writes the events of each call into the store before the
// call's stanzas go out (the contract of package mucstore: persist, then
// send). When a write fails it holds the call's stanzas back, retries the
// same batch before anything else and, until that succeeds, has the
// Machine refuse new input: nothing a client is told about is lost, and
// nothing changes that could not be written.
type persister struct {
	store mucstore.Store
	log   *slog.Logger
	batch mucstore.Batch
	// failed: batch could not be written; held are the stanzas of its
	// call, retryAt when to try again.
	failed  bool
	held    []stanza.Stanza
	retryAt time.Time
}

// persist records out (and the service-wide records meta, when not nil)
// and writes it; it returns the stanzas to send, none when the write
// failed (they are held).
func (p *persister) persist(now time.Time, svc *muc.Service, out muc.Output, meta map[string][]byte, touched ...stanza.JID) []stanza.Stanza {
	p.batch.Reset()
	p.batch.Record(svc, out, touched...)
	for k, v := range meta {
		if p.batch.Meta == nil {
			p.batch.Meta = map[string][]byte{}
		}
		p.batch.Meta[k] = v
	}
	if p.batch.Empty() {
		return out.Stanzas
	}
	if err := p.store.Apply(&p.batch); err != nil {
		p.log.Error("store write failed: refusing changes until it succeeds (stanzas held back)", "err", err, "held", len(out.Stanzas))
		p.failed, p.held, p.retryAt = true, out.Stanzas, now.Add(storeRetry)
		return nil
	}
	return out.Stanzas
}

// unstored answers in while the store refuses writes (mucstore: no
// change is accepted that could not be written): a wait-type
// resource-constraint, nothing to an error or an unaddressed stanza.
func unstored(in stanza.Stanza) []stanza.Stanza {
	e := stanza.NewError(stanza.ResourceConstraint, "the service cannot store changes right now")
	e.Type = stanza.ErrorWait
	if r := stanza.ErrorReply(in, e); r != nil && !r.Head().From.IsZero() && !r.Head().To.IsZero() {
		return []stanza.Stanza{r}
	}
	return nil
}

// deadline is d, the service's next timer, or the retry of a failed write
// when that comes first; p may be nil (no store).
func (p *persister) deadline(d time.Time) time.Time {
	if p != nil && p.failed && (d.IsZero() || p.retryAt.Before(d)) {
		return p.retryAt
	}
	return d
}

// retry retries a failed write. It reports whether the store is usable,
// and returns the held stanzas when the retry succeeded.
func (p *persister) retry(now time.Time) (bool, []stanza.Stanza) {
	if !p.failed {
		return true, nil
	}
	if err := p.store.Apply(&p.batch); err != nil {
		p.retryAt = now.Add(storeRetry)
		return false, nil
	}
	p.log.Info("store writable again: accepting changes", "released", len(p.held))
	held := p.held
	p.failed, p.held = false, nil
	return true, held
}

// openStore opens the data directory's store, loads it and returns the
// snapshot; the occupant-id key is drawn and stored on first use unless
// one is configured.
func openStore(dir string, log *slog.Logger) (*mucstore.Bolt, mucstore.Snapshot, error) {
	start := time.Now()
	st, err := mucstore.Open(dir)
	if err != nil {
		return nil, mucstore.Snapshot{}, err
	}
	snap, err := st.Load()
	if err != nil {
		_ = st.Close()
		return nil, mucstore.Snapshot{}, err
	}
	log.Info("store opened", "path", st.Path(), "rooms", len(snap.Rooms), "took", time.Since(start).Round(time.Millisecond).String())
	return st, snap, nil
}

// storedKey returns the occupant-id key of the snapshot, or draws one and
// writes it.
func storedKey(st mucstore.Store, snap mucstore.Snapshot) ([]byte, error) {
	if k := snap.Meta[mucstore.MetaOccupantIDKey]; len(k) >= 16 {
		return k, nil
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	err := st.Apply(&mucstore.Batch{Meta: map[string][]byte{mucstore.MetaOccupantIDKey: key}})
	return key, err
}
