package muc

// slab hands out pointers into one backing array, so that a fan-out of n
// stanzas costs one allocation instead of n. The stanzas of one slab stay
// in memory together until the last of them is dropped; an embedder sends
// an Output and drops it, so this is short-lived.
type slab[T any] struct{ buf []T }

func newSlab[T any](n int) *slab[T] {
	return &slab[T]{buf: make([]T, n)}
}

// next returns a pointer to a fresh zero T.
func (s *slab[T]) next() *T {
	if len(s.buf) == 0 {
		s.buf = make([]T, 8)
	}
	p := &s.buf[0]
	s.buf = s.buf[1:]
	return p
}
