package transport

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestGatherBatchesWaitingStanzas(t *testing.T) {
	s := &session{queue: make(chan []byte, 8)}
	var batch []byte

	b, n := s.gather([]byte("<a/>"), &batch)
	assert.Equal(t, "<a/>", string(b), "nothing waiting: the stanza alone")
	assert.Equal(t, 1, n)

	s.queue <- []byte("<b/>")
	s.queue <- []byte("<c/>")
	b, n = s.gather([]byte("<a/>"), &batch)
	assert.Equal(t, "<a/><b/><c/>", string(b))
	assert.Equal(t, 3, n)
	assert.Empty(t, s.queue)

	// A batch stops growing once it reaches maxBatch.
	big := bytes.Repeat([]byte("x"), maxBatch/2)
	for range 4 {
		s.queue <- big
	}
	b, n = s.gather(big, &batch)
	assert.Equal(t, 2, n)
	assert.Len(t, b, maxBatch)
	assert.Len(t, s.queue, 3)
}
