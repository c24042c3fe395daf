package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/examples/node/mucnode"
	"github.com/xmppfmuc/fmuc/internal/loadtest"
	"github.com/xmppfmuc/fmuc/internal/servers"
	"github.com/xmppfmuc/fmuc/internal/xmppclient"
	"github.com/xmppfmuc/fmuc/stanza"
)

// Load test settings (environment).
const (
	// LoadEnv=1 enables TestLoad.
	LoadEnv = "FMUC_LOAD"
	// LoadSizesEnv lists the room sizes, default "10,100,1000".
	LoadSizesEnv = "FMUC_LOAD_SIZES"
	// LoadMessagesEnv is the messages per sender, default 20.
	LoadMessagesEnv = "FMUC_LOAD_MESSAGES"
	// LoadRateEnv is the total messages per second, default 20.
	LoadRateEnv = "FMUC_LOAD_RATE"
	// LoadOutEnv names a file the tables are also written to.
	LoadOutEnv = "FMUC_LOAD_OUT"
)

func envInt(t *testing.T, key string, def int) int {
	t.Helper()
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	require.NoError(t, err, key)
	return n
}

// TestLoad measures the node (room@rooms.wonderland.lit, the node binary
// run as its own process) and Prosody's own MUC (room@conference...) on the
// same Prosody, side by side, at each room size: N clients join, 10 of them
// (or N if fewer) send M messages each at the given total rate. CPU is
// reported for both processes: during the send-and-drain phase (the
// loadtest table) and over the whole room run including logins and joins.
func TestLoad(t *testing.T) {
	if os.Getenv(LoadEnv) != "1" {
		t.Skip("set " + LoadEnv + "=1 to run the load comparison")
	}
	var sizes []int
	for _, f := range strings.Split(cmp(os.Getenv(LoadSizesEnv), "10,100,1000"), ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		require.NoError(t, err)
		sizes = append(sizes, n)
	}
	maxN := 0
	for _, n := range sizes {
		maxN = max(maxN, n)
	}
	msgs := envInt(t, LoadMessagesEnv, 20)
	rate := envInt(t, LoadRateEnv, 20)

	srv := servers.StartProsody(t, servers.ProsodyOptions{Accounts: servers.Accounts("user", maxN, password)})

	// The node as its own process, for its CPU figure.
	bin := filepath.Join(t.TempDir(), "node")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/xmppfmuc/fmuc/examples/node").CombinedOutput()
	require.NoError(t, err, "%s", out)
	var nodeLog logBuffer
	// The node runs with its default outbound queue: in a 1,000-occupant
	// join storm Prosody reads the component stream slower than the node
	// writes it, and the transport's back-pressure (not drops) absorbs it.
	// The senders' rate may be above one occupant's message rate: the
	// load measurement runs without it, and without the crowded-room
	// limit, so that both services relay the same presence.
	cmd := exec.Command(bin, "-server", srv.ComponentAddr(), "-domain", srv.ComponentDomain,
		"-log-level", "warn", "-message-burst", "-1", "-max-broadcast-presence", "-1", "-data-dir", "")
	cmd.Env = append(os.Environ(), mucnode.SecretEnv+"="+srv.ComponentSecret)
	nodeLogFile, err := os.CreateTemp("", "fmuc-load-node-*.log")
	require.NoError(t, err)
	defer nodeLogFile.Close()
	t.Logf("node log: %s", nodeLogFile.Name())
	cmd.Stderr = io.MultiWriter(&nodeLog, nodeLogFile)
	require.NoError(t, cmd.Start())
	nodeDone := make(chan error, 1)
	go func() { nodeDone <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-nodeDone:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-nodeDone
		}
		if t.Failed() {
			t.Logf("node log:\n%s", nodeLog.String())
		}
	})
	waitNodeProcess(t, srv)

	var report bytes.Buffer
	fmt.Fprintf(&report, "prosody pid %d, node pid %d; %d messages per sender, %d msg/s total\n",
		srv.PID(), cmd.Process.Pid, msgs, rate)
	for _, n := range sizes {
		rooms := []stanza.JID{
			stanza.MustParse(fmt.Sprintf("load%d@%s", n, srv.ComponentDomain)),
			stanza.MustParse(fmt.Sprintf("load%d@%s", n, srv.MUCDomain)),
		}
		var results []loadtest.Result
		var totals []string
		for _, room := range rooms {
			before := cpu(t, srv.PID(), cmd.Process.Pid)
			begin := time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Minute)
			res, err := loadtest.Run(ctx, loadtest.Config{
				Addr: srv.C2SAddr(), Domain: srv.Domain, UserPrefix: "user", Password: password,
				Rooms: []stanza.JID{room}, Clients: n, Senders: min(n, 10), Messages: msgs,
				Rate: float64(rate), PIDs: []int{srv.PID(), cmd.Process.Pid},
				// A 1,000-occupant join is a million presence stanzas
				// through the server: give it time, and the deliveries
				// time to drain.
				JoinTimeout: 20 * time.Minute,
				Drain:       30*time.Second + time.Duration(n)*300*time.Millisecond,
				Logger:      slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
			})
			cancel()
			require.NoError(t, err, "room %s", room)
			after := cpu(t, srv.PID(), cmd.Process.Pid)
			results = append(results, res...)
			totals = append(totals, fmt.Sprintf("%s: whole run %v, CPU prosody %.2f s, node %.2f s",
				room, time.Since(begin).Round(time.Millisecond), (after[0]-before[0]).Seconds(), (after[1]-before[1]).Seconds()))
			time.Sleep(2 * time.Second) // let the leaves settle before the next room
		}
		fmt.Fprintf(&report, "\n### N = %d\n\n", n)
		require.NoError(t, loadtest.WriteTable(&report, results))
		for _, l := range totals {
			fmt.Fprintln(&report, l)
		}
		// Report each size as soon as it is measured.
		t.Log("\n" + report.String())
		if p := os.Getenv(LoadOutEnv); p != "" {
			require.NoError(t, os.WriteFile(p, report.Bytes(), 0o644))
		}
	}
	select {
	case err := <-nodeDone:
		t.Fatalf("the node exited during the run: %v\n%s", err, nodeLog.String())
	default:
	}
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// cpu returns the CPU time used so far by each pid.
func cpu(t *testing.T, pids ...int) []time.Duration {
	t.Helper()
	out := make([]time.Duration, len(pids))
	for i, p := range pids {
		d, err := loadtest.CPUTime(p)
		require.NoError(t, err)
		out[i] = d
	}
	return out
}

// waitNodeProcess waits until the node answers disco#info through Prosody.
func waitNodeProcess(t *testing.T, srv *servers.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := xmppclient.Dial(ctx, srv.C2SAddr(), stanza.MustParse("user1@"+srv.Domain+"/probe"), password)
	require.NoError(t, err)
	defer c.Close()
	svc := stanza.MustParse(srv.ComponentDomain)
	for i := 0; ; i++ {
		id := fmt.Sprintf("probe%d", i)
		send(t, c, fmt.Sprintf(`<iq type='get' id='%s' to='%s'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`, id, svc))
		res, err := c.Expect(ctx, xmppclient.ByID(id))
		require.NoError(t, err, "the node never answered")
		if res.Head().Type == stanza.IQResult {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}
