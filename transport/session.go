package transport

import (
	"encoding/xml"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// session is one authenticated stream: a reader goroutine that decodes
// stanzas and hands them to the driver, and a writer goroutine that owns
// every write to the socket after the handshake.
type session struct {
	conn   net.Conn
	dec    *xml.Decoder
	budget *budgetReader
	id     string
	queue  chan []byte
	// queued bounds the bytes in queue and in the write under way.
	queued *queueBytes
	// stop is closed by the driver when the session ends; the reader then
	// discards what it reads and the writer sends its last bytes and quits.
	stop       chan struct{}
	readerDone chan struct{}
	writerDone chan struct{}
	// broken is closed by the reader or the writer as soon as it finds the
	// stream dead, before it reports evLost: a driver waiting for room in
	// the queue cannot take that event, so it watches broken instead.
	broken    chan struct{}
	breakOnce sync.Once

	// heard is when the reader last got bytes from the server, as time
	// since epoch (monotonic); handing is set while the reader waits for
	// the driver to take a stanza. The writer's liveness check reads both.
	epoch   time.Time
	heard   atomic.Int64
	handing atomic.Bool

	// mu orders the writer's per-write deadline against the driver's
	// closing deadline, so that the latter always wins.
	mu      sync.Mutex
	closeBy time.Time
	// flush and farewell are set by the driver before stop is closed:
	// whether to write what is queued, and the bytes that end the stream.
	flush    bool
	farewell string
}

func newSession(conn net.Conn, c *Component) *session {
	b := &budgetReader{r: conn, limit: ReadBudget(c.limits.MaxSize)}
	s := &session{
		conn:       conn,
		budget:     b,
		epoch:      time.Now(),
		queue:      make(chan []byte, c.cfg.OutboundQueue),
		queued:     newQueueBytes(c.cfg.OutboundQueueBytes, &c.stats),
		stop:       make(chan struct{}),
		readerDone: make(chan struct{}),
		writerDone: make(chan struct{}),
		broken:     make(chan struct{}),
	}
	b.heard = s.heardNow
	s.dec = xml.NewDecoder(b)
	return s
}

// ReadBudget is the most input, in bytes, that one top-level token of the
// server's stream (a stanza, or the text between two stanzas) may take
// when stanzas may be maxStanzaSize bytes: four times that plus 64 KiB.
// The decoder refuses a stanza above maxStanzaSize with a policy-violation
// reply but must read it to its end to stay aligned; the budget bounds that
// reading, so that a hostile peer cannot make the component buffer without
// bound. Only an element beyond the budget ends the stream.
func ReadBudget(maxStanzaSize int64) int64 { return 4*maxStanzaSize + 64<<10 }

// markBroken closes broken once.
func (s *session) markBroken() { s.breakOnce.Do(func() { close(s.broken) }) }

// startToken resets the read budget for the top-level token the decoder
// reads next.
func (s *session) startToken() { s.budget.reset(s.dec.InputOffset()) }

// errBudget reports a top-level token larger than the reader's budget.
var errBudget = errors.New("transport: element from server exceeds the read budget")

// budgetReader fails reads once the current token would take more than
// limit bytes. It counts from the decoder's position at the token's start
// (reset), not from the last read, so bytes the decoder buffered ahead
// count for the token they belong to and the bound is exact.
type budgetReader struct {
	r io.Reader
	// read is every byte read so far; start is the decoder's input offset
	// at the start of the current token.
	read, start int64
	limit       int64
	// heard is called after every read that got bytes.
	heard func()
}

func (b *budgetReader) reset(offset int64) { b.start = offset }

func (b *budgetReader) Read(p []byte) (int, error) {
	rest := b.start + b.limit - b.read
	if rest <= 0 {
		return 0, errBudget
	}
	if int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := b.r.Read(p)
	b.read += int64(n)
	if n > 0 && b.heard != nil {
		b.heard()
	}
	return n, err
}

// eventKind says what a reader or writer reports to the driver.
type eventKind uint8

const (
	evStanza eventKind = iota + 1 // a stanza for the Machine
	evReply                       // an error reply to send
	evLost                        // the stream is dead
)

type event struct {
	sess *session
	kind eventKind
	st   stanza.Stanza
	err  error
	// farewell is what to write before closing after evLost.
	farewell string
}

// errStreamClosed reports that the server closed the stream.
var errStreamClosed = errors.New("transport: server closed the stream")

// notWellFormed is the RFC 6120 §4.9.3.13 stream error sent back when the
// server's XML is broken.
const notWellFormed = "<stream:error><not-well-formed xmlns='" + NSStreams + "'/></stream:error>"

// deliver hands ev to the driver; after stop it reports false. The time
// it waits for the driver does not count as silence of the server.
func (s *session) deliver(c *Component, ev event) bool {
	ev.sess = s
	s.handing.Store(true)
	defer func() {
		s.heardNow()
		s.handing.Store(false)
	}()
	select {
	case c.events <- ev:
		return true
	case <-s.stop:
		return false
	}
}

// readLoop decodes the stream until it ends. XEP-0114 streams carry
// jabber:component:accept stanzas; anything else at the top level is
// skipped.
func (s *session) readLoop(c *Component) {
	defer close(s.readerDone)
	log := c.cfg.Logger
	lost := func(err error, farewell string) {
		s.markBroken()
		s.deliver(c, event{kind: evLost, err: err, farewell: farewell})
		if errors.Is(err, errStreamClosed) {
			return
		}
		// After stop, keep reading (bounded by the closing deadline) until
		// the server's </stream:stream>.
		depth := 0
		for {
			tok, err := s.dec.Token()
			if err != nil {
				return
			}
			switch tok.(type) {
			case xml.StartElement:
				depth++
			case xml.EndElement:
				if depth == 0 {
					return
				}
				depth--
			}
		}
	}
	for {
		s.startToken()
		tok, err := s.dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				lost(io.ErrUnexpectedEOF, "")
				return
			}
			var se *xml.SyntaxError
			if errors.As(err, &se) || errors.Is(err, errBudget) {
				lost(err, notWellFormed)
				return
			}
			lost(err, "")
			return
		}
		switch t := tok.(type) {
		case xml.EndElement:
			lost(errStreamClosed, "")
			return
		case xml.StartElement:
			if t.Name.Space == nsStream && t.Name.Local == "error" {
				// RFC 6120 §4.9: a stream error ends the stream.
				lost(s.readStreamError(t), "")
				return
			}
			if !isStanzaName(t.Name) {
				log.Debug("transport: ignoring top-level element", "name", t.Name.Local, "ns", t.Name.Space)
				if err := s.dec.Skip(); err != nil {
					lost(err, notWellFormed)
					return
				}
				continue
			}
			st, err := stanza.DecodeElement(s.dec, t, c.limits)
			if err == nil && c.isPingAnswer(st) {
				// Proof of life, already noted; not for the Machine.
				continue
			}
			if err == nil {
				if !s.deliver(c, event{kind: evStanza, st: st}) {
					lost(nil, "")
					return
				}
				continue
			}
			c.stats.decodeErrors.Add(1)
			var de *stanza.DecodeError
			if !errors.As(err, &de) || !de.Aligned {
				// The XML itself is broken: the decoder cannot go on.
				lost(err, notWellFormed)
				return
			}
			log.Warn("transport: undecodable stanza from server", "err", err)
			reply, ok := de.Reply()
			if !ok {
				continue
			}
			if reply.Kind() == stanza.KindIQ && reply.Head().ID == "" {
				// RFC 6120 §8.2.3: an IQ without id cannot be answered.
				continue
			}
			if reply.Head().From.IsZero() {
				// XEP-0114 §3: stanzas sent MUST carry 'from'.
				reply.Head().From = c.domain
			}
			if !s.deliver(c, event{kind: evReply, st: reply}) {
				lost(nil, "")
				return
			}
		}
		// Text between stanzas (whitespace pings), comments and processing
		// instructions are ignored.
	}
}

