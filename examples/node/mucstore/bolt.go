package mucstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// FormatVersion is the version of the file layout Open writes and reads.
// A later release that changes the layout raises it and migrates files of
// the versions before.
const FormatVersion = 1

// FileName is the store's file inside its directory.
const FileName = "rooms.db"

// Buckets of the file. meta holds "magic" and "format"; kv the Meta
// records; rooms one JSON record per room by JID; history and archive one
// nested bucket per room JID, entries keyed by a big-endian sequence
// number.
var (
	bucketMeta    = []byte("meta")
	bucketKV      = []byte("kv")
	bucketRooms   = []byte("rooms")
	bucketHistory = []byte("history")
	bucketArchive = []byte("archive")
	magic         = []byte("github.com/xmppfmuc/fmuc/examples/node/mucstore")
)

// Bolt is the embedded Store: one bbolt file in a directory.
type Bolt struct {
	db   *bolt.DB
	path string
}

var _ Store = (*Bolt)(nil)

// Open opens (creating it and dir when missing) the store in dir. Errors
// wrap ErrLocked when another process has it open, ErrFormat when the file
// is not a store of this format.
func Open(dir string) (*Bolt, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mucstore: data directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	db, err := openBolt(path)
	if err != nil {
		return nil, err
	}
	s := &Bolt{db: db, path: path}
	if err := s.init(); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// openBolt opens the file, turning bbolt's errors (and panics: bbolt
// trusts its pages) into ours.
func openBolt(path string) (db *bolt.DB, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			db, err = nil, fmt.Errorf("%w: %s: %v", ErrFormat, path, p)
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: 100 * time.Millisecond})
	switch {
	case err == nil:
		return db, nil
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, fmt.Errorf("%w: %s is locked (is another node running on this data directory?)", ErrLocked, path)
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrVersionMismatch), errors.Is(err, bolterrors.ErrChecksum), errors.Is(err, bolterrors.ErrInvalidMapping):
		return nil, fmt.Errorf("%w: %s is not a bbolt database or is corrupt: %w", ErrFormat, path, err)
	}
	return nil, fmt.Errorf("mucstore: opening %s: %w", path, err)
}

// init checks the magic and version of an existing file, or writes them
// into a new one.
func (s *Bolt) init() error {
	return s.update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			empty := true
			_ = tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
			if !empty {
				return fmt.Errorf("%w: %s is a bbolt database of another program", ErrFormat, s.path)
			}
			var err error
			if meta, err = tx.CreateBucket(bucketMeta); err != nil {
				return err
			}
			if err := meta.Put([]byte("magic"), magic); err != nil {
				return err
			}
			if err := meta.Put([]byte("format"), []byte(strconv.Itoa(FormatVersion))); err != nil {
				return err
			}
		}
		if !bytes.Equal(meta.Get([]byte("magic")), magic) {
			return fmt.Errorf("%w: %s is a bbolt database of another program", ErrFormat, s.path)
		}
		if v := string(meta.Get([]byte("format"))); v != strconv.Itoa(FormatVersion) {
			return fmt.Errorf("%w: %s has format version %q, this release reads %d", ErrFormat, s.path, v, FormatVersion)
		}
		for _, b := range [][]byte{bucketKV, bucketRooms, bucketHistory, bucketArchive} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
}

// update runs fn in a read-write transaction, turning a panic of bbolt on a
// corrupt page into ErrFormat. bbolt reads its pages through mmap and
// trusts them: a corrupt page can make it read past the mapping, which
// debug.SetPanicOnFault turns from a crash into a panic recovered here.
func (s *Bolt) update(fn func(*bolt.Tx) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %s: %v", ErrFormat, s.path, p)
		}
	}()
	err = s.db.Update(fn)
	if errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}

// Path returns the file's path.
func (s *Bolt) Path() string { return s.path }

// Close implements Store.
func (s *Bolt) Close() error { return s.db.Close() }

// roomRecord is a room in the file: muc.State without its history and
// archive, and payloads as raw XML.
type roomRecord struct {
	State muc.State
}

