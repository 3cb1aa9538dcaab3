package http

import "time"

// SetMinidumpQueueWait shortens how long a minidump upload waits for room
// in a full pipeline, for tests; the returned func restores it.
func SetMinidumpQueueWait(d time.Duration) (restore func()) {
	old := minidumpQueueWait
	minidumpQueueWait = d
	return func() { minidumpQueueWait = old }
}

// BodyBytesHeld is what requests being read hold of the body budget now.
func (s *Server) BodyBytesHeld() int64 { return s.bodyHeld.Load() }
