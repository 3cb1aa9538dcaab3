package sourcemap

import (
	"context"
	"log/slog"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/periscope-hq/periscope/core"
)

// Store is what symbolication reads (core.Store implements it).
type Store interface {
	FindArtifactFile(ctx context.Context, q core.ArtifactQuery) (*core.ArtifactFile, error)
	TouchArtifactBundles(ctx context.Context, ids []int64, at time.Time) error
}

// contextLines is how many lines before and after a frame's line are kept.
const contextLines = 5

// brokenTTL is how long a map that failed to load stays cached as broken
// (a newer upload under the same key is seen after it).
const brokenTTL = time.Minute

// missTTL is how long a lookup that found no source map is remembered, so
// that events of a release without maps (the usual case) do not query the
// store for every frame. An upload through this node forgets its
// project's misses at once (Forget); other nodes see it after missTTL.
const missTTL = 10 * time.Second

// maxMisses bounds the remembered misses.
const maxMisses = 8192

// touchEvery is how often a bundle in use has its last use recorded.
const touchEvery = time.Hour

// Symbolicator maps JavaScript frames through uploaded source maps. It is
// safe for concurrent use.
type Symbolicator struct {
	store  Store
	logger *slog.Logger
	now    func() time.Time
	cache  *lru.Cache[cacheKey, *entry]
	misses *expirable.LRU[cacheKey, struct{}] // lookups that found no map

	mu      sync.Mutex
	touched map[int64]time.Time // bundle → when its use was last recorded
}

type cacheKey struct {
	project int64
	key     string // "d:" + debug ID, or "r:" + release \x00 dist \x00 URL
}

// entry is a loaded map, or why it could not be loaded.
type entry struct {
	m        *Map
	url      string         // the map's URL in its bundle
	data     map[string]any // {"sourcemap": url}, the data of frames it maps
	bundle   int64
	err      string // "js_invalid_source: ..." when the map is unusable
	loadedAt time.Time
}

// New returns a Symbolicator over store caching up to size parsed maps
// (at least 1).
func New(store Store, size int, logger *slog.Logger) *Symbolicator {
	c, _ := lru.New[cacheKey, *entry](max(size, 1))
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Symbolicator{store: store, logger: logger, now: time.Now, cache: c,
		misses: expirable.NewLRU[cacheKey, struct{}](maxMisses, nil, missTTL), touched: map[int64]time.Time{}}
}

// Forget drops the remembered misses of a project, so that a bundle just
// uploaded to it is looked up by the next event.
func (s *Symbolicator) Forget(projectID int64) {
	for _, k := range s.misses.Keys() {
		if k.project == projectID {
			s.misses.Remove(k)
		}
	}
}

// isJS reports whether an event's frames may be JavaScript.
func isJS(platform string) bool { return platform == "javascript" || platform == "node" }

// Symbolicate rewrites the JavaScript frames of ev in place (see the
// package comment) and reports whether it changed ev (its frames or its
// errors). Events of other platforms are left alone.
func (s *Symbolicator) Symbolicate(ctx context.Context, projectID int64, ev *core.EventData) bool {
	if !isJS(ev.Platform) {
		return false
	}
	r := run{s: s, ctx: ctx, project: projectID, ev: ev}
	if ev.DebugMeta != nil {
		r.images = ev.DebugMeta.Images
	}
	if len(r.images) == 0 && ev.Release == "" {
		return false
	}
	changed := false
	for i := range ev.Exceptions {
		e := &ev.Exceptions[i]
		if e.Stacktrace != nil && e.RawStacktrace == nil {
			if st := r.stacktrace(e.Stacktrace); st != nil {
				e.RawStacktrace, e.Stacktrace, changed = e.Stacktrace, st, true
			}
		}
	}
	if ev.Stacktrace != nil {
		if st := r.stacktrace(ev.Stacktrace); st != nil {
			ev.Stacktrace, changed = st, true
		}
	}
	s.touch(r.used)
	return changed || r.errors > 0
}

// run is one event's symbolication.
type run struct {
	s       *Symbolicator
	ctx     context.Context
	project int64
	ev      *core.EventData
	images  []core.DebugImage // debug_meta's
	noted   map[string]bool   // errors already recorded (nil until one is)
	errors  int
	used    []int64
}

func (r *run) note(msg string) {
	if r.noted == nil {
		r.noted = map[string]bool{}
	}
	if !r.noted[msg] {
		r.noted[msg] = true
		r.errors++
		r.ev.Errors = append(r.ev.Errors, msg)
	}
}

