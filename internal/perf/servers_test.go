package perf_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/internal/perf"
	"github.com/xmppfmuc/fmuc/internal/servers"
)

// TestServers runs the real-server section at a tiny size and checks that
// every figure is there and that every message reached every occupant.
func TestServers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var r perf.Report
	err := perf.Servers(ctx, &r, perf.ServersOptions{
		Sizes: []int{3}, RemoteSizes: []int{3}, Senders: 2, Messages: 3, Rate: 100,
		ShapeStanzas: 200, ShapeReceivers: 3, ShapeRounds: 1,
	})
	if errors.Is(err, perf.ErrNoServers) && os.Getenv(servers.RequireEnv) != "1" {
		t.Skip(err)
	}
	require.NoError(t, err)
	var b strings.Builder
	require.NoError(t, r.Write(&b))
	t.Log("\n" + b.String())

	got := map[string]string{}
	for _, f := range r.Figures {
		assert.Equal(t, perf.ServersSection, f.Section)
		assert.NotEmpty(t, f.Conditions, f.Name)
		got[f.Name] = f.Value
	}
	runs := map[string][]string{
		"node (component), 3 occupants":                   {"Prosody", "node"},
		"Prosody MUC, 3 occupants":                        {"Prosody", "node"},
		"plain over s2s, A's Prosody MUC, 3 remote users": {"Prosody A", "Prosody B", "node A", "node B"},
		"plain over s2s, A's node, 3 remote users":        {"Prosody A", "Prosody B", "node A", "node B"},
		"fmuc, B's node federated with A's, 3 users":      {"Prosody A", "Prosody B", "node A", "node B"},
	}
	// 2 senders × 3 messages, each reflected to all 3 occupants.
	want := fmt.Sprintf("%d of %d", 2*3*3, 2*3*3)
	for run, procs := range runs {
		assert.Equal(t, want, got[run+": delivered"], run)
		names := []string{"deliveries/s", "latency p50", "latency p99"}
		for _, p := range append(procs, "load clients") {
			names = append(names, "CPU per delivery, "+p)
		}
		if strings.Contains(run, "remote") || strings.Contains(run, "fmuc") {
			names = append(names, "s2s bytes per message")
		}
		for _, n := range names {
			assert.NotEmpty(t, got[run+": "+n], "%s: %s", run, n)
		}
	}
	shapes := 0
	for name := range got {
		if strings.HasPrefix(name, "component stanza ") && strings.HasSuffix(name, "Prosody CPU per stanza") {
			shapes++
		}
	}
	assert.Positive(t, shapes, "component stanza shapes measured")
}