func isStanzaName(n xml.Name) bool {
	if n.Space != nsComponent && n.Space != "" {
		return false
	}
	switch n.Local {
	case "message", "presence", "iq":
		return true
	}
	return false
}

// write writes b with the per-write deadline, never later than the closing
// deadline.
func (s *session) write(b []byte, timeout time.Duration) error {
	s.mu.Lock()
	dl := time.Now().Add(timeout)
	if !s.closeBy.IsZero() && s.closeBy.Before(dl) {
		dl = s.closeBy
	}
	_ = s.conn.SetWriteDeadline(dl)
	s.mu.Unlock()
	_, err := s.conn.Write(b)
	return err
}

// maxBatch bounds the bytes the writer sends in one write.
const maxBatch = 64 << 10

// gather appends to first the stanzas already waiting in the queue, up to
// maxBatch bytes, so that a burst (a message fanned out to a thousand
// occupants) costs a few writes instead of one per stanza: fewer syscalls
// here, fewer reads and parser wake-ups in the server. It never waits.
// It returns the bytes to write and how many stanzas they hold.
func (s *session) gather(first []byte, batch *[]byte) ([]byte, int) {
	if len(s.queue) == 0 || len(first) >= maxBatch {
		return first, 1
	}
	buf := append((*batch)[:0], first...)
	n := 1
	for len(buf) < maxBatch {
		select {
		case b := <-s.queue:
			buf = append(buf, b...)
			n++
			continue
		default:
		}
		break
	}
	*batch = buf
	return buf, n
}

