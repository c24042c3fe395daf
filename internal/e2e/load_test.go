package e2e

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/internal/perf"
	"github.com/xmppfmuc/fmuc/internal/servers"
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
	// LoadOutEnv names a file the figures are also written to (Markdown).
	LoadOutEnv = "FMUC_LOAD_OUT"
)

func envInt(t *testing.T, key string) int {
	t.Helper()
	v := os.Getenv(key)
	if v == "" {
		return 0 // the default of perf.ServersOptions
	}
	n, err := strconv.Atoi(v)
	require.NoError(t, err, key)
	return n
}

// TestLoad measures the node (the node binary run as its own process, the
// component of a Prosody) and Prosody's own MUC on the same Prosody, side
// by side, at each room size, with perf.ServersComponent: N clients join,
// 10 of them (or N if fewer) send M messages each at the given total rate.
// It is the first part of the "real servers" section of examples/bench.
func TestLoad(t *testing.T) {
	if os.Getenv(LoadEnv) != "1" {
		t.Skip("set " + LoadEnv + "=1 to run the load comparison")
	}
	var sizes []int
	if v := os.Getenv(LoadSizesEnv); v != "" {
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			require.NoError(t, err)
			sizes = append(sizes, n)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Minute)
	defer cancel()
	var r perf.Report
	err := perf.ServersComponent(ctx, &r, perf.ServersOptions{
		Sizes: sizes, Messages: envInt(t, LoadMessagesEnv), Rate: float64(envInt(t, LoadRateEnv)),
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
	})
	if errors.Is(err, perf.ErrNoServers) && os.Getenv(servers.RequireEnv) != "1" {
		t.Skip(err)
	}
	require.NoError(t, err)
	var b strings.Builder
	require.NoError(t, r.Write(&b))
	t.Log("\n" + b.String())
	if p := os.Getenv(LoadOutEnv); p != "" {
		f, err := os.Create(p)
		require.NoError(t, err)
		defer f.Close()
		require.NoError(t, r.WriteMarkdown(f))
	}
}
