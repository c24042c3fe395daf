package fmuc_test

import (
	"flag"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/fmuc"
	"github.com/xmppfmuc/fmuc/fmuc/fmuctest"
	"github.com/xmppfmuc/fmuc/internal/muctest"
	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata/golden")

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// world is a federation of services on one fmuctest network.
type world struct {
	t    *testing.T
	net  *fmuctest.Network
	svcs map[string]*fmuc.Service
	evs  map[string][]fmuc.Event
	// limits are the muc.Limits of the services added.
	limits muc.Limits
}

func newWorld(t *testing.T) *world {
	w := &world{t: t, net: fmuctest.New(t0), svcs: map[string]*fmuc.Service{}, evs: map[string][]fmuc.Event{}}
	w.net.Record = true
	return w
}

// service adds a federated MUC service for domain; change may adjust its
// options.
func (w *world) service(domain string, change func(*fmuc.Options)) *fmuc.Service {
	w.t.Helper()
	ids := 0
	prefix := strings.SplitN(domain, ".", 2)[1]
	prefix = strings.SplitN(prefix, ".", 2)[0]
	opts := fmuc.Options{
		Domain: stanza.MustParse(domain),
		NewID:  func() string { ids++; return prefix + strconv.Itoa(ids) },
		MUC:    muc.ServiceOptions{Limits: w.limits},
	}
	opts.OnEvents = func(es []fmuc.Event) { w.evs[domain] = append(w.evs[domain], es...) }
	if change != nil {
		change(&opts)
	}
	s, err := fmuc.NewService(opts)
	require.NoError(w.t, err)
	w.svcs[domain] = s
	w.net.Add(domain, s)
	return s
}

// send queues a stanza given as XML and stabilizes the network.
func (w *world) send(xml string) {
	w.t.Helper()
	require.NoError(w.t, w.net.SendXML(xml))
	_, err := w.net.Stabilize()
	require.NoError(w.t, err)
}

// got returns (and forgets) what the client jid received, as XML.
func (w *world) got(jid string) []string {
	var out []string
	for _, s := range w.net.Received(stanza.MustParse(jid)) {
		out = append(out, string(stanza.Encode(s)))
	}
	return out
}

// events returns (and forgets) the events of the service of domain.
func (w *world) events(domain string) []fmuc.Event {
	e := w.evs[domain]
	w.evs[domain] = nil
	return e
}

// golden compares the recorded traffic with testdata/golden/name.txt.
func (w *world) golden(name string, lines []string) {
	w.t.Helper()
	muctest.Golden(w.t, filepath.Join("testdata", "golden", name+".txt"), strings.Join(lines, "\n")+"\n", *update)
}