// stacktrace returns the mapped copy of st, or nil when no frame mapped.
func (r *run) stacktrace(st *core.Stacktrace) *core.Stacktrace {
	out := &core.Stacktrace{Frames: make([]core.Frame, len(st.Frames))}
	copy(out.Frames, st.Frames)
	locs := make([]Location, len(st.Frames))
	maps := make([]*entry, len(st.Frames))
	mapped := false
	for i := range st.Frames {
		f := &st.Frames[i]
		abs := f.AbsPath
		if abs == "" {
			abs = f.Filename
		}
		if f.Lineno <= 0 || abs == "" || !mappable(abs) {
			continue
		}
		e := r.lookup(abs)
		if e == nil {
			continue
		}
		loc, ok := e.m.Lookup(f.Lineno, f.Colno)
		if !ok {
			r.note("js_invalid_sourcemap_location: " + abs + ":" + itoa(f.Lineno) + ":" + itoa(f.Colno))
			continue
		}
		locs[i], maps[i], mapped = loc, e, true
	}
	if !mapped {
		return nil
	}
	for i := range out.Frames {
		loc, e := &locs[i], maps[i]
		if e == nil {
			continue
		}
		f, sent := &out.Frames[i], &st.Frames[i]
		abs := sent.AbsPath
		if abs == "" {
			abs = sent.Filename
		}
		f.AbsPath = resolve(abs, loc.Source)
		f.Filename = cleanSource(loc.Source)
		f.Module = ""
		f.Lineno, f.Colno = loc.Line, loc.Column
		name := e.m.FunctionName(sent.Function, sent.Lineno, sent.Colno)
		if name == "" && i > 0 && maps[i-1] != nil {
			name = locs[i-1].Name // the caller's call site names its callee
		}
		if name != "" {
			f.Function = name
		}
		f.PreContext, f.ContextLine, f.PostContext = nil, nil, nil
		if pre, line, post, ok := e.m.Context(loc.Source, loc.Line, contextLines); ok {
			f.PreContext, f.ContextLine, f.PostContext = pre, line, post
		}
		if strings.Contains(loc.Source, "/node_modules/") {
			no := false
			f.InApp = &no
		}
		if len(sent.Data) == 0 {
			f.Data = e.data // shared by the frames of this map, read only
		} else {
			data := make(map[string]any, len(sent.Data)+1)
			for k, v := range sent.Data {
				data[k] = v
			}
			data["sourcemap"] = e.url
			f.Data = data
		}
	}
	return out
}

// mappable reports whether a frame's path can have a source map: not
// native code, not an anonymous or eval frame.
func mappable(abs string) bool {
	return abs != "<anonymous>" && abs != "[native code]" && !strings.HasPrefix(abs, "node:")
}

// lookup returns the loaded map of a frame's file, noting why when there
// is none (nil).
func (r *run) lookup(abs string) *entry {
	var key, debugID string
	for _, img := range r.images {
		if img.CodeFile == abs && img.Type == "sourcemap" && img.DebugID != "" {
			debugID = img.DebugID
			break
		}
	}
	if debugID != "" {
		key = "d:" + debugID
	} else if r.ev.Release != "" {
		key = "r:" + r.ev.Release + "\x00" + r.ev.Dist + "\x00" + abs
	} else {
		return nil
	}
	k := cacheKey{r.project, key}
	e, ok := r.s.cache.Get(k)
	if ok && e.err != "" && r.s.now().Sub(e.loadedAt) > brokenTTL {
		ok = false
	}
	if !ok {
		if _, missed := r.s.misses.Get(k); missed {
			r.note("js_no_source: " + abs)
			return nil
		}
		var err error
		e, err = r.load(abs, debugID)
		if err != nil {
			r.s.logger.Warn("sourcemap: lookup failed", "project", r.project, "url", abs, "err", err)
			r.note("js_fetch_error: " + abs)
			return nil
		}
		if e == nil {
			r.s.misses.Add(k, struct{}{})
			r.note("js_no_source: " + abs)
			return nil
		}
		r.s.cache.Add(k, e)
	}
	if e.err != "" {
		r.note(e.err)
		return nil
	}
	if n := len(r.used); n == 0 || r.used[n-1] != e.bundle {
		r.used = append(r.used, e.bundle)
	}
	return e
}

