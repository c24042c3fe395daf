package transport

import (
	"sync"
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// testMachine records what the Component tells it. By default it echoes
// every message back to its sender, from the address it was sent to.
type testMachine struct {
	mu       sync.Mutex
	changes  chan bool
	handled  chan stanza.Stanza
	ticked   chan time.Time
	deadline time.Time
	// onTick, onUp and onHandle override the default behaviour.
	onTick   func(now time.Time) []stanza.Stanza
	onUp     func() []stanza.Stanza
	onHandle func(in stanza.Stanza) []stanza.Stanza
}

func newTestMachine() *testMachine {
	return &testMachine{
		changes: make(chan bool, 64),
		handled: make(chan stanza.Stanza, 1024),
		ticked:  make(chan time.Time, 1024),
	}
}

func (m *testMachine) Handle(now time.Time, in stanza.Stanza) []stanza.Stanza {
	select {
	case m.handled <- in:
	default:
	}
	m.mu.Lock()
	f := m.onHandle
	m.mu.Unlock()
	if f != nil {
		return f(in)
	}
	msg, ok := in.(*stanza.Message)
	if !ok || msg.Type == stanza.MessageError {
		return nil
	}
	out := stanza.Clone(msg).(*stanza.Message)
	out.From, out.To = msg.To, msg.From
	return []stanza.Stanza{out}
}

func (m *testMachine) Tick(now time.Time) []stanza.Stanza {
	m.mu.Lock()
	m.deadline = time.Time{}
	f := m.onTick
	m.mu.Unlock()
	select {
	case m.ticked <- now:
	default:
	}
	if f != nil {
		return f(now)
	}
	return nil
}

func (m *testMachine) NextDeadline() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.deadline
}

func (m *testMachine) ConnectionChanged(now time.Time, up bool) []stanza.Stanza {
	m.changes <- up
	m.mu.Lock()
	f := m.onUp
	m.mu.Unlock()
	if up && f != nil {
		return f()
	}
	return nil
}
