package spool

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ErrFull is returned by Append when the spool holds Options.MaxBytes: the
// record is not written. Records that are done and synced free space.
var ErrFull = errors.New("spool: full")

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("spool: closed")

// Options tunes a spool; zero values take defaults.
type Options struct {
	// MaxBytes bounds the bytes of the segment files plus the records
	// waiting to be written (default 1 GiB). One record is always let in
	// when the spool is empty, so a record larger than MaxBytes is not
	// refused forever.
	MaxBytes int64
	// SegmentBytes is the size past which a new segment file is started
	// (default 16 MiB): the unit in which space is given back.
	SegmentBytes int64
	// RetireEvery is how often Sync runs in the background (default 1s;
	// negative: never, only when called).
	RetireEvery time.Duration
	// Barrier, when set, is called by Sync before it marks records done:
	// it must return nil only once every database commit that finished
	// before the call is durable (for SQLite with synchronous=NORMAL, an
	// fsync of its WAL and database files). Nil means commits are durable
	// when they finish (Postgres, SQLite with synchronous=FULL).
	Barrier func() error
	// Logger receives what the spool cut or could not do (default: none).
	Logger *slog.Logger
}

// Stats are a spool's counters.
type Stats struct {
	Records   int64 // data records appended since Open
	Syncs     int64 // fsyncs of segment files since Open
	Bytes     int64 // bytes held (segment files and the write buffer)
	Segments  int   // segment files
	Pending   int   // records appended (or found at Open) and not yet marked done
	Truncated int64 // torn or corrupt tails cut at Open
}

// Spool is a write-ahead log of opaque records in segment files in one
// directory. Its methods are safe for concurrent use.
type Spool struct {
	dir  string
	opts Options
	log  *slog.Logger
	lock *os.File // the directory's lock file, held while open

	mu      sync.Mutex
	wake    *sync.Cond // signals the flusher
	buf     []byte     // encoded records waiting for the flusher
	spare   []byte
	grp     *group // the Appends whose records are in buf
	nextSeq uint64
	bytes   int64
	segs    []*segment          // oldest first; the last may be open
	where   map[uint64]*segment // every record not yet marked done
	done    []uint64            // Done and waiting for Sync's barrier
	replay  []loc               // records found at Open and not done, by seq
	closed  bool                // Append refuses
	halt    bool                // the flusher exits once buf is empty
	// closeCur asks the flusher to close the open segment (its records
	// are all done) before it writes grp.
	closeCur bool

	// Owned by the flusher goroutine.
	f         *os.File
	cur       *segment
	nextIndex uint64

	syncMu    sync.Mutex // one Sync at a time
	syncFail  bool       // the last Sync failed (logged once)
	kick      chan struct{}
	flushDone chan struct{}
	bgQuit    chan struct{}
	bgDone    chan struct{}
	closeOnce sync.Once
	closeErr  error

	records, syncs, truncated atomic.Int64
}

// segment is one file of the spool.
type segment struct {
	index   uint64
	path    string
	size    int64 // bytes written (changed by the flusher under mu)
	pending int   // data records in it not yet marked done
	open    bool  // being written: never retired
}

// loc is a record found at Open and not yet done.
type loc struct {
	seq uint64
	seg *segment
	off int
}

// group is the Appends that share one write and one fsync.
type group struct {
	done chan struct{}
	err  error
	seqs []uint64
	sync bool // fsync even without data records (Probe)
}

const segSuffix = ".spool"

// Open opens (creating it when missing) the spool in dir, reads every
// segment, cuts a torn or corrupt tail, and holds the records not yet
// marked done for Replay. A directory is used by one spool at a time: a
// second Open of it, from this process or another, fails.
func Open(dir string, opts Options) (*Spool, error) {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 1 << 30
	}
	if opts.SegmentBytes <= 0 {
		opts.SegmentBytes = 16 << 20
	}
	if opts.RetireEvery == 0 {
		opts.RetireEvery = time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	s := &Spool{dir: dir, opts: opts, log: log, lock: lock, nextSeq: 1, where: map[uint64]*segment{},
		kick: make(chan struct{}, 1), flushDone: make(chan struct{}), bgQuit: make(chan struct{}), bgDone: make(chan struct{})}
	s.wake = sync.NewCond(&s.mu)
	if err := s.load(); err != nil {
		lock.Close()
		return nil, err
	}
	go s.flushLoop()
	go s.background()
	return s, nil
}

