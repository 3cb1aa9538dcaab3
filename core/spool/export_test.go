package spool

// Crash stops s as kill -9 would: records being written are dropped (their
// Appends fail), no mark is written, nothing is retired, the lock is freed.
func (s *Spool) Crash() {
	s.closeOnce.Do(func() {
		close(s.bgQuit)
		<-s.bgDone
		s.mu.Lock()
		s.closed, s.halt = true, true
		g := s.grp
		s.buf, s.grp = nil, nil
		s.wake.Broadcast()
		s.mu.Unlock()
		if g != nil {
			g.err = ErrClosed
			close(g.done)
		}
		<-s.flushDone
		if s.f != nil {
			s.f.Close()
		}
		s.lock.Close()
	})
}
