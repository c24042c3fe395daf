package transport

import "sync"

// queueBytes bounds the encoded bytes of the outbound queue: what waits
// in it plus the write the writer is doing, so that a slow server holds at
// most OutboundQueueBytes of output whatever the stanza sizes. The driver
// takes room before it queues a stanza; the writer gives it back once the
// write that carried the stanza returned.
type queueBytes struct {
	mu    sync.Mutex
	used  int64
	limit int64
	// room gets a token (without blocking) after every release, for a
	// driver waiting to take.
	room  chan struct{}
	stats *counters
}

func newQueueBytes(limit int64, stats *counters) *queueBytes {
	return &queueBytes{limit: limit, room: make(chan struct{}, 1), stats: stats}
}

// take reserves n bytes; it reports false, reserving nothing, when they do
// not fit. A stanza is never larger than the limit (New checks that
// MaxOutboundSize fits), so an empty queue always has room.
func (q *queueBytes) take(n int64) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.used+n > q.limit {
		return false
	}
	q.used += n
	q.stats.queuedBytes.Add(n)
	if q.used > q.stats.peakQueuedBytes.Load() {
		q.stats.peakQueuedBytes.Store(q.used)
	}
	return true
}

// release gives n bytes back and wakes a waiting driver.
func (q *queueBytes) release(n int64) {
	q.mu.Lock()
	q.used -= n
	q.stats.queuedBytes.Add(-n)
	q.mu.Unlock()
	select {
	case q.room <- struct{}{}:
	default:
	}
}

// releaseAll gives back everything still reserved, once the session has
// ended and its queue was discarded.
func (q *queueBytes) releaseAll() {
	q.mu.Lock()
	n := q.used
	q.mu.Unlock()
	q.release(n)
}
