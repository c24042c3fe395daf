package mucnode

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/xmppfmuc/fmuc/internal/fakeserver"
	"github.com/xmppfmuc/fmuc/stanza"
)

const (
	domain = "rooms.example.org"
	secret = "s3cr3t"
	wait   = 5 * time.Second
)

// syncBuffer is a bytes.Buffer safe for a logger and a test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func listen(t *testing.T) *fakeserver.Server {
	t.Helper()
	srv, err := fakeserver.Listen("127.0.0.1:0", domain, secret)
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// next returns the next stanza the node sent that satisfies ok.
func next(t *testing.T, c *fakeserver.Conn, ok func(stanza.Stanza) bool) stanza.Stanza {
	t.Helper()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		st, err := c.NextStanza(time.Until(deadline))
		require.NoError(t, err)
		if ok(st) {
			return st
		}
	}
	t.Fatal("no matching stanza")
	return nil
}

func mucUser(t *testing.T, st stanza.Stanza) *stanza.MUCUser {
	t.Helper()
	var x stanza.MUCUser
	found, err := stanza.Find(st, "http://jabber.org/protocol/muc#user", "x", &x)
	require.NoError(t, err)
	require.True(t, found, "muc#user in %s", stanza.Encode(st))
	return &x
}

// TestMainServesAndShutsDown runs the whole node in-process: a user joins
// a room through the fake server, then the node is cancelled and must send
// status 332 before closing the stream, and exit 0.
func TestMainServesAndShutsDown(t *testing.T) {
	srv := listen(t)
	dataDir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &syncBuffer{}
	code := make(chan int, 1)
	go func() {
		code <- Main(ctx, []string{"-server", srv.Addr(), "-domain", domain, "-log-format", "json", "-data-dir", dataDir},
			env(map[string]string{SecretEnv: secret}), logs)
	}()
	conn, err := srv.Accept(wait)
	require.NoError(t, err)

	require.NoError(t, conn.Send(fmt.Sprintf(`<presence from='alice@example.org/a' to='tea@%s/Alice'><x xmlns='http://jabber.org/protocol/muc'/></presence>`, domain)))
	self := next(t, conn, func(st stanza.Stanza) bool { return st.Kind() == stanza.KindPresence })
	assert.True(t, mucUser(t, self).HasStatus(110))
	assert.True(t, mucUser(t, self).HasStatus(201), "new room")

	// An IQ to a room that does not exist is answered (not dropped).
	require.NoError(t, conn.Send(fmt.Sprintf(`<iq type='get' id='q1' from='bob@example.org/b' to='nope@%s'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`, domain)))
	q := next(t, conn, func(st stanza.Stanza) bool { return st.Head().ID == "q1" })
	assert.Equal(t, stanza.IQError, q.Head().Type)

	cancel()
	bye := next(t, conn, func(st stanza.Stanza) bool { return st.Kind() == stanza.KindPresence })
	assert.Equal(t, stanza.PresenceUnavailable, bye.Head().Type)
	assert.Equal(t, "alice@example.org/a", bye.Head().To.String())
	assert.True(t, mucUser(t, bye).HasStatus(332), "service shutdown status")
	it, err := conn.Next(wait)
	require.NoError(t, err)
	assert.True(t, it.End, "stream closed after the goodbye")
	_ = conn.CloseStream()
	select {
	case c := <-code:
		assert.Equal(t, ExitOK, c)
	case <-time.After(wait):
		t.Fatal("Main did not return")
	}
	assert.Contains(t, logs.String(), `"msg":"room created"`)
	assert.Contains(t, logs.String(), `"msg":"occupant joined"`)
	assert.Contains(t, logs.String(), `"msg":"occupant left"`, "the shutdown's events are logged too")
}

func TestMainWrongSecret(t *testing.T) {
	srv := listen(t)
	logs := &syncBuffer{}
	code := Main(context.Background(), []string{"-server", srv.Addr(), "-domain", domain, "-data-dir", ""},
		env(map[string]string{SecretEnv: "wrong"}), logs)
	assert.Equal(t, ExitRefused, code)
	assert.Contains(t, logs.String(), "not-authorized")
}

func TestMainBadConfig(t *testing.T) {
	assert.Equal(t, ExitConfig, Main(context.Background(), []string{"-domain", domain}, env(nil), io.Discard))
	assert.Equal(t, ExitOK, Main(context.Background(), []string{"-help"}, env(nil), io.Discard))
}

