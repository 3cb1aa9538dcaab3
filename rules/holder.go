package rules

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/periscope-hq/periscope/core"
)

// Holder holds the Engine in use and swaps it when rules are reloaded.
// Group and Engine never block on a reload; a reload that fails keeps the
// previous Engine and remembers the error for readiness checks.
type Holder struct {
	cur  atomic.Pointer[Engine]
	load func() (*Engine, error) // nil: nothing to reload from
	path string                  // the main file, for log messages
	log  *slog.Logger

	mu      sync.Mutex // serializes reloads and guards lastErr
	lastErr error
	reloads atomic.Uint64
}

// NewHolder returns a Holder serving e (nil means the defaults only). It
// has no file to reload from.
func NewHolder(e *Engine) *Holder {
	h := &Holder{log: slog.New(slog.DiscardHandler)}
	h.cur.Store(e)
	return h
}

// NewFileHolder loads path and returns a Holder that reloads from it. An
// invalid file is an error (start-up must stop); log may be nil.
func NewFileHolder(path string, log *slog.Logger) (*Holder, error) {
	h, err := NewLoaderHolder(func() (*Engine, error) { return LoadFile(path) }, log)
	if h != nil {
		h.path = path
	}
	return h, err
}

// NewLoaderHolder calls load and returns a Holder serving its engine,
// whose Reload calls load again and whose Watch watches the files the
// engine was read from (Engine.Files). A load error is returned (start-up
// must stop); log may be nil.
func NewLoaderHolder(load func() (*Engine, error), log *slog.Logger) (*Holder, error) {
	e, err := load()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Holder{load: load, path: e.Source(), log: log}
	h.cur.Store(e)
	return h, nil
}

// Engine returns the engine in use.
func (h *Holder) Engine() *Engine { return h.cur.Load() }

// Group groups ev with the engine in use.
func (h *Holder) Group(ev *core.EventData) core.Grouping { return h.cur.Load().Group(ev) }

// GroupWithConfig groups ev with the engine in use under the grouping
// configuration id (see Engine.GroupWithConfig).
func (h *Holder) GroupWithConfig(ev *core.EventData, id string) core.Grouping {
	return h.cur.Load().GroupWithConfig(ev, id)
}

// Swap replaces the engine in use and clears the last reload error.
func (h *Holder) Swap(e *Engine) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cur.Store(e)
	h.lastErr = nil
}

// Reload reads the rules file again. When it is invalid the current
// engine stays in use and the error is returned (and kept for LastError);
// when it is valid the new engine replaces the old one.
func (h *Holder) Reload() error {
	if h.load == nil {
		return errors.New("rules: no rules file to reload")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	e, err := h.load()
	if err != nil {
		h.lastErr = err
		h.log.Error("grouping rules not reloaded; keeping the previous rules", "file", h.path, "err", err)
		return err
	}
	h.cur.Store(e)
	h.lastErr = nil
	h.reloads.Add(1)
	h.log.Info("grouping rules reloaded", "file", h.path, "rules", len(e.rules))
	return nil
}

// LastError returns why the last reload failed, or nil when the rules in
// use are the file's current content (for /readyz).
func (h *Holder) LastError() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lastErr
}

// Reloads counts successful reloads.
func (h *Holder) Reloads() uint64 { return h.reloads.Load() }

// Watch reloads the rules whenever one of their files changes (written,
// replaced or renamed into place, as editors and config-map updates do),
// until ctx is done. Changes within debounce are coalesced. It returns
// ctx.Err() or a watcher set-up error.
func (h *Holder) Watch(ctx context.Context, debounce time.Duration) error {
	if h.load == nil {
		return errors.New("rules: no rules file to watch")
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	// Watch directories: editors replace files, which drops a watch on
	// the file itself.
	targets := map[string]bool{}
	dirs := map[string]bool{}
	refresh := func() error {
		var files []string
		if h.path != "" {
			files = append(files, h.path)
		}
		if e := h.Engine(); e != nil {
			files = append(files, e.Files()...)
		}
		for _, f := range files {
			f = filepath.Clean(f)
			targets[f] = true
			if d := filepath.Dir(f); !dirs[d] {
				if err := w.Add(d); err != nil {
					return err
				}
				dirs[d] = true
			}
		}
		return nil
	}
	if err := refresh(); err != nil {
		return err
	}
	var timer *time.Timer
	var fire <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			return ctx.Err()
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if !targets[filepath.Clean(ev.Name)] || ev.Op&(fsnotify.Write|fsnotify.Create|fsnotify.Rename) == 0 {
				continue
			}
			if timer == nil {
				timer = time.NewTimer(debounce)
			} else {
				timer.Reset(debounce)
			}
			fire = timer.C
		case <-fire:
			fire = nil
			if h.Reload() == nil { // failures are logged and kept in lastErr
				if err := refresh(); err != nil {
					h.log.Warn("watching grouping rules", "file", h.path, "err", err)
				}
			}
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			h.log.Warn("watching grouping rules", "file", h.path, "err", err)
		}
	}
}
