package servers

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/net/dns/dnsmessage"
)

// DNS is a tiny loopback DNS server that lets Prosody and ejabberd
// instances find each other for s2s without touching /etc/hosts: it answers
// _xmpp-server._tcp.DOMAIN SRV with target localhost and the instance's
// loopback s2s port, DOMAIN and localhost A with 127.0.0.1, and NXDOMAIN
// for anything else. Prosody's
// libunbound resolver is pointed at it with the `unbound` option
// (forward = "127.0.0.1@PORT", everything DNSSEC-insecure); ejabberd's
// Erlang resolver with an ERL_INETRC file naming it as the only nameserver.
type DNS struct {
	conn *net.UDPConn
	done chan struct{}

	mu    sync.Mutex
	ports map[string]int // lower-case domain -> s2s port
}

// StartDNS starts a DNS server on a free loopback UDP port. Close stops it.
func StartDNS() (*DNS, error) {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	d := &DNS{conn: c, done: make(chan struct{}), ports: map[string]int{}}
	go d.serve()
	return d, nil
}

// Addr returns the server's address as libunbound's forward option wants
// it: 127.0.0.1@PORT.
func (d *DNS) Addr() string {
	return "127.0.0.1@" + strconv.Itoa(d.Port())
}

// Port returns the server's UDP port.
func (d *DNS) Port() int { return d.conn.LocalAddr().(*net.UDPAddr).Port }

// Add makes domain's XMPP server reachable at the loopback s2s port.
func (d *DNS) Add(domain string, s2sPort int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ports[strings.ToLower(strings.TrimSuffix(domain, "."))] = s2sPort
}

// Close stops the server and waits for it.
func (d *DNS) Close() error {
	err := d.conn.Close()
	<-d.done
	return err
}

func (d *DNS) serve() {
	defer close(d.done)
	buf := make([]byte, 1500)
	for {
		n, from, err := d.conn.ReadFromUDP(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		if resp, ok := d.answer(buf[:n]); ok {
			_, _ = d.conn.WriteToUDP(resp, from)
		}
	}
}

// answer builds the response to one query; ok is false for garbage.
func (d *DNS) answer(q []byte) ([]byte, bool) {
	var p dnsmessage.Parser
	h, err := p.Start(q)
	if err != nil || h.Response {
		return nil, false
	}
	question, err := p.Question()
	if err != nil {
		return nil, false
	}
	rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired, RecursionAvailable: true}
	name := strings.ToLower(strings.TrimSuffix(question.Name.String(), "."))
	d.mu.Lock()
	port := 0
	if rest, ok := strings.CutPrefix(name, "_xmpp-server._tcp."); ok {
		port = d.ports[rest]
	}
	_, known := d.ports[name]
	known = known || name == "localhost"
	d.mu.Unlock()

	b := dnsmessage.NewBuilder(nil, rh)
	b.EnableCompression()
	rhdr := dnsmessage.ResourceHeader{Name: question.Name, Class: dnsmessage.ClassINET, TTL: 1}
	var body func() error
	switch {
	case question.Type == dnsmessage.TypeSRV && port != 0:
		// The target is "localhost." rather than the domain: ejabberd
		// resolves SRV targets with the system's getaddrinfo, which knows
		// localhost but not our domains.
		target, err := dnsmessage.NewName("localhost.")
		if err != nil {
			return nil, false
		}
		body = func() error {
			return b.SRVResource(rhdr, dnsmessage.SRVResource{Priority: 0, Weight: 0, Port: uint16(port), Target: target})
		}
	case question.Type == dnsmessage.TypeA && known:
		body = func() error { return b.AResource(rhdr, dnsmessage.AResource{A: [4]byte{127, 0, 0, 1}}) }
	case known || port != 0:
		// The name exists, without records of this type (NODATA).
	default:
		rh.RCode = dnsmessage.RCodeNameError
		b = dnsmessage.NewBuilder(nil, rh)
	}
	if err := b.StartQuestions(); err != nil {
		return nil, false
	}
	if err := b.Question(question); err != nil {
		return nil, false
	}
	if body != nil {
		if err := b.StartAnswers(); err != nil {
			return nil, false
		}
		if err := body(); err != nil {
			return nil, false
		}
	}
	out, err := b.Finish()
	return out, err == nil
}
