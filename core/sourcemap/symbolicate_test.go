package sourcemap_test

import (
	"context"
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/sourcemap"
)

func TestSymbolicateMapsFramesAndKeepsRaw(t *testing.T) {
	st := storeFor(theBundle)
	s := sourcemap.New(st, 8, nil)
	ev := event([2]int{1, 3}, [2]int{2, 5})
	sent := ev.Exceptions[0].Stacktrace.Frames[1]
	if !s.Symbolicate(context.Background(), 1, ev) {
		t.Fatal("Symbolicate reported no change")
	}
	ex := ev.Exceptions[0]
	if ex.RawStacktrace == nil || ex.RawStacktrace.Frames[1].Function != sent.Function || ex.RawStacktrace.Frames[1].Colno != sent.Colno {
		t.Fatalf("raw_stacktrace %+v, want the frames as sent", ex.RawStacktrace)
	}
	f := ex.Stacktrace.Frames[1]
	if f.Function != "fn_2_5" || f.Filename != "src/module2.js" || f.AbsPath != "webpack://shop/./src/module2.js" || f.Lineno != 29 || f.Colno != 5 {
		t.Errorf("frame %s %s (%s):%d:%d, want fn_2_5 src/module2.js:29:5", f.Function, f.Filename, f.AbsPath, f.Lineno, f.Colno)
	}
	if f.ContextLine == nil || *f.ContextLine != "    throw new Error('fail 2 5');" || len(f.PreContext) != 5 || f.PreContext[4] != "  if (x > 3) {" || len(f.PostContext) != 5 {
		t.Errorf("context %q / %q / %q", f.PreContext, deref(f.ContextLine), f.PostContext)
	}
	if f.Data["sourcemap"] != "~/static/app.min.js.map" {
		t.Errorf("data %v, want the map's URL", f.Data)
	}
	if len(ev.Errors) != 0 {
		t.Errorf("errors %q, want none", ev.Errors)
	}
	// A second event costs no database access; the bundle's use is
	// recorded once.
	finds := st.finds
	s.Symbolicate(context.Background(), 1, event([2]int{0, 0}))
	if st.finds != finds || len(st.touched) != 1 || st.touched[0] != 7 {
		t.Errorf("second event: %d finds (want %d), touched %v (want [7])", st.finds, finds, st.touched)
	}
}

func TestSymbolicateWithoutMapRecordsWhy(t *testing.T) {
	for name, c := range map[string]struct {
		st   *memStore
		want string
	}{
		"no map":     {&memStore{}, "js_no_source: " + codeURL},
		"broken map": {brokenStore(), "js_invalid_source: ~/static/app.min.js.map: invalid source map"},
	} {
		t.Run(name, func(t *testing.T) {
			ev := event([2]int{1, 1})
			sent := ev.Exceptions[0].Stacktrace.Frames[0]
			if !sourcemap.New(c.st, 8, nil).Symbolicate(context.Background(), 1, ev) {
				t.Fatal("Symbolicate reported no change, want an error recorded")
			}
			ex := ev.Exceptions[0]
			if ex.RawStacktrace != nil || ex.Stacktrace.Frames[0].Function != sent.Function || ex.Stacktrace.Frames[0].Colno != sent.Colno {
				t.Errorf("frames %+v, want them as sent and no raw_stacktrace", ex.Stacktrace.Frames)
			}
			if len(ev.Errors) != 1 || !strings.HasPrefix(ev.Errors[0], c.want) {
				t.Errorf("errors %q, want %q", ev.Errors, c.want)
			}
		})
	}
}

func TestSymbolicateSurvivesMapsPointingNowhere(t *testing.T) {
	st := storeFor(theBundle)
	// Valid JSON whose mappings name a source the map does not list.
	st.files[1].Content = []byte(`{"version":3,"sources":[],"names":[],"mappings":"AAAA,SAASA"}`)
	ev := event([2]int{0, 0})
	sourcemap.New(st, 8, nil).Symbolicate(context.Background(), 1, ev)
	if ev.Exceptions[0].RawStacktrace != nil || len(ev.Errors) != 1 || !strings.HasPrefix(ev.Errors[0], "js_invalid_sourcemap_location: ") {
		t.Fatalf("errors %q raw %v, want the frame as sent and its location recorded as invalid", ev.Errors, ev.Exceptions[0].RawStacktrace)
	}
}