// writeLoop is the only writer after the handshake: stanzas from the
// queue, whitespace pings when idle, and the end of the stream.
func (s *session) writeLoop(c *Component) {
	defer close(s.writerDone)
	timeout := c.cfg.WriteTimeout
	var ping <-chan time.Time
	var pingTimer *time.Timer
	if c.cfg.KeepAlive > 0 {
		pingTimer = time.NewTimer(c.cfg.KeepAlive)
		defer pingTimer.Stop()
		ping = pingTimer.C
	}
	wrote := func() {
		if pingTimer != nil {
			pingTimer.Reset(c.cfg.KeepAlive)
		}
	}
	// The liveness check (XEP-0199 pings), timed from the last byte heard.
	var live <-chan time.Time
	var liveTimer *time.Timer
	var pingedAt time.Time // of the unanswered ping; zero when none
	if c.cfg.PingInterval > 0 {
		liveTimer = time.NewTimer(c.cfg.PingInterval)
		defer liveTimer.Stop()
		live = liveTimer.C
	}
	// fail reports a dead stream; the n stanzas of the failed write count
	// as dropped (a prefix of them may have reached the server).
	fail := func(err error, n int) {
		c.stats.dropped.Add(uint64(n))
		s.markBroken()
		s.deliver(c, event{kind: evLost, err: err})
	}
	var batch []byte
	for {
		select {
		case b := <-s.queue:
			b, n := s.gather(b, &batch)
			err := s.write(b, timeout)
			s.queued.release(int64(len(b)))
			if err != nil {
				fail(err, n)
				return
			}
			c.stats.out.Add(uint64(n))
			wrote()
		case <-live:
			next, pinged, err := s.liveness(c, &pingedAt)
			if err != nil {
				fail(err, 0)
				return
			}
			if pinged {
				wrote()
			}
			liveTimer.Reset(next)
		case <-ping:
			// RFC 6120 §4.6.1: whitespace keeps the connection alive.
			if err := s.write([]byte{' '}, timeout); err != nil {
				fail(err, 0)
				return
			}
			c.stats.keepAlives.Add(1)
			wrote()
		case <-s.stop:
			s.mu.Lock()
			flush, farewell := s.flush, s.farewell
			s.mu.Unlock()
			for flush {
				select {
				case b := <-s.queue:
					err := s.write(b, timeout)
					s.queued.release(int64(len(b)))
					if err != nil {
						// What is still queued is counted by end.
						c.stats.dropped.Add(1)
						return
					}
					c.stats.out.Add(1)
				default:
					flush = false
				}
			}
			_ = s.write([]byte(farewell+streamClose), timeout)
			return
		}
	}
}

// end stops the session: the writer flushes (if asked), writes farewell and
// </stream:stream>, the reader waits for the server's close, all before
// closeBy; then the socket is closed. It returns how many stanzas were
// left in the queue unwritten; they are discarded (the next stream starts
// with an empty queue).
func (s *session) end(flush bool, farewell string, closeBy time.Time) int {
	s.mu.Lock()
	s.closeBy = closeBy
	s.flush, s.farewell = flush, farewell
	_ = s.conn.SetDeadline(s.closeBy)
	s.mu.Unlock()
	close(s.stop)
	<-s.writerDone
	<-s.readerDone
	_ = s.conn.Close()
	// The writer is gone: nobody else receives from the queue.
	n := len(s.queue)
	for range n {
		<-s.queue
	}
	s.queued.releaseAll()
	return n
}
