package transport

import (
	"context"
	"log/slog"
	"sync"
)

// logRecord is one log call seen by a recorder.
type logRecord struct {
	msg   string
	attrs map[string]slog.Value
}

// recorder is a slog.Handler that keeps every record, so that tests can
// wait for an event (a retry, a loss) instead of guessing its timing.
type recorder struct {
	mu      sync.Mutex
	records []logRecord
	// notify gets a value (without blocking) after each record.
	notify chan struct{}
}

func newRecorder() *recorder { return &recorder{notify: make(chan struct{}, 1)} }

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }

func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	lr := logRecord{msg: rec.Message, attrs: map[string]slog.Value{}}
	rec.Attrs(func(a slog.Attr) bool {
		lr.attrs[a.Key] = a.Value
		return true
	})
	r.mu.Lock()
	r.records = append(r.records, lr)
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
	return nil
}

func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

// find returns the records whose message is msg.
func (r *recorder) find(msg string) []logRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []logRecord
	for _, lr := range r.records {
		if lr.msg == msg {
			out = append(out, lr)
		}
	}
	return out
}