// TestBinary builds the real command and checks its exit codes.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "node")
	build := exec.Command("go", "build", "-o", bin, "github.com/xmppfmuc/fmuc/examples/node")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	srv := listen(t)
	run := func(secret string, args ...string) *exec.Cmd {
		cmd := exec.Command(bin, append([]string{"-server", srv.Addr(), "-domain", domain}, args...)...)
		cmd.Env = append(os.Environ(), SecretEnv+"="+secret)
		cmd.Dir = t.TempDir() // where the default data directory goes
		return cmd
	}

	t.Run("wrong secret", func(t *testing.T) {
		cmd := run("wrong")
		out, err := cmd.CombinedOutput()
		require.Error(t, err)
		assert.Equal(t, ExitRefused, cmd.ProcessState.ExitCode(), "%s", out)
		assert.Contains(t, string(out), "refused the component secret")
	})
	t.Run("bad config", func(t *testing.T) {
		cmd := run(secret, "-log-format", "xml")
		out, _ := cmd.CombinedOutput()
		assert.Equal(t, ExitConfig, cmd.ProcessState.ExitCode(), "%s", out)
	})
	t.Run("SIGTERM", func(t *testing.T) {
		cmd := run(secret)
		var stderr syncBuffer
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())
		conn, err := srv.Accept(wait)
		require.NoError(t, err)
		// Signal once the node reports serving (a signal during the
		// handshake just drops the connection).
		require.Eventually(t, func() bool { return strings.Contains(stderr.String(), "msg=serving") },
			wait, 10*time.Millisecond, "%s", stderr.String())
		require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
		it, err := conn.Next(wait)
		require.NoError(t, err)
		assert.True(t, it.End, "stream closed")
		_ = conn.CloseStream()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			assert.NoError(t, err, "%s", stderr.String())
			assert.Equal(t, ExitOK, cmd.ProcessState.ExitCode())
		case <-time.After(wait):
			_ = cmd.Process.Kill()
			t.Fatal("node did not stop on SIGTERM")
		}
		assert.True(t, strings.Contains(stderr.String(), "stopped"), "%s", stderr.String())
	})
}

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestMainFederates runs a node whose rooms join the room of the same name
// on rooms.wonderland.lit: a local user's join is presented upstream with
// <fmuc from/>, the link change is logged and counted in the figures.
func TestMainFederates(t *testing.T) {
	srv := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &syncBuffer{}
	cfg, err := ParseArgs([]string{"-server", srv.Addr(), "-domain", domain, "-federate-with", "rooms.wonderland.lit", "-stats-interval", "20ms", "-data-dir", ""},
		env(map[string]string{SecretEnv: secret}), io.Discard)
	require.NoError(t, err)
	log, err := NewLogger(&cfg, logs)
	require.NoError(t, err)
	n, err := New(cfg, log)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	defer func() { cancel(); <-done }()
	conn, err := srv.Accept(wait)
	require.NoError(t, err)

	require.NoError(t, conn.Send(fmt.Sprintf(`<presence from='bob@example.org/b' to='tea@%s/Bob'><x xmlns='http://jabber.org/protocol/muc'/></presence>`, domain)))
	up := next(t, conn, func(st stanza.Stanza) bool { return st.Kind() == stanza.KindPresence })
	assert.Equal(t, "tea@rooms.wonderland.lit/Bob", up.Head().To.String(), "XEP-0289 §4.1: the join goes to the upstream room")
	var f struct {
		From string `xml:"from,attr"`
	}
	found, err := stanza.Find(up, stanza.NSFMUC, "fmuc", &f)
	require.NoError(t, err)
	require.True(t, found, "%s", stanza.Encode(up))
	assert.Equal(t, "bob@example.org/b", f.From)
	require.Eventually(t, func() bool {
		fig := n.Figures()
		return fig.Links["joining"] == 1 && len(fig.Peers) == 1 && fig.Peers[0].Stanzas == 1 && fig.Peers[0].Bytes > 0
	}, wait, 10*time.Millisecond, "%+v", n.Figures())
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "links_joining=1") }, wait, 10*time.Millisecond, "figures logged")
	assert.Contains(t, logs.String(), "msg=\"federation link\"")
}