// load reads the segments of the directory in order.
func (s *Spool) load() error {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), segSuffix)
		if !ok || !e.Type().IsRegular() || len(name) != 16 {
			continue
		}
		index, err := strconv.ParseUint(name, 16, 64)
		if err != nil {
			continue
		}
		s.segs = append(s.segs, &segment{index: index, path: filepath.Join(s.dir, e.Name())})
	}
	slices.SortFunc(s.segs, func(a, b *segment) int { return cmpUint(a.index, b.index) })
	pend := map[uint64]loc{}
	for i, seg := range s.segs {
		s.nextIndex = seg.index + 1
		data, err := os.ReadFile(seg.path)
		if err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		off := 0
		for off < len(data) {
			r, n, ok := parse(data[off:])
			if !ok {
				break
			}
			switch r.typ {
			case recData:
				s.where[r.seq] = seg
				seg.pending++
				pend[r.seq] = loc{seq: r.seq, seg: seg, off: off}
				s.nextSeq = max(s.nextSeq, r.seq+1)
			case recDone:
				for _, seq := range r.done {
					if at, ok := s.where[seq]; ok {
						delete(s.where, seq)
						delete(pend, seq)
						at.pending--
					}
				}
			}
			off += n
		}
		seg.size = int64(off)
		if off < len(data) {
			s.truncated.Add(1)
			if i == len(s.segs)-1 {
				// The tail of the last segment: a write a crash cut short,
				// never acknowledged (an Append returns after the fsync
				// that covers its record, and nothing follows a torn write).
				s.log.Warn("spool: cutting a torn tail", "segment", seg.path, "at", off, "bytes", len(data)-off)
				if err := os.Truncate(seg.path, int64(off)); err != nil {
					return fmt.Errorf("spool: cut torn tail: %w", err)
				}
			} else {
				s.log.Error("spool: a segment is corrupt; the records after the damage cannot be read",
					"segment", seg.path, "at", off, "bytes", len(data)-off)
			}
		}
		s.bytes += int64(len(data))
	}
	for _, l := range pend {
		s.replay = append(s.replay, l)
	}
	slices.SortFunc(s.replay, func(a, b loc) int { return cmpUint(a.seq, b.seq) })
	return nil
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Replay calls fn, in the order they were appended, with every record found
// at Open that was not marked done (nor marked done since). The payload is
// valid only during the call. Each record stays in the spool until Done
// and a Sync mark it.
func (s *Spool) Replay(fn func(seq uint64, payload []byte)) error {
	s.mu.Lock()
	locs := s.replay
	s.replay = nil
	s.mu.Unlock()
	var data []byte
	var in *segment
	for _, l := range locs {
		if l.seg != in {
			var err error
			if data, err = os.ReadFile(l.seg.path); err != nil {
				return fmt.Errorf("spool: replay: %w", err)
			}
			in = l.seg
		}
		r, _, ok := parse(data[min(l.off, len(data)):])
		if !ok || r.typ != recData || r.seq != l.seq {
			return fmt.Errorf("spool: replay: record %d of %s changed since Open", l.seq, l.seg.path)
		}
		fn(r.seq, r.payload)
	}
	return nil
}

// Append writes payload as a new record and returns once it is on disk
// (written and fsynced), with the record's sequence number. Concurrent
// Appends share writes and fsyncs (group commit). It returns ErrFull, without
// writing, when the spool holds MaxBytes; ErrClosed after Close; or the
// error of the write or fsync (a full disk), and then the record does not
// count as appended.
func (s *Spool) Append(payload []byte) (uint64, error) {
	n := int64(dataOverhead + len(payload))
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return 0, ErrClosed
	}
	if s.bytes > 0 && s.bytes+n > s.opts.MaxBytes {
		s.mu.Unlock()
		s.poke()
		return 0, ErrFull
	}
	seq := s.nextSeq
	s.nextSeq++
	s.buf = appendData(s.buf, seq, payload)
	s.bytes += n
	g := s.group()
	g.seqs = append(g.seqs, seq)
	s.mu.Unlock()
	<-g.done
	if g.err != nil {
		return 0, g.err
	}
	return seq, nil
}

// Probe writes and fsyncs an empty record, to learn whether the spool's
// disk takes writes again after an Append failed (a full disk).
func (s *Spool) Probe() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	before := len(s.buf)
	s.buf = appendDone(s.buf, nil)
	s.bytes += int64(len(s.buf) - before)
	g := s.group()
	g.sync = true
	s.mu.Unlock()
	<-g.done
	return g.err
}

// Done records that the records seqs are stored. They are marked done (and
// their space given back) by the next Sync, after its barrier; until then a
// crash replays them. Unknown sequence numbers are ignored.
func (s *Spool) Done(seqs ...uint64) {
	s.mu.Lock()
	s.done = append(s.done, seqs...)
	s.mu.Unlock()
}

