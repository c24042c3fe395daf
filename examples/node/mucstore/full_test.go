package mucstore

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// fullEnv names the data directory of the child process of
// TestWriteErrorKeepsData.
const fullEnv = "MUCSTORE_FULL_DIR"

// fillBatch is batch i of the filling loop: one room record and 50
// archived messages.
func fillBatch(i int) *Batch {
	room := stanza.MustParse("full@muc.example")
	cfg := muc.DefaultConfig()
	cfg.Persistent = true
	b := &Batch{Rooms: []muc.State{{JID: room, Config: cfg, Subject: muc.Subject{Text: "batch " + strconv.Itoa(i)}}}}
	for k := range 50 {
		sid := fmt.Sprintf("s%d-%d", i, k)
		b.Archive = append(b.Archive, ArchiveAppend{Room: room, Entry: muc.ArchiveEntry{StanzaID: sid, Nick: "A", Stamp: t0,
			Payload: []stanza.Element{stanza.StanzaID{ID: sid, By: room}.Element()}}})
	}
	return b
}

// TestWriteErrorKeepsData fills a store in a child process whose file
// size is limited (RLIMIT_FSIZE: writes past it fail with EFBIG, as they
// fail with ENOSPC on a full disk) until Apply fails, then checks that
// every batch Apply acknowledged is there, none of the failed one, and
// that the store takes writes again once there is room.
func TestWriteErrorKeepsData(t *testing.T) {
	if dir := os.Getenv(fullEnv); dir != "" {
		fillUntilFull(dir)
		return
	}
	dir := t.TempDir()
	s, err := Open(dir)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	cmd := exec.Command(os.Args[0], "-test.run=^TestWriteErrorKeepsData$")
	cmd.Env = append(os.Environ(), fullEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	var acked int
	var msg string
	for _, l := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(l, "acked "); ok {
			n, _ := fmt.Sscanf(rest, "%d", &acked)
			require.Equal(t, 1, n)
		}
		if rest, ok := strings.CutPrefix(l, "error "); ok {
			msg = rest
		}
	}
	require.NotEmpty(t, msg, "%s", out)
	require.Greater(t, acked, 0)
	t.Logf("%d batches acknowledged, then: %s", acked, msg)

	s, err = Open(dir)
	require.NoError(t, err)
	defer s.Close()
	snap, err := s.Load()
	require.NoError(t, err)
	require.Len(t, snap.Rooms, 1)
	require.Equal(t, "batch "+strconv.Itoa(acked-1), snap.Rooms[0].Subject.Text, "the last acknowledged batch, not the failed one")
	require.Len(t, snap.Rooms[0].Archive, 50*acked)
	require.NoError(t, s.Apply(fillBatch(acked)), "writable again")
}

// fillUntilFull is the child: it prints "acked N" and "error ..." and
// exits 0.
func fillUntilFull(dir string) {
	lim := syscall.Rlimit{Cur: 512 << 10, Max: 512 << 10}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		fmt.Println("setrlimit:", err)
		os.Exit(1)
	}
	s, err := Open(dir)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	for i := 0; i < 100000; i++ {
		if err := s.Apply(fillBatch(i)); err != nil {
			fmt.Printf("acked %d\nerror %v\n", i, err)
			_ = s.Close()
			os.Exit(0)
		}
	}
	fmt.Println("never full")
	os.Exit(1)
}