func brokenStore() *memStore {
	st := storeFor(theBundle)
	st.files[1].Content = st.files[1].Content[:len(st.files[1].Content)/2]
	return st
}

func TestSymbolicateLeavesOtherPlatforms(t *testing.T) {
	ev := event([2]int{1, 1})
	ev.Platform = "python"
	if sourcemap.New(storeFor(theBundle), 8, nil).Symbolicate(context.Background(), 1, ev) || ev.Exceptions[0].RawStacktrace != nil {
		t.Fatal("a python event was changed")
	}
}

func TestCheck(t *testing.T) {
	if err := sourcemap.Check(theBundle.smap); err != nil {
		t.Fatalf("Check(valid map): %v", err)
	}
	for _, bad := range []string{`{"version":3,"mappings":"AAAA`, `{"version":2,"mappings":""}`, `not json`} {
		if err := sourcemap.Check([]byte(bad)); err == nil {
			t.Errorf("Check(%q) = nil, want an error", bad)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// The numbers the issue asks for: a 30-frame minified browser event
// with a cached 2 MB map (< 100 µs), and a cold load of that map.
var bigBundle = genBundle(40, 300)

func thirtyFrames() *core.EventData {
	saved := theBundle
	theBundle = bigBundle
	defer func() { theBundle = saved }()
	var pairs [][2]int
	for i := 0; i < 30; i++ {
		pairs = append(pairs, [2]int{i % 40, (i * 37) % 300})
	}
	return event(pairs...)
}

func BenchmarkSymbolicateCached30Frames(b *testing.B) {
	b.ReportMetric(float64(len(bigBundle.smap))/(1<<20), "MiB-map")
	s := sourcemap.New(storeFor(bigBundle), 8, nil)
	s.Symbolicate(context.Background(), 1, thirtyFrames())
	evs := make([]*core.EventData, 0, 1024)
	for range 1024 {
		evs = append(evs, thirtyFrames())
	}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if i == len(evs) {
			b.StopTimer()
			for j := range evs {
				evs[j] = thirtyFrames()
			}
			i = 0
			b.StartTimer()
		}
		if !s.Symbolicate(context.Background(), 1, evs[i]) {
			b.Fatal("not symbolicated")
		}
		i++
	}
}

func BenchmarkColdMapLoad(b *testing.B) {
	b.ReportMetric(float64(len(bigBundle.smap))/(1<<20), "MiB-map")
	st := storeFor(bigBundle)
	for b.Loop() {
		s := sourcemap.New(st, 8, nil)
		if !s.Symbolicate(context.Background(), 1, thirtyFrames()) {
			b.Fatal("not symbolicated")
		}
	}
}

// TestSymbolicateRemembersMisses: a lookup that found no map is not
// repeated for the next events (a release without maps must not cost
// queries per frame), until an upload to the project forgets the misses.
func TestSymbolicateRemembersMisses(t *testing.T) {
	ctx := context.Background()
	st := &memStore{}
	s := sourcemap.New(st, 8, nil)
	ev := event([2]int{1, 1})
	s.Symbolicate(ctx, 1, ev)
	if st.finds == 0 || len(ev.Errors) != 1 || !strings.HasPrefix(ev.Errors[0], "js_no_source: ") {
		t.Fatalf("first event: %d finds, errors %q; want a lookup and js_no_source", st.finds, ev.Errors)
	}
	finds := st.finds
	ev = event([2]int{1, 1})
	s.Symbolicate(ctx, 1, ev)
	if st.finds != finds || len(ev.Errors) != 1 || !strings.HasPrefix(ev.Errors[0], "js_no_source: ") {
		t.Fatalf("second event: %d finds (want %d), errors %q; want the miss remembered and still reported", st.finds, finds, ev.Errors)
	}
	st.files = storeFor(theBundle).files // an upload
	s.Forget(2)                          // to another project
	s.Symbolicate(ctx, 1, event([2]int{1, 1}))
	if st.finds != finds {
		t.Fatalf("after another project's upload: %d finds, want %d", st.finds, finds)
	}
	s.Forget(1)
	ev = event([2]int{1, 3})
	if !s.Symbolicate(ctx, 1, ev) || ev.Exceptions[0].RawStacktrace == nil || len(ev.Errors) != 0 {
		t.Fatalf("after the project's upload: errors %q, raw %v; want the frames mapped", ev.Errors, ev.Exceptions[0].RawStacktrace)
	}
}
