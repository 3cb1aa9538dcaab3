package sourcemap_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// A generated bundle: files × funcs functions, each declared as
//
//	export function fn_F_I(a) {      (line 5*I+1 of file F)
//	  const x = a + I;
//	  if (x > 3) {
//	    throw new Error('fail F I');  (line 5*I+4, column 5)
//	  }
//	}
//
// minified onto one line as "function mF_I(a){...throw new Error(...)}"
// with a source map of three segments per function (declaration, name,
// throw). The generator writes the map's VLQ mappings itself, as test
// data only; reading them is go-sourcemap's.
type bundle struct {
	minified []byte
	smap     []byte
	throwCol map[[2]int]int // (file, func) → 1-based column of its throw
}

const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

func vlq(b *strings.Builder, v int) {
	u := v << 1
	if v < 0 {
		u = (-v << 1) | 1
	}
	for {
		d := u & 31
		u >>= 5
		if u > 0 {
			d |= 32
		}
		b.WriteByte(b64[d])
		if u == 0 {
			return
		}
	}
}

func genBundle(files, funcs int) *bundle {
	var min, mappings strings.Builder
	bd := &bundle{throwCol: map[[2]int]int{}}
	var sources, contents, names []string
	prev := [5]int{} // genCol, src, line, col, name (deltas)
	seg := func(genCol, src, line, col, name int) {
		if mappings.Len() > 0 {
			mappings.WriteByte(',')
		}
		vlq(&mappings, genCol-prev[0])
		vlq(&mappings, src-prev[1])
		vlq(&mappings, line-prev[2])
		vlq(&mappings, col-prev[3])
		prev[0], prev[1], prev[2], prev[3] = genCol, src, line, col
		if name >= 0 {
			vlq(&mappings, name-prev[4])
			prev[4] = name
		}
	}
	for f := 0; f < files; f++ {
		sources = append(sources, fmt.Sprintf("webpack://shop/./src/module%d.js", f))
		var src strings.Builder
		for i := 0; i < funcs; i++ {
			fmt.Fprintf(&src, "export function fn_%d_%d(a) {\n  const x = a + %d;\n  if (x > 3) {\n    throw new Error('fail %d %d');\n  }\n", f, i, i, f, i)
			names = append(names, fmt.Sprintf("fn_%d_%d", f, i))
			start := min.Len()
			fmt.Fprintf(&min, "function m%d_%d(a){const x=a+%d;if(x>3){", f, i, i)
			throwAt := min.Len()
			fmt.Fprintf(&min, "throw new Error(\"fail %d %d\")}}", f, i)
			seg(start, f, 5*i, 0, -1)
			seg(start+len("function "), f, 5*i, len("export function "), len(names)-1)
			seg(throwAt, f, 5*i+3, 4, -1)
			bd.throwCol[[2]int{f, i}] = throwAt + 1
		}
		contents = append(contents, src.String())
	}
	bd.minified = []byte(min.String())
	bd.smap, _ = json.Marshal(map[string]any{"version": 3, "file": "app.min.js", "sources": sources,
		"sourcesContent": contents, "names": names, "mappings": mappings.String()})
	return bd
}

// memStore is a unit test's store: files by debug ID or URL.
type memStore struct {
	files   []*core.ArtifactFile
	finds   int
	touched []int64
}

func (m *memStore) FindArtifactFile(_ context.Context, q core.ArtifactQuery) (*core.ArtifactFile, error) {
	m.finds++
	for _, f := range m.files {
		if (q.Type == "" || f.Type == q.Type) && ((q.DebugID != "" && f.DebugID == q.DebugID) || (q.DebugID == "" && q.URL == f.URL)) {
			return f, nil
		}
	}
	return nil, core.Errorf(core.ENOTFOUND, "artifact not found")
}

func (m *memStore) TouchArtifactBundles(_ context.Context, ids []int64, _ time.Time) error {
	m.touched = append(m.touched, ids...)
	return nil
}

const (
	debugID = "5dcfd576-b727-52fe-beb2-c01dca5d24bd"
	codeURL = "https://shop.example.com/static/app.min.js"
)

func storeFor(b *bundle) *memStore {
	return &memStore{files: []*core.ArtifactFile{
		{Type: core.ArtifactMinifiedSource, URL: "~/static/app.min.js", DebugID: debugID, Content: b.minified, BundleID: 7},
		{Type: core.ArtifactSourceMap, URL: "~/static/app.min.js.map", DebugID: debugID, Content: b.smap, BundleID: 7},
	}}
}

// event is a browser event whose exception has one frame per (file,
// func) pair, oldest first, each at its function's throw.
func event(pairs ...[2]int) *core.EventData {
	b := theBundle
	var frames []core.Frame
	for _, p := range pairs {
		frames = append(frames, core.Frame{Function: fmt.Sprintf("m%d_%d", p[0], p[1]), AbsPath: codeURL, Filename: "/static/app.min.js",
			Lineno: 1, Colno: b.throwCol[p]})
	}
	return &core.EventData{Platform: "javascript", Release: "shop@1",
		DebugMeta:  &core.DebugMeta{Images: []core.DebugImage{{Type: "sourcemap", DebugID: debugID, CodeFile: codeURL}}},
		Exceptions: []core.Exception{{Type: "Error", Value: "fail", Stacktrace: &core.Stacktrace{Frames: frames}}}}
}

var theBundle = genBundle(4, 20)
