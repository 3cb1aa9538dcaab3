package spool_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/periscope-hq/periscope/core/spool"
)

// MustOpen opens a spool in dir and closes it in Cleanup (a second Close
// by the test is harmless).
func MustOpen(tb testing.TB, dir string, opts spool.Options) *spool.Spool {
	tb.Helper()
	s, err := spool.Open(dir, opts)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// pending returns the payloads Replay hands out, in order.
func pending(tb testing.TB, s *spool.Spool) []string {
	tb.Helper()
	var out []string
	if err := s.Replay(func(seq uint64, payload []byte) { out = append(out, string(payload)) }); err != nil {
		tb.Fatalf("Replay: %v", err)
	}
	return out
}

func mustAppend(tb testing.TB, s *spool.Spool, payload string) uint64 {
	tb.Helper()
	seq, err := s.Append([]byte(payload))
	if err != nil {
		tb.Fatalf("Append(%q): %v", payload, err)
	}
	return seq
}

// segments returns the segment files of dir.
func segments(tb testing.TB, dir string) []string {
	tb.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.spool"))
	if err != nil {
		tb.Fatal(err)
	}
	sort.Strings(m)
	return m
}

func TestReplayReturnsWhatWasNotDone(t *testing.T) {
	dir := t.TempDir()
	s := MustOpen(t, dir, spool.Options{})
	a := mustAppend(t, s, "a")
	mustAppend(t, s, "b")
	c := mustAppend(t, s, "c")
	mustAppend(t, s, "d")
	s.Done(a, c)
	if err := s.Sync(); err != nil { // marks written (after the barrier)
		t.Fatal(err)
	}
	s.Crash() // as kill -9: nothing more is written
	s2 := MustOpen(t, dir, spool.Options{})
	if got, want := fmt.Sprint(pending(t, s2)), "[b d]"; got != want {
		t.Errorf("replayed %s, want %s", got, want)
	}
	// Records not yet marked done are kept across several restarts, and a
	// new record gets a sequence number of its own.
	e := mustAppend(t, s2, "e")
	if e == a || e == c {
		t.Errorf("new record reused sequence number %d", e)
	}
	s2.Crash()
	s3 := MustOpen(t, dir, spool.Options{})
	if got, want := fmt.Sprint(pending(t, s3)), "[b d e]"; got != want {
		t.Errorf("after a second restart: replayed %s, want %s", got, want)
	}
}

func TestDoneWithoutSyncIsReplayed(t *testing.T) {
	// Done alone does not write a mark: the database may not be durable
	// yet, so a crash before the barrier replays the record (and the store
	// finds it a duplicate).
	dir := t.TempDir()
	barriers := atomic.Int64{}
	s := MustOpen(t, dir, spool.Options{Barrier: func() error { barriers.Add(1); return nil }, RetireEvery: -1})
	a := mustAppend(t, s, "a")
	s.Done(a)
	s.Crash()
	s2 := MustOpen(t, dir, spool.Options{})
	if got := pending(t, s2); len(got) != 1 || got[0] != "a" {
		t.Errorf("replayed %q, want [a]: a mark was written before the barrier", got)
	}
	if barriers.Load() != 0 {
		t.Errorf("%d barriers without Sync", barriers.Load())
	}
}

func TestBarrierFailureWritesNoMark(t *testing.T) {
	dir := t.TempDir()
	fail := errors.New("disk gone")
	s := MustOpen(t, dir, spool.Options{Barrier: func() error { return fail }, RetireEvery: -1})
	a := mustAppend(t, s, "a")
	s.Done(a)
	if err := s.Sync(); !errors.Is(err, fail) {
		t.Errorf("Sync: %v, want the barrier's error", err)
	}
	s.Crash()
	s2 := MustOpen(t, dir, spool.Options{})
	if got := pending(t, s2); len(got) != 1 {
		t.Errorf("replayed %q, want [a]: the barrier failed", got)
	}
}

func TestGroupCommitSharesFsyncs(t *testing.T) {
	dir := t.TempDir()
	s := MustOpen(t, dir, spool.Options{})
	const writers, each = 32, 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[uint64]bool{}
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				seq, err := s.Append([]byte(fmt.Sprintf("w%d-%d", w, i)))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[seq] {
					t.Errorf("sequence number %d given twice", seq)
				}
				seen[seq] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	st := s.Stats()
	if st.Records != writers*each {
		t.Fatalf("%d records, want %d", st.Records, writers*each)
	}
	if st.Syncs == 0 || st.Syncs >= st.Records {
		t.Errorf("%d fsyncs for %d records from %d writers: want fewer fsyncs than records (group commit)", st.Syncs, st.Records, writers)
	}
	t.Logf("%d records, %d fsyncs (%.1f records per fsync)", st.Records, st.Syncs, float64(st.Records)/float64(st.Syncs))
	s.Crash()
	s2 := MustOpen(t, dir, spool.Options{})
	if got := len(pending(t, s2)); got != writers*each {
		t.Errorf("replayed %d, want %d", got, writers*each)
	}
}

func TestAppendIsOnDiskWhenItReturns(t *testing.T) {
	// Every Append that returned is covered by an fsync: the syncs counted
	// never lag behind the records acknowledged.
	dir := t.TempDir()
	s := MustOpen(t, dir, spool.Options{})
	for i := range 5 {
		mustAppend(t, s, "x")
		if st := s.Stats(); st.Syncs < int64(i+1) {
			t.Fatalf("after %d sequential appends, %d fsyncs", i+1, st.Syncs)
		}
	}
}

// lastSegment returns the newest segment file of dir.
func lastSegment(tb testing.TB, dir string) string {
	tb.Helper()
	segs := segments(tb, dir)
	if len(segs) == 0 {
		tb.Fatal("no segment file")
	}
	return segs[len(segs)-1]
}

func TestTornTailIsTruncated(t *testing.T) {
	for _, cut := range []int{1, 4, 7, 8, 9, 12} {
		t.Run(fmt.Sprint("cut", cut), func(t *testing.T) {
			dir := t.TempDir()
			s := MustOpen(t, dir, spool.Options{})
			mustAppend(t, s, "first")
			mustAppend(t, s, "second-record")
			s.Crash()
			seg := lastSegment(t, dir)
			data, err := os.ReadFile(seg)
			if err != nil {
				t.Fatal(err)
			}
			// A crash in the middle of writing the last record.
			if err := os.WriteFile(seg, data[:len(data)-cut], 0o600); err != nil {
				t.Fatal(err)
			}
			s2 := MustOpen(t, dir, spool.Options{})
			if got := fmt.Sprint(pending(t, s2)); got != "[first]" {
				t.Errorf("replayed %s, want [first]", got)
			}
			// The torn bytes are gone: a record appended now is read back.
			mustAppend(t, s2, "third")
			s2.Crash()
			s3 := MustOpen(t, dir, spool.Options{})
			if got := fmt.Sprint(pending(t, s3)); got != "[first third]" {
				t.Errorf("after appending past a torn tail: replayed %s, want [first third]", got)
			}
		})
	}
}

func TestZeroedTailIsTruncated(t *testing.T) {
	// A power loss may leave a file extended with zeros.
	dir := t.TempDir()
	s := MustOpen(t, dir, spool.Options{})
	mustAppend(t, s, "first")
	s.Crash()
	seg := lastSegment(t, dir)
	f, err := os.OpenFile(seg, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(make([]byte, 4096))
	f.Close()
	s2 := MustOpen(t, dir, spool.Options{})
	if got := fmt.Sprint(pending(t, s2)); got != "[first]" {
		t.Errorf("replayed %s, want [first]", got)
	}
}

func TestCRCMismatchStopsTheSegment(t *testing.T) {
	dir := t.TempDir()
	s := MustOpen(t, dir, spool.Options{})
	mustAppend(t, s, "good")
	mustAppend(t, s, "flipped")
	mustAppend(t, s, "after")
	s.Crash()
	seg := lastSegment(t, dir)
	data, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(data, []byte("flipped"))
	if i < 0 {
		t.Fatal("record not found in the segment")
	}
	data[i] ^= 0x20
	if err := os.WriteFile(seg, data, 0o600); err != nil {
		t.Fatal(err)
	}
	s2 := MustOpen(t, dir, spool.Options{})
	if got := fmt.Sprint(pending(t, s2)); got != "[good]" {
		t.Errorf("replayed %s, want [good] (nothing after a record whose CRC does not match)", got)
	}
	if st := s2.Stats(); st.Truncated == 0 {
		t.Error("Stats.Truncated is 0 after cutting a bad record")
	}
}

func TestHugeLengthIsNotAllocated(t *testing.T) {
	// A corrupt length field must not make Open allocate it.
	dir := t.TempDir()
	s := MustOpen(t, dir, spool.Options{})
	mustAppend(t, s, "ok")
	s.Crash()
	seg := lastSegment(t, dir)
	f, err := os.OpenFile(seg, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	var h [8]byte
	binary.LittleEndian.PutUint32(h[:], 0xfffffff0)
	f.Write(h[:])
	f.Close()
	s2 := MustOpen(t, dir, spool.Options{})
	if got := fmt.Sprint(pending(t, s2)); got != "[ok]" {
		t.Errorf("replayed %s, want [ok]", got)
	}
}

func TestRetireDeletesDoneSegments(t *testing.T) {
	dir := t.TempDir()
	var barriers atomic.Int64
	s := MustOpen(t, dir, spool.Options{SegmentBytes: 256, RetireEvery: -1, Barrier: func() error { barriers.Add(1); return nil }})
	var seqs []uint64
	for i := range 40 {
		seqs = append(seqs, mustAppend(t, s, fmt.Sprintf("record-%02d-%s", i, bytes.Repeat([]byte("x"), 40))))
	}
	if n := len(segments(t, dir)); n < 4 {
		t.Fatalf("%d segments for 40 records of 64 bytes with SegmentBytes 256, want several", n)
	}
	// The first record pins every segment: only a prefix of done segments
	// is deleted.
	s.Done(seqs[1:]...)
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	if barriers.Load() == 0 {
		t.Error("Sync did not call the barrier")
	}
	if n := len(segments(t, dir)); n < 4 {
		t.Errorf("%d segments left while the first record is pending, want all kept", n)
	}
	before := s.Stats().Bytes
	s.Done(seqs[0])
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	if n := len(segments(t, dir)); n > 1 {
		t.Errorf("%d segments left once every record is done, want at most the open one", n)
	}
	if after := s.Stats().Bytes; after >= before {
		t.Errorf("Stats.Bytes %d after retiring, was %d", after, before)
	}
	s.Crash()
	s2 := MustOpen(t, dir, spool.Options{})
	if got := pending(t, s2); len(got) != 0 {
		t.Errorf("replayed %d records after all were done", len(got))
	}
}

func TestCloseRetiresEverythingDone(t *testing.T) {
	dir := t.TempDir()
	s := MustOpen(t, dir, spool.Options{})
	a := mustAppend(t, s, "a")
	s.Done(a)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if segs := segments(t, dir); len(segs) != 0 {
		t.Errorf("after a clean Close with every record done: %v left", segs)
	}
}

func TestReplayedRecordsRetireOnceDone(t *testing.T) {
	dir := t.TempDir()
	s := MustOpen(t, dir, spool.Options{})
	mustAppend(t, s, "a")
	mustAppend(t, s, "b")
	s.Crash()
	old := segments(t, dir)
	s2 := MustOpen(t, dir, spool.Options{RetireEvery: -1})
	var seqs []uint64
	if err := s2.Replay(func(seq uint64, _ []byte) { seqs = append(seqs, seq) }); err != nil {
		t.Fatal(err)
	}
	s2.Done(seqs...)
	if err := s2.Sync(); err != nil {
		t.Fatal(err)
	}
	for _, seg := range old {
		if _, err := os.Stat(seg); err == nil {
			t.Errorf("old segment %s kept after its records were replayed and done", seg)
		}
	}
}

func TestFullRefusesBeforeWriting(t *testing.T) {
	dir := t.TempDir()
	s := MustOpen(t, dir, spool.Options{MaxBytes: 200, RetireEvery: -1})
	var seqs []uint64
	var err error
	for range 10 {
		var seq uint64
		if seq, err = s.Append(bytes.Repeat([]byte("y"), 50)); err != nil {
			break
		}
		seqs = append(seqs, seq)
	}
	if !errors.Is(err, spool.ErrFull) {
		t.Fatalf("appending 500 bytes to a 200-byte spool: %v, want ErrFull", err)
	}
	if st := s.Stats(); st.Bytes > 200 {
		t.Errorf("Stats.Bytes %d over MaxBytes 200", st.Bytes)
	}
	// Done and synced records free their space.
	s.Done(seqs...)
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(bytes.Repeat([]byte("y"), 50)); err != nil {
		t.Errorf("after retiring: %v", err)
	}
	s.Crash()
	s2 := MustOpen(t, dir, spool.Options{})
	if got := len(pending(t, s2)); got != 1 {
		t.Errorf("replayed %d, want 1: a refused record must not be written", got)
	}
}

func TestAppendAfterCloseFails(t *testing.T) {
	s := MustOpen(t, t.TempDir(), spool.Options{})
	s.Close()
	if _, err := s.Append([]byte("late")); !errors.Is(err, spool.ErrClosed) {
		t.Errorf("Append after Close: %v, want ErrClosed", err)
	}
}

func TestOpenIgnoresForeignFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "README"), []byte("not a segment"), 0o600)
	os.WriteFile(filepath.Join(dir, "zz.spool"), []byte("bad name"), 0o600)
	s := MustOpen(t, dir, spool.Options{})
	if got := pending(t, s); len(got) != 0 {
		t.Errorf("replayed %q from foreign files", got)
	}
}

func TestProbeWritesAndSyncs(t *testing.T) {
	dir := t.TempDir()
	s := MustOpen(t, dir, spool.Options{})
	if err := s.Probe(); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Syncs != 1 || st.Records != 0 {
		t.Errorf("after Probe: %+v, want 1 fsync and no record", st)
	}
	s.Crash()
	if got := pending(t, MustOpen(t, dir, spool.Options{})); len(got) != 0 {
		t.Errorf("a probe replayed as %q", got)
	}
	s.Close()
	if err := s.Probe(); !errors.Is(err, spool.ErrClosed) {
		t.Errorf("Probe after Close: %v", err)
	}
}
