package loadtest

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xmppfmuc/fmuc/internal/xmppclient"
	"github.com/xmppfmuc/fmuc/stanza"
)

// instantForm is the empty muc#owner submit form that accepts the default
// room configuration (XEP-0045 §10.1.2).
const instantForm = "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query>"

// createID is the id of the XEP-0045 §10.1.2 instant-room request.
const createID = "lt-create"

// occupant is one client in the room and its receipt records. Only its own
// goroutine touches seen and latencies until done is closed.
type occupant struct {
	c    *xmppclient.Client
	room stanza.JID
	run  *roomRun

	joinOnce sync.Once
	joined   chan struct{}
	joinErr  error

	seen       []bool
	latencies  []time.Duration
	duplicates int
	stray      int
	errors     int
	done       chan struct{}
}

// roomRun is what a room's occupants share.
type roomRun struct {
	id       string
	senders  int
	messages int
	// delivered counts first receipts over all occupants.
	delivered atomic.Int64
	// lastNano is the latest receipt time (UnixNano).
	lastNano atomic.Int64
}

func newOccupant(c *xmppclient.Client, room stanza.JID, run *roomRun) *occupant {
	return &occupant{
		c: c, room: room, run: run,
		joined: make(chan struct{}),
		seen:   make([]bool, run.senders*run.messages),
		done:   make(chan struct{}),
	}
}

func (o *occupant) signalJoined(err error) {
	o.joinOnce.Do(func() {
		o.joinErr = err
		close(o.joined)
	})
}

// loop reads until the client closes.
func (o *occupant) loop() {
	defer close(o.done)
	for {
		s, err := o.c.Recv(context.Background())
		if err != nil {
			o.signalJoined(err)
			return
		}
		switch v := s.(type) {
		case *stanza.Presence:
			o.presence(v)
		case *stanza.Message:
			o.message(v)
		case *stanza.IQ:
			if v.ID == createID {
				if v.Type == stanza.IQResult {
					o.signalJoined(nil)
				} else {
					o.signalJoined(joinError(v))
				}
			}
		}
	}
}

func (o *occupant) presence(p *stanza.Presence) {
	if p.From.Bare() != o.room {
		return
	}
	if p.Type == stanza.PresenceError {
		o.signalJoined(joinError(p))
		return
	}
	var u stanza.MUCUser
	if ok, err := stanza.Find(p, stanza.NSMUCUser, "x", &u); !ok || err != nil || !u.HasStatus(stanza.StatusSelf) {
		return
	}
	if u.HasStatus(stanza.StatusCreated) {
		// XEP-0045 §10.1.2: accept the default configuration (instant room)
		// and count the join only when the room is unlocked.
		form, _ := stanza.ParseElement([]byte(instantForm))
		err := o.c.Send(&stanza.IQ{Header: stanza.Header{ID: createID, To: o.room, Type: stanza.IQSet}, Children: []stanza.Element{form}})
		if err != nil {
			o.signalJoined(err)
		}
		return
	}
	o.signalJoined(nil)
}

func (o *occupant) message(m *stanza.Message) {
	if m.From.Bare() != o.room {
		return
	}
	if m.Type == stanza.MessageError {
		o.errors++
		return
	}
	if m.Type != stanza.MessageGroupchat {
		return
	}
	body, ok := m.Body()
	if !ok {
		return
	}
	sender, seq, sent, ok := parseBody(body, o.run.id)
	if !ok || sender >= o.run.senders || seq >= o.run.messages {
		o.stray++
		return
	}
	now := time.Now().UnixNano()
	k := sender*o.run.messages + seq
	if o.seen[k] {
		o.duplicates++
		return
	}
	o.seen[k] = true
	o.latencies = append(o.latencies, time.Duration(now-sent))
	o.run.delivered.Add(1)
	for {
		last := o.run.lastNano.Load()
		if now <= last || o.run.lastNano.CompareAndSwap(last, now) {
			break
		}
	}
}

// body formats a message body: "lt RUN SENDER SEQ UNIXNANO" and padding.
func body(run string, sender, seq int, sent time.Time, pad int) string {
	s := "lt " + run + " " + strconv.Itoa(sender) + " " + strconv.Itoa(seq) + " " + strconv.FormatInt(sent.UnixNano(), 10)
	if len(s) < pad {
		s += " " + strings.Repeat("x", pad-len(s)-1)
	}
	return s
}

// parseBody reads a body made by body; ok is false for other runs' or
// foreign messages.
func parseBody(b, run string) (sender, seq int, sent int64, ok bool) {
	f := strings.Fields(b)
	if len(f) < 5 || f[0] != "lt" || f[1] != run {
		return 0, 0, 0, false
	}
	s, err1 := strconv.Atoi(f[2])
	q, err2 := strconv.Atoi(f[3])
	t, err3 := strconv.ParseInt(f[4], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || s < 0 || q < 0 {
		return 0, 0, 0, false
	}
	return s, q, t, true
}

type stanzaError struct{ s stanza.Stanza }

func (e stanzaError) Error() string {
	if se, ok := stanza.ErrorOf(e.s); ok {
		return "loadtest: join refused: " + se.Error()
	}
	return "loadtest: join refused: " + string(stanza.Encode(e.s))
}

func joinError(s stanza.Stanza) error { return stanzaError{s} }