// entryRecord is a history or archive entry in the file.
type entryRecord struct {
	StanzaID string `json:"sid,omitempty"`
	ID       string `json:"id,omitempty"`
	Nick     string `json:"nick"`
	// JID and Origin are JIDs as text, parsed through jids.parse (one
	// PRECIS pass per distinct JID, not per entry).
	JID     string    `json:"jid,omitempty"`
	Stamp   time.Time `json:"at"`
	Origin  string    `json:"origin,omitempty"`
	Payload []element `json:"payload"`
}

// element is a stanza.Element in the file: its name and its XML as text.
type element struct {
	Space string `json:"ns,omitempty"`
	Local string `json:"name"`
	XML   string `json:"xml"`
}

func elementsOut(es []stanza.Element) []element {
	out := make([]element, len(es))
	for i, e := range es {
		out[i] = element{e.Name.Space, e.Name.Local, string(e.XML)}
	}
	return out
}

func elementsIn(es []element) []stanza.Element {
	out := make([]stanza.Element, len(es))
	for i, e := range es {
		out[i].Name.Space, out[i].Name.Local, out[i].XML = e.Space, e.Local, []byte(e.XML)
	}
	return out
}

// Apply implements Store: one bbolt transaction, fsynced on commit.
func (s *Bolt) Apply(b *Batch) error {
	if b.Empty() {
		return nil
	}
	return s.update(func(tx *bolt.Tx) error {
		rooms, hist, arch, kv := tx.Bucket(bucketRooms), tx.Bucket(bucketHistory), tx.Bucket(bucketArchive), tx.Bucket(bucketKV)
		for _, j := range b.Deleted {
			k := []byte(j.String())
			if err := rooms.Delete(k); err != nil {
				return err
			}
			for _, parent := range []*bolt.Bucket{hist, arch} {
				if err := parent.DeleteBucket(k); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
					return err
				}
			}
		}
		for _, st := range b.Rooms {
			st.History, st.Archive = nil, nil
			v, err := marshal(roomRecord{State: st})
			if err != nil {
				return fmt.Errorf("mucstore: encoding room %s: %w", st.JID.String(), err)
			}
			k := []byte(st.JID.String())
			if err := rooms.Put(k, v); err != nil {
				return err
			}
			if lb := hist.Bucket(k); lb != nil {
				if err := trimTo(lb, st.Config.HistoryLength); err != nil {
					return err
				}
			}
		}
		for _, h := range b.History {
			e := h.Entry
			lb, err := hist.CreateBucketIfNotExists([]byte(h.Room.String()))
			if err != nil {
				return err
			}
			if err := appendEntry(lb, entryRecord{ID: e.ID, Nick: e.Nick, JID: jidText(e.JID), Stamp: e.Stamp, Origin: jidText(e.Origin), Payload: elementsOut(e.Payload)}); err != nil {
				return err
			}
			if err := trimTo(lb, h.Keep); err != nil {
				return err
			}
		}
		for _, a := range b.Archive {
			e := a.Entry
			lb, err := arch.CreateBucketIfNotExists([]byte(a.Room.String()))
			if err != nil {
				return err
			}
			if err := dropOldest(lb, a.Expired); err != nil {
				return err
			}
			if err := appendEntry(lb, entryRecord{StanzaID: e.StanzaID, ID: e.ID, Nick: e.Nick, JID: jidText(e.JID), Stamp: e.Stamp, Payload: elementsOut(e.Payload)}); err != nil {
				return err
			}
		}
		for k, v := range b.Meta {
			var err error
			if v == nil {
				err = kv.Delete([]byte(k))
			} else {
				err = kv.Put([]byte(k), v)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// appendEntry adds e under the next sequence number of lb.
func appendEntry(lb *bolt.Bucket, e entryRecord) error {
	seq, err := lb.NextSequence()
	if err != nil {
		return err
	}
	v, err := marshal(e)
	if err != nil {
		return err
	}
	// Keys only grow: fill pages instead of splitting them in half.
	lb.FillPercent = 0.95
	return lb.Put(binary.BigEndian.AppendUint64(nil, seq), v)
}

// marshal encodes v as JSON without HTML escaping (payloads are XML: the
// default would write each < and > as six bytes).
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// dropOldest deletes the n first entries of lb.
func dropOldest(lb *bolt.Bucket, n int) error {
	c := lb.Cursor()
	for k, _ := c.First(); k != nil && n > 0; k, _ = c.Next() {
		if err := c.Delete(); err != nil {
			return err
		}
		n--
	}
	return nil
}

// trimTo deletes the oldest entries of lb beyond keep.
func trimTo(lb *bolt.Bucket, keep int) error {
	if n := lb.Stats().KeyN - keep; n > 0 {
		return dropOldest(lb, n)
	}
	return nil
}

// Load implements Store. A record that does not decode is ErrFormat,
// naming the room.
func (s *Bolt) Load() (snap Snapshot, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			snap, err = Snapshot{}, fmt.Errorf("%w: %s: %v", ErrFormat, s.path, p)
		}
	}()
	err = s.db.View(func(tx *bolt.Tx) error {
		snap.Meta = map[string][]byte{}
		if err := tx.Bucket(bucketKV).ForEach(func(k, v []byte) error {
			snap.Meta[string(k)] = bytes.Clone(v)
			return nil
		}); err != nil {
			return err
		}
		hist, arch := tx.Bucket(bucketHistory), tx.Bucket(bucketArchive)
		jids := jidCache{}
		return tx.Bucket(bucketRooms).ForEach(func(k, v []byte) error {
			var rec roomRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("%w: %s: room %q: %w", ErrFormat, s.path, k, err)
			}
			st := rec.State
			if st.JID.String() != string(k) {
				return fmt.Errorf("%w: %s: room record %q names %q", ErrFormat, s.path, k, st.JID.String())
			}
			err := loadEntries(hist.Bucket(k), func(e entryRecord) error {
				j, err := jids.parse(e.JID)
				if err != nil {
					return err
				}
				origin, err := jids.parse(e.Origin)
				if err != nil {
					return err
				}
				st.History = append(st.History, muc.HistoryEntry{ID: e.ID, Nick: e.Nick, JID: j, Stamp: e.Stamp, Origin: origin, Payload: elementsIn(e.Payload)})
				return nil
			})
			if err == nil {
				err = loadEntries(arch.Bucket(k), func(e entryRecord) error {
					j, err := jids.parse(e.JID)
					if err != nil {
						return err
					}
					st.Archive = append(st.Archive, muc.ArchiveEntry{StanzaID: e.StanzaID, ID: e.ID, Nick: e.Nick, JID: j, Stamp: e.Stamp, Payload: elementsIn(e.Payload)})
					return nil
				})
			}
			if err != nil {
				return fmt.Errorf("%w: %s: room %q: %w", ErrFormat, s.path, k, err)
			}
			// History merged from a federated node (muc.Room.MergeHistory)
			// is appended here as it came but kept in time order by the
			// room.
			slices.SortStableFunc(st.History, func(a, b muc.HistoryEntry) int { return a.Stamp.Compare(b.Stamp) })
			snap.Rooms = append(snap.Rooms, st)
			return nil
		})
	})
	if errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		err = ErrClosed
	}
	return snap, err
}

func loadEntries(lb *bolt.Bucket, f func(entryRecord) error) error {
	if lb == nil {
		return nil
	}
	return lb.ForEach(func(_, v []byte) error {
		var e entryRecord
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		return f(e)
	})
}

// jidText is a JID as stored: "" for the zero JID.
func jidText(j stanza.JID) string {
	if j.IsZero() {
		return ""
	}
	return j.String()
}

// jidCache parses stored JIDs once each.
type jidCache map[string]stanza.JID

func (c jidCache) parse(s string) (stanza.JID, error) {
	if s == "" {
		return stanza.JID{}, nil
	}
	if j, ok := c[s]; ok {
		return j, nil
	}
	j, err := stanza.Parse(s)
	if err != nil {
		return j, err
	}
	if len(c) < 1<<16 {
		c[s] = j
	}
	return j, nil
}
