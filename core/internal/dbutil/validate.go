package dbutil

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// Page sizes.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Limit returns n, DefaultLimit for 0, or EINVALID (field "limit") for a
// negative n or one above MaxLimit.
func Limit(n int) (int, error) {
	switch {
	case n == 0:
		return DefaultLimit, nil
	case n < 0 || n > MaxLimit:
		return 0, core.FieldErrorf("limit", "limit must be between 1 and %d", MaxLimit)
	}
	return n, nil
}

// Issue sorts.
const (
	SortLastSeen  = "last_seen"
	SortFirstSeen = "first_seen"
	SortCount     = "count"
)

// IssueFilter validates f and fills its defaults (sort last_seen, limit
// DefaultLimit). Problems are EINVALID naming the field.
func IssueFilter(f core.IssueFilter) (core.IssueFilter, error) {
	var err error
	if f.Limit, err = Limit(f.Limit); err != nil {
		return f, err
	}
	switch f.Sort {
	case "":
		f.Sort = SortLastSeen
	case SortLastSeen, SortFirstSeen, SortCount:
	default:
		return f, core.FieldErrorf("sort", "sort must be last_seen, first_seen or count")
	}
	if f.Status != "" && !core.ValidStatus(f.Status) {
		return f, core.FieldErrorf("status", "status must be unresolved, resolved or ignored")
	}
	if f.ProjectID < 0 {
		return f, core.FieldErrorf("project_id", "project_id must not be negative")
	}
	return f, nil
}

// LikePattern returns a LIKE pattern matching q anywhere, with the wildcard
// characters of q escaped by backslash (use ESCAPE '\').
func LikePattern(q string) string {
	b := make([]byte, 0, len(q)+2)
	b = append(b, '%')
	for i := 0; i < len(q); i++ {
		switch q[i] {
		case '%', '_', '\\':
			b = append(b, '\\')
		}
		b = append(b, q[i])
	}
	return string(append(b, '%'))
}

// Destination sources.
const (
	SourceAPI    = "api"
	SourceConfig = "config"
)

// ValidateDestination checks d and defaults its Source to "api" and Config
// to an empty map.
func ValidateDestination(d *core.Destination) error {
	switch {
	case d.Name == "":
		return core.FieldErrorf("name", "name is required")
	case len(d.Name) > 200:
		return core.FieldErrorf("name", "name must be at most 200 characters")
	case d.Plugin == "":
		return core.FieldErrorf("plugin", "plugin is required")
	case d.ProjectID < 0:
		return core.FieldErrorf("project_id", "project_id must not be negative")
	}
	switch d.Source {
	case "":
		d.Source = SourceAPI
	case SourceAPI, SourceConfig:
	default:
		return core.FieldErrorf("source", "source must be api or config")
	}
	if d.Config == nil {
		d.Config = map[string]any{}
	}
	return nil
}

// EncodeConfig returns a destination config as a JSON object.
func EncodeConfig(c map[string]any) (string, error) {
	if c == nil {
		return "{}", nil
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", core.FieldErrorf("config", "config cannot be stored as JSON: %v", err)
	}
	return string(b), nil
}

// DecodeConfig parses what EncodeConfig made.
func DecodeConfig(b []byte) (map[string]any, error) {
	m := map[string]any{}
	if len(b) == 0 {
		return m, nil
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// EncodeTags returns tags as a JSON array of [key, value] pairs ("[]" for
// none), keeping their order.
func EncodeTags(tags []core.Tag) string {
	if len(tags) == 0 {
		return "[]"
	}
	pairs := make([][2]string, len(tags))
	for i, t := range tags {
		pairs[i] = [2]string{t.Key, t.Value}
	}
	b, _ := json.Marshal(pairs) // strings always marshal
	return string(b)
}

// DecodeTags parses what EncodeTags made.
func DecodeTags(b []byte) ([]core.Tag, error) {
	var pairs [][2]string
	if err := json.Unmarshal(b, &pairs); err != nil {
		return nil, err
	}
	if len(pairs) == 0 {
		return nil, nil
	}
	tags := make([]core.Tag, len(pairs))
	for i, p := range pairs {
		tags[i] = core.Tag{Key: p[0], Value: p[1]}
	}
	return tags, nil
}

// UTC returns t in UTC truncated to microseconds: the precision both
// databases keep, so a time read back equals the time written.
func UTC(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

// UTCPtr is UTC for an optional time.
func UTCPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := UTC(*t)
	return &u
}

// Hour returns the start of t's hour, in UTC.
func Hour(t time.Time) time.Time {
	return t.UTC().Truncate(time.Hour)
}

// ReasonCategory is the part of a rejection reason that stats count by: the
// text before the first colon, at most 64 bytes ("invalid_json: offset 3"
// counts as "invalid_json").
func ReasonCategory(reason string) string {
	if i := strings.IndexByte(reason, ':'); i >= 0 {
		reason = reason[:i]
	}
	reason = strings.TrimSpace(reason)
	if len(reason) > 64 {
		reason = reason[:64]
	}
	return Text(reason)
}
