// Package linkproxy is a small user-space TCP proxy that stands for a
// constrained network link between two servers on loopback (netem is not
// available here): it forwards every connection it accepts to one target,
// with an optional rate limit and an added delay per direction, can cut
// the link (drop every connection and refuse new ones) and restore it, and
// counts the bytes it delivered in each direction.
//
// The end-to-end tests put one Proxy in front of each server's s2s port
// and point the other server's DNS answer at it, so that all the s2s
// traffic between the two crosses proxies.
package linkproxy

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed is returned by operations on a closed Proxy.
var ErrClosed = errors.New("linkproxy: closed")

// chunkSize is the largest read, and the largest write the rate limiter
// lets through at once.
const chunkSize = 16 << 10

// queueChunks bounds the chunks read but not yet delivered per direction
// (the delay line); a full queue stops reading, as a full link would.
const queueChunks = 256

// Counters are the bytes a Proxy delivered: Up from the accepted side to
// the target, Down from the target back.
type Counters struct {
	Up, Down int64
	// Conns counts the connections accepted and forwarded.
	Conns int64
}

// Total is Up + Down.
func (c Counters) Total() int64 { return c.Up + c.Down }

// Sub returns c - d, the traffic between two snapshots.
func (c Counters) Sub(d Counters) Counters {
	return Counters{Up: c.Up - d.Up, Down: c.Down - d.Down, Conns: c.Conns - d.Conns}
}

// Proxy forwards the connections accepted on its loopback port to a
// target address. Its methods are safe for concurrent use.
type Proxy struct {
	ln     net.Listener
	target string

	up, down, conns atomic.Int64
	rate            atomic.Int64 // bytes per second and direction; 0: unlimited
	delay           atomic.Int64 // nanoseconds

	mu     sync.Mutex
	cut    bool
	closed bool
	open   map[net.Conn]struct{}
	limits [2]limiter // per direction, shared by the connections
	wg     sync.WaitGroup
}

// Listen starts a proxy on addr (e.g. 127.0.0.1:0) forwarding to target.
func Listen(addr, target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, target: target, open: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr returns the address the proxy listens on.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Port returns the port the proxy listens on.
func (p *Proxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// Target returns the address connections are forwarded to.
func (p *Proxy) Target() string { return p.target }

// SetRate limits each direction to bytesPerSecond, shared by all the
// proxy's connections; 0 removes the limit.
func (p *Proxy) SetRate(bytesPerSecond int64) { p.rate.Store(max(bytesPerSecond, 0)) }

// SetDelay delays every byte by d in each direction (a one-way latency).
func (p *Proxy) SetDelay(d time.Duration) { p.delay.Store(int64(max(d, 0))) }

// Counters returns the bytes delivered so far.
func (p *Proxy) Counters() Counters {
	return Counters{Up: p.up.Load(), Down: p.down.Load(), Conns: p.conns.Load()}
}

// Cut breaks the link: every forwarded connection is closed at once and
// new ones are accepted and closed immediately, until Restore.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.open {
		_ = c.Close()
	}
}

// Restore ends a Cut: new connections are forwarded again.
func (p *Proxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = false
}

// IsCut reports whether the link is cut.
func (p *Proxy) IsCut() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cut
}

// Close stops listening, closes every connection and waits for the
// proxy's goroutines.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	p.closed = true
	err := p.ln.Close()
	for c := range p.open {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if p.IsCut() {
			_ = c.Close()
			continue
		}
		p.wg.Add(1)
		go p.forward(c)
	}
}

// track registers c as open; false when the link was cut or the proxy
// closed meanwhile.
func (p *Proxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cut || p.closed {
		return false
	}
	for _, c := range cs {
		p.open[c] = struct{}{}
	}
	return true
}

func (p *Proxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		delete(p.open, c)
	}
}

// forward joins an accepted connection with a new one to the target.
func (p *Proxy) forward(in net.Conn) {
	defer p.wg.Done()
	out, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		_ = in.Close()
		return
	}
	if !p.track(in, out) {
		_ = in.Close()
		_ = out.Close()
		return
	}
	p.conns.Add(1)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.pipe(in, out, &p.up, &p.limits[0]) }()
	go func() { defer wg.Done(); p.pipe(out, in, &p.down, &p.limits[1]) }()
	wg.Wait()
	p.untrack(in, out)
	_ = in.Close()
	_ = out.Close()
}

type chunk struct {
	due  time.Time
	data []byte
}

// pipe copies src to dst through the delay line and the rate limiter,
// counting the bytes delivered in n. At the end of src it half-closes dst;
// on any error it closes both.
func (p *Proxy) pipe(src, dst net.Conn, n *atomic.Int64, lim *limiter) {
	q := make(chan chunk, queueChunks)
	done := make(chan struct{})
	go func() {
		defer close(done)
		failed := false
		for c := range q {
			if failed {
				continue
			}
			if d := time.Until(c.due); d > 0 {
				time.Sleep(d)
			}
			for data := c.data; len(data) > 0; {
				k := min(len(data), chunkSize)
				if r := p.rate.Load(); r > 0 {
					k = min(k, max(int(r/20), 1))
					lim.wait(k, r)
				}
				w, err := dst.Write(data[:k])
				n.Add(int64(w))
				if err != nil {
					failed = true
					_ = src.Close()
					break
				}
				data = data[k:]
			}
		}
		if !failed {
			if tc, ok := dst.(*net.TCPConn); ok {
				_ = tc.CloseWrite()
			} else {
				_ = dst.Close()
			}
		}
	}()
	buf := make([]byte, chunkSize)
	for {
		k, err := src.Read(buf)
		if k > 0 {
			data := make([]byte, k)
			copy(data, buf[:k])
			q <- chunk{due: time.Now().Add(time.Duration(p.delay.Load())), data: data}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				_ = dst.Close()
			}
			break
		}
	}
	close(q)
	<-done
}

// limiter spaces writes so that a direction carries at most rate bytes per
// second (a virtual clock of when the link is next free).
type limiter struct {
	mu   sync.Mutex
	next time.Time
}

// wait blocks until k more bytes may be sent at rate bytes per second.
func (l *limiter) wait(k int, rate int64) {
	l.mu.Lock()
	now := time.Now()
	start := l.next
	if start.Before(now) {
		start = now
	}
	l.next = start.Add(time.Duration(int64(k) * int64(time.Second) / rate))
	l.mu.Unlock()
	if d := time.Until(start); d > 0 {
		time.Sleep(d)
	}
}