// Sync makes the records passed to Done durable as done: it calls the
// barrier, then writes their marks (no fsync is needed: a lost mark only
// replays a stored record) and deletes the oldest segments whose records
// are all done. It runs every Options.RetireEvery in the background.
func (s *Spool) Sync() error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	done := s.done
	s.done = nil
	s.mu.Unlock()
	if len(done) > 0 && s.opts.Barrier != nil {
		if err := s.opts.Barrier(); err != nil {
			s.mu.Lock()
			s.done = append(done, s.done...)
			s.mu.Unlock()
			return fmt.Errorf("spool: database barrier: %w", err)
		}
	}
	s.mu.Lock()
	marks := done[:0]
	for _, seq := range done {
		if seg, ok := s.where[seq]; ok {
			delete(s.where, seq)
			seg.pending--
			marks = append(marks, seq)
		}
	}
	var wait *group
	if len(marks) > 0 && !s.halt {
		before := len(s.buf)
		s.buf = appendDone(s.buf, marks)
		s.bytes += int64(len(s.buf) - before)
		wait = s.group()
	}
	if cur := s.cur; cur != nil && cur.open && cur.pending == 0 && cur.size >= s.retireOpenAt() && !s.halt {
		s.closeCur = true
		wait = s.group()
	}
	s.mu.Unlock()
	if wait != nil {
		// The marks are written (a crash may still lose them: harmless),
		// and the open segment is closed when it was asked to be.
		<-wait.done
	}
	s.mu.Lock()
	// Only a prefix is deleted: the marks of a segment's records are in
	// that segment or a later one, and must outlive the records.
	var gone []*segment
	for len(s.segs) > 0 && s.segs[0].pending == 0 && !s.segs[0].open {
		gone = append(gone, s.segs[0])
		s.segs = s.segs[1:]
	}
	s.mu.Unlock()
	return s.remove(gone)
}

// group returns the group of the records being buffered, creating it, and
// wakes the flusher. The caller holds mu.
func (s *Spool) group() *group {
	if s.grp == nil {
		s.grp = &group{done: make(chan struct{})}
		s.wake.Signal()
	}
	return s.grp
}

// retireOpenAt is the size from which an open segment whose records are
// all done is closed by Sync so that it can be retired: idle traffic must
// not keep a large segment (or a full spool) on disk.
func (s *Spool) retireOpenAt() int64 {
	return min(s.opts.SegmentBytes, s.opts.MaxBytes/8)
}

// remove deletes retired segments and makes the deletion durable, so a
// power loss cannot bring back a segment whose marks were deleted with it.
func (s *Spool) remove(gone []*segment) error {
	if len(gone) == 0 {
		return nil
	}
	var first error
	for _, seg := range gone {
		if err := os.Remove(seg.path); err != nil && !errors.Is(err, os.ErrNotExist) && first == nil {
			first = err
		}
		s.mu.Lock()
		s.bytes -= seg.size
		s.mu.Unlock()
	}
	if err := syncDir(s.dir); err != nil && first == nil {
		first = err
	}
	if first != nil {
		return fmt.Errorf("spool: retire: %w", first)
	}
	return nil
}

// poke asks the background loop for a Sync now (the spool is full).
func (s *Spool) poke() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// background runs Sync every RetireEvery and when poked.
func (s *Spool) background() {
	defer close(s.bgDone)
	var tick <-chan time.Time
	if s.opts.RetireEvery > 0 {
		t := time.NewTicker(s.opts.RetireEvery)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-s.bgQuit:
			return
		case <-tick:
		case <-s.kick:
		}
		err := s.Sync()
		switch {
		case err != nil && !s.syncFail:
			s.syncFail = true
			s.log.Error("spool: cannot mark stored events done; the spool keeps them", "err", err)
		case err == nil && s.syncFail:
			s.syncFail = false
			s.log.Info("spool: marking stored events done again")
		}
	}
}

// Stats returns the spool's counters.
func (s *Spool) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Records: s.records.Load(), Syncs: s.syncs.Load(), Bytes: s.bytes, Segments: len(s.segs),
		Pending: len(s.where), Truncated: s.truncated.Load()}
}

// Close stops appending, waits for the records being written, runs a last
// Sync, and deletes every segment when all their records are done (a clean
// stop leaves an empty directory). Records not done stay for the next Open.
func (s *Spool) Close() error {
	s.closeOnce.Do(func() {
		close(s.bgQuit)
		<-s.bgDone
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		err := s.Sync()
		s.stopFlusher()
		s.mu.Lock()
		var gone []*segment
		if len(s.where) == 0 && len(s.done) == 0 && err == nil {
			gone, s.segs = s.segs, nil
		}
		s.mu.Unlock()
		if rerr := s.remove(gone); err == nil {
			err = rerr
		}
		s.lock.Close()
		s.closeErr = err
	})
	return s.closeErr
}

// stopFlusher lets the flusher write what is buffered, then stops it and
// closes the open segment.
func (s *Spool) stopFlusher() {
	s.mu.Lock()
	s.halt = true
	s.wake.Broadcast()
	s.mu.Unlock()
	<-s.flushDone
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
	s.mu.Lock()
	if s.cur != nil {
		s.cur.open = false
	}
	s.mu.Unlock()
}
