package service_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/service"
	"github.com/periscope-hq/periscope/core/sqlite"
)

// now is the fixed clock of the services under test.
var now = time.Date(2026, 6, 1, 12, 30, 0, 0, time.UTC)

// MustOpen returns a Service over a fresh SQLite file, with notify as its
// Notifier (may be nil) and the fixed clock now.
func MustOpen(tb testing.TB, notify service.Notifier) (*service.Service, *sqlite.DB) {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "periscope.db"), sqlite.WithMigrate())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	svc := service.New(db, notify)
	svc.Now = func() time.Time { return now }
	return svc, db
}

// MustOpenClosed returns a Service over a SQLite store that is already
// closed: any use case that reaches the store fails with EINTERNAL, so an
// input refused as EINVALID through it was refused by the service itself,
// before any read or write.
func MustOpenClosed(tb testing.TB) *service.Service {
	tb.Helper()
	svc, db := MustOpen(tb, &fakeNotifier{})
	if err := db.Close(); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.FindProjects(context.Background()); core.ErrorCode(err) != core.EINTERNAL {
		tb.Fatalf("FindProjects on a closed store: %v, want an internal error", err)
	}
	return svc
}

// refusedBeforeStore fails tb unless call, made on a service over a closed
// store, is EINVALID naming field: the service itself refuses the input.
func refusedBeforeStore(tb testing.TB, what string, field string, call func(svc *service.Service) error) {
	tb.Helper()
	wantField(tb, what+" (closed store)", call(MustOpenClosed(tb)), field)
}

// MustCreateProject creates a project through the service or fails tb.
func MustCreateProject(tb testing.TB, svc *service.Service, name string) *core.Project {
	tb.Helper()
	p, err := svc.CreateProject(context.Background(), service.CreateProjectInput{Name: name})
	if err != nil {
		tb.Fatalf("CreateProject(%q): %v", name, err)
	}
	return p
}

// wantField fails tb unless err is EINVALID naming field.
func wantField(tb testing.TB, what string, err error, field string) {
	tb.Helper()
	var e *core.Error
	if !errors.As(err, &e) || e.Code != core.EINVALID || e.Field != field {
		tb.Fatalf("%s: got %v, want EINVALID naming %q", what, err, field)
	}
}

// wantCode fails tb unless err carries code.
func wantCode(tb testing.TB, what string, err error, code string) {
	tb.Helper()
	if got := core.ErrorCode(err); got != code {
		tb.Fatalf("%s: got %v (code %q), want code %q", what, err, got, code)
	}
}

func ptr[T any](v T) *T { return &v }
