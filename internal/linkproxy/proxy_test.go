package linkproxy

import (
	"bytes"
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// wait bounds every expectation; the tests assert lower bounds on time
// only (a limit or a delay makes things slower, never faster), so a slow
// machine cannot make them fail.
const wait = 10 * time.Second

// echo is a loopback server that echoes every connection.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	t.Cleanup(func() { _ = ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

func start(t *testing.T) *Proxy {
	t.Helper()
	p, err := Listen("127.0.0.1:0", echo(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func dial(t *testing.T, p *Proxy) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", p.Addr(), wait)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(wait)))
	return c
}

// roundTrip sends data and reads its echo.
func roundTrip(t *testing.T, c net.Conn, data []byte) {
	t.Helper()
	go func() { _, _ = c.Write(data) }()
	got := make([]byte, len(data))
	_, err := io.ReadFull(c, got)
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, got), "echo intact")
}

func TestForwardAndCount(t *testing.T) {
	p := start(t)
	c := dial(t, p)
	data := bytes.Repeat([]byte("0123456789"), 10000)
	roundTrip(t, c, data)
	require.Eventually(t, func() bool { return p.Counters().Down == int64(len(data)) && p.Counters().Up == int64(len(data)) }, wait, 5*time.Millisecond)
	got := p.Counters()
	assert.Equal(t, int64(len(data)), got.Up)
	assert.Equal(t, int64(len(data)), got.Down)
	assert.Equal(t, int64(2*len(data)), got.Total())
	assert.Equal(t, int64(1), got.Conns)
	assert.Equal(t, Counters{Up: 10, Down: 10, Conns: 1}, Counters{Up: 15, Down: 20, Conns: 2}.Sub(Counters{Up: 5, Down: 10, Conns: 1}))
}

func TestRate(t *testing.T) {
	p := start(t)
	p.SetRate(20000)
	c := dial(t, p)
	begin := time.Now()
	roundTrip(t, c, make([]byte, 20000)) // 1 s up, then 1 s down (overlapping)
	assert.GreaterOrEqual(t, time.Since(begin), 900*time.Millisecond, "20 kB at 20 kB/s")
	p.SetRate(0)
	begin = time.Now()
	roundTrip(t, c, make([]byte, 20000))
	assert.Less(t, time.Since(begin), wait, "unlimited again")
}

func TestDelay(t *testing.T) {
	p := start(t)
	p.SetDelay(150 * time.Millisecond)
	c := dial(t, p)
	begin := time.Now()
	roundTrip(t, c, []byte("ping"))
	assert.GreaterOrEqual(t, time.Since(begin), 300*time.Millisecond, "the delay applies each way")
}

func TestCutAndRestore(t *testing.T) {
	p := start(t)
	c := dial(t, p)
	roundTrip(t, c, []byte("before"))

	p.Cut()
	assert.True(t, p.IsCut())
	_, err := c.Read(make([]byte, 1))
	require.Error(t, err, "a cut closes the open connections")
	// New connections are accepted and closed at once.
	n := dial(t, p)
	_, _ = n.Write([]byte("lost"))
	_, err = n.Read(make([]byte, 1))
	require.Error(t, err, "refused while cut")
	before := p.Counters()

	p.Restore()
	assert.False(t, p.IsCut())
	r := dial(t, p)
	roundTrip(t, r, []byte("after"))
	assert.Equal(t, before.Conns+1, p.Counters().Conns)
}

func TestClose(t *testing.T) {
	p, err := Listen("127.0.0.1:0", echo(t))
	require.NoError(t, err)
	c := dial(t, p)
	roundTrip(t, c, []byte("x"))
	require.NoError(t, p.Close())
	_, err = c.Read(make([]byte, 1))
	require.Error(t, err, "Close ends the connections")
	assert.ErrorIs(t, p.Close(), ErrClosed)
}

func TestUnreachableTarget(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	target := ln.Addr().String()
	require.NoError(t, ln.Close())
	p, err := Listen("127.0.0.1:0", target)
	require.NoError(t, err)
	defer p.Close()
	c := dial(t, p)
	_, err = c.Read(make([]byte, 1))
	require.Error(t, err, "the accepted side is closed when the target refuses")
	assert.Zero(t, p.Counters().Conns)
}

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestSettleAndTotal(t *testing.T) {
	p1, p2 := start(t), start(t)
	roundTrip(t, dial(t, p1), []byte("hello"))
	roundTrip(t, dial(t, p2), []byte("hi"))
	// Each byte is counted up and down.
	n, ok := Settle(context.Background(), 20*time.Millisecond, wait, p1, p2)
	assert.True(t, ok)
	assert.Equal(t, int64(2*(5+2)), n)
	assert.Equal(t, n, Total(p1, p2))

	// A link that never goes quiet.
	c := dial(t, p1)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1)
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			if _, err := c.Write(buf); err != nil {
				return
			}
			if _, err := io.ReadFull(c, buf); err != nil {
				return
			}
		}
	}()
	_, ok = Settle(context.Background(), time.Second, 100*time.Millisecond, p1)
	close(stop)
	<-done
	assert.False(t, ok)
}