// load reads a map from the store: nil, nil when there is none.
func (r *run) load(abs, debugID string) (*entry, error) {
	st, ctx := r.s.store, r.ctx
	var mapFile, minFile *core.ArtifactFile
	var err error
	if debugID != "" {
		mapFile, err = st.FindArtifactFile(ctx, core.ArtifactQuery{ProjectID: r.project, Type: core.ArtifactSourceMap, DebugID: debugID})
		if err != nil {
			return nil, notFoundNil(err)
		}
		minFile, _ = st.FindArtifactFile(ctx, core.ArtifactQuery{ProjectID: r.project, Type: core.ArtifactMinifiedSource, DebugID: debugID})
	} else {
		for _, u := range candidates(abs) {
			minFile, err = st.FindArtifactFile(ctx, core.ArtifactQuery{ProjectID: r.project, Release: r.ev.Release, Dist: r.ev.Dist, URL: u})
			if err == nil {
				break
			} else if core.ErrorCode(err) != core.ENOTFOUND {
				return nil, err
			}
		}
		if minFile == nil {
			return nil, nil
		}
		q := core.ArtifactQuery{ProjectID: r.project, Type: core.ArtifactSourceMap}
		if minFile.DebugID != "" {
			q.DebugID = minFile.DebugID
		} else if minFile.SourceMap != "" {
			q.Release, q.Dist, q.URL = r.ev.Release, r.ev.Dist, mapURL(minFile.URL, minFile.SourceMap)
		} else {
			q.Release, q.Dist, q.URL = r.ev.Release, r.ev.Dist, minFile.URL+".map"
		}
		if mapFile, err = st.FindArtifactFile(ctx, q); err != nil {
			return nil, notFoundNil(err)
		}
	}
	e := &entry{url: mapFile.URL, data: map[string]any{"sourcemap": mapFile.URL}, bundle: mapFile.BundleID, loadedAt: r.s.now()}
	var minified []byte
	if minFile != nil {
		minified = minFile.Content
	}
	if e.m, err = Parse(mapFile.Content, minified); err != nil {
		e.m, e.err = nil, "js_invalid_source: "+mapFile.URL+": "+err.Error()
	}
	return e, nil
}

func notFoundNil(err error) error {
	if core.ErrorCode(err) == core.ENOTFOUND {
		return nil
	}
	return err
}

// candidates are the stored URLs a frame's path may have: "~/path" for a
// URL (any scheme and host), then the path as sent.
func candidates(abs string) []string {
	if u, err := url.Parse(abs); err == nil && u.Scheme != "" && u.Path != "" {
		return []string{"~" + u.Path, abs}
	}
	if strings.HasPrefix(abs, "/") {
		return []string{"~" + abs, abs}
	}
	return []string{abs}
}

// mapURL resolves a minified file's Sourcemap header against its URL.
func mapURL(minURL, ref string) string {
	if u, err := url.Parse(ref); err == nil && u.Scheme != "" {
		return "~" + u.Path
	}
	if strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "~/") {
		return ref
	}
	return path.Join(path.Dir(minURL), ref)
}

// resolve returns the original source's path beside the frame's file, as
// Sentry shows it: a URL for a URL, a file path for a file path.
func resolve(abs, source string) string {
	if u, err := url.Parse(source); err == nil && u.Scheme != "" {
		return source
	}
	if u, err := url.Parse(abs); err == nil && u.Scheme != "" && u.Host != "" {
		v := *u
		v.Path, v.RawQuery, v.Fragment = path.Join(path.Dir(u.Path), source), "", ""
		return v.String()
	}
	if strings.HasPrefix(abs, "/") {
		return path.Join(path.Dir(abs), source)
	}
	return source
}

// cleanSource is a map's source name without bundler prefixes and leading
// "../" and "./" ("webpack://app/./src/a.js" → "src/a.js").
func cleanSource(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
		if j := strings.IndexByte(s, '/'); j >= 0 && !strings.HasPrefix(s, "/") {
			s = s[j+1:]
		}
	}
	for {
		switch {
		case strings.HasPrefix(s, "../"):
			s = s[3:]
		case strings.HasPrefix(s, "./"):
			s = s[2:]
		case strings.HasPrefix(s, "/"):
			s = s[1:]
		default:
			return s
		}
	}
}

// touch records, at most once per touchEvery and bundle, that bundles
// were used, so retention keeps them.
func (s *Symbolicator) touch(ids []int64) {
	if len(ids) == 0 {
		return
	}
	now := s.now()
	var due []int64
	s.mu.Lock()
	for _, id := range ids {
		if t, ok := s.touched[id]; !ok || now.Sub(t) >= touchEvery {
			s.touched[id] = now
			due = append(due, id)
		}
	}
	if len(s.touched) > 4096 {
		clear(s.touched)
	}
	s.mu.Unlock()
	if len(due) > 0 {
		if err := s.store.TouchArtifactBundles(context.Background(), due, now); err != nil {
			s.logger.Warn("sourcemap: recording bundle use failed", "err", err)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
