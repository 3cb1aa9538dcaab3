package spool

import (
	"fmt"
	"os"
	"path/filepath"
)

// flushLoop is the one goroutine that writes: it takes everything buffered,
// writes it with one write and one fsync, and then releases the Appends of
// that group. Appends arriving during the fsync fill the next buffer, so
// under load one fsync covers many records.
func (s *Spool) flushLoop() {
	defer close(s.flushDone)
	for {
		s.mu.Lock()
		for s.grp == nil && !s.halt {
			s.wake.Wait()
		}
		if s.grp == nil {
			s.mu.Unlock()
			return
		}
		buf, g, closeCur := s.buf, s.grp, s.closeCur
		s.buf, s.grp, s.spare, s.closeCur = s.spare[:0], nil, nil, false
		s.mu.Unlock()

		if closeCur && s.f != nil {
			// Every record of the open segment is done: close it so that
			// Sync can retire it (a new one is started on the next write).
			s.f.Close()
			s.f = nil
			s.mu.Lock()
			s.cur.open = false
			s.mu.Unlock()
		}
		var err error
		if len(buf) > 0 {
			err = s.write(buf, len(g.seqs) > 0 || g.sync)
		}

		s.mu.Lock()
		if err != nil {
			s.bytes -= int64(len(buf))
		} else if len(g.seqs) > 0 {
			for _, seq := range g.seqs {
				s.where[seq] = s.cur
			}
			s.cur.pending += len(g.seqs)
		}
		s.spare = buf[:0]
		s.mu.Unlock()
		if err == nil {
			s.records.Add(int64(len(g.seqs)))
		}
		g.err = err
		close(g.done)
	}
}

// write appends buf to the open segment, starting a new one when it is
// past SegmentBytes, and fsyncs it when sync (the buffer holds data
// records; marks alone need no fsync). On an error (a full disk) the
// segment is cut back to where it was, so that no partial record stays
// before the next one.
func (s *Spool) write(buf []byte, sync bool) error {
	if s.f == nil || s.cur.size >= s.opts.SegmentBytes {
		if err := s.rotate(); err != nil {
			return err
		}
	}
	at := s.cur.size
	_, err := s.f.WriteAt(buf, at)
	if err == nil && sync {
		s.syncs.Add(1)
		err = s.f.Sync()
	}
	if err != nil {
		if terr := s.f.Truncate(at); terr != nil {
			// The segment's tail is unknown; Open cuts it.
			s.log.Error("spool: cannot cut a failed write", "segment", s.cur.path, "err", terr)
		}
		// The next records go to a new segment, and this one is closed,
		// so Sync can delete it once its records are done: on a disk
		// that is full, the space a segment holds must come back even
		// when the segment never reaches SegmentBytes.
		s.f.Close()
		s.f = nil
		s.mu.Lock()
		s.cur.open = false
		s.mu.Unlock()
		return fmt.Errorf("spool: write: %w", err)
	}
	s.mu.Lock()
	s.cur.size += int64(len(buf))
	s.mu.Unlock()
	return nil
}

// rotate closes the open segment and creates the next one. The directory
// is fsynced so that the new file's name survives a power loss before any
// record in it is acknowledged.
func (s *Spool) rotate() error {
	path := filepath.Join(s.dir, fmt.Sprintf("%016x%s", s.nextIndex, segSuffix))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("spool: new segment: %w", err)
	}
	if err := syncDir(s.dir); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("spool: new segment: %w", err)
	}
	if s.f != nil {
		s.f.Close()
	}
	s.nextIndex++
	seg := &segment{index: s.nextIndex - 1, path: path, open: true}
	s.mu.Lock()
	if s.cur != nil {
		s.cur.open = false
	}
	s.cur, s.f = seg, f
	s.segs = append(s.segs, seg)
	s.mu.Unlock()
	return nil
}

// syncDir fsyncs a directory, making the creation and removal of its
// entries durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
