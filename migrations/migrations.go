// Package migrations holds Periscope's database schema as embedded SQL files,
// one folder per dialect (sqlite/ and postgres/) with the same file names:
// NNNN_name.sql, where NNNN is the schema version the file brings the
// database to. The stores apply them at start-up, each file in its own
// transaction, and record each applied version in the schema_migrations
// table.
//
// A file, once released, never changes: a schema change is a new file in
// both folders. A test fails when the two folders drift apart.
package migrations

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/periscope-hq/periscope/core"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// Dialects.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Migration is one embedded schema file.
type Migration struct {
	Version int    // from the file name's numeric prefix; 1, 2, 3...
	Name    string // the file name, e.g. "0001_init.sql"
	SQL     string // the statements, executed as one script in one transaction
}

// List returns the migrations of dialect ("sqlite" or "postgres") in version
// order. It fails for an unknown dialect or a malformed file name.
func List(dialect string) ([]Migration, error) {
	if dialect != SQLite && dialect != Postgres {
		return nil, fmt.Errorf("migrations: unknown dialect %q", dialect)
	}
	entries, err := fs.ReadDir(files, dialect)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	var ms []Migration
	for _, e := range entries {
		v, err := parseVersion(e.Name())
		if err != nil {
			return nil, err
		}
		b, err := files.ReadFile(path.Join(dialect, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("migrations: %w", err)
		}
		ms = append(ms, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	// Versions may have gaps (branches take numbers in advance, and one may
	// land before another): Plan applies whatever is not applied yet, so
	// a version filled in later is still applied. Repeats are refused.
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("migrations: %s/%s: version %d is repeated", dialect, ms[i].Name, ms[i].Version)
		}
	}
	return ms, nil
}

// Latest returns the highest schema version known for dialect, or 0 when
// the dialect is unknown.
func Latest(dialect string) int {
	ms, err := List(dialect)
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

// Versions returns the highest of the applied versions (0 for an empty
// database) and the highest dialect's embedded migrations reach, for a
// store's SchemaVersion.
func Versions(dialect string, applied []int) (database, binary int) {
	return slices.Max(append([]int{0}, applied...)), Latest(dialect)
}

// parseVersion reads NNNN from "NNNN_name.sql".
func parseVersion(name string) (int, error) {
	num, rest, ok := strings.Cut(name, "_")
	if !ok || !strings.HasSuffix(rest, ".sql") || len(rest) <= len(".sql") {
		return 0, fmt.Errorf("migrations: file %q is not named NNNN_name.sql", name)
	}
	v, err := strconv.Atoi(num)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("migrations: file %q does not start with a positive version number", name)
	}
	return v, nil
}

// Plan compares the versions recorded in a database (applied, in any order)
// with the embedded ones and returns the migrations still to apply, in
// order. It returns a *TooNewError when the database holds a version this
// binary does not know.
func Plan(dialect string, applied []int) ([]Migration, error) {
	ms, err := List(dialect)
	if err != nil {
		return nil, err
	}
	latest := 0
	if len(ms) > 0 {
		latest = ms[len(ms)-1].Version
	}
	done := make(map[int]bool, len(applied))
	highest := 0
	for _, v := range applied {
		done[v] = true
		highest = max(highest, v)
	}
	if highest > latest {
		return nil, &TooNewError{Dialect: dialect, Database: highest, Binary: latest}
	}
	var pending []Migration
	for _, m := range ms {
		if !done[m.Version] {
			pending = append(pending, m)
		}
	}
	return pending, nil
}

// TooNewError reports a database whose schema is newer than this binary
// knows: it was migrated by a newer Periscope, and running an older one
// against it could corrupt it. It unwraps to a core.ECONFLICT *core.Error.
type TooNewError struct {
	Dialect  string
	Database int // the highest version recorded in the database
	Binary   int // the highest version this binary embeds
}

// Error names both versions and what to do.
func (e *TooNewError) Error() string {
	return fmt.Sprintf("%s database schema is at version %d, newer than this binary knows (version %d): run a Periscope release that knows schema version %d, or restore a backup made before the upgrade",
		e.Dialect, e.Database, e.Binary, e.Database)
}

// Unwrap returns the same report as a *core.Error, so that core.ErrorCode
// says ECONFLICT.
func (e *TooNewError) Unwrap() error {
	return &core.Error{Code: core.ECONFLICT, Message: e.Error()}
}

// PendingError reports a database that lacks migrations this binary has;
// Ping returns it until Migrate has run.
type PendingError struct {
	Dialect  string
	Database int // the highest version recorded in the database (0: empty)
	Binary   int // the highest version this binary embeds
	Pending  int // how many migrations are not applied
}

// Error names the versions and the fix.
func (e *PendingError) Error() string {
	return fmt.Sprintf("%s database schema is at version %d, %d migration(s) pending up to version %d: run `periscope migrate` or start `periscope serve`, which migrates",
		e.Dialect, e.Database, e.Pending, e.Binary)
}

// CheckCurrent returns nil when applied holds every embedded migration of
// dialect, a *PendingError when some are missing, or a *TooNewError.
func CheckCurrent(dialect string, applied []int) error {
	pending, err := Plan(dialect, applied)
	if err != nil {
		return err
	} else if len(pending) > 0 {
		database, binary := Versions(dialect, applied)
		return &PendingError{Dialect: dialect, Database: database, Binary: binary, Pending: len(pending)}
	}
	return nil
}
