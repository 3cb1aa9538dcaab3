package dbutil

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/periscope-hq/periscope/core"
)

// Cursor is the position after the last row of a page in a keyset
// pagination ordered by (Value DESC, ID DESC). Value is a count or a time in
// Unix microseconds.
type Cursor struct {
	Value int64
	ID    int64
}

// EncodeCursor makes the opaque string for a page of kind ("issues:count",
// "events", ...): a cursor from one listing is refused by another.
func EncodeCursor(kind string, c Cursor) string {
	s := fmt.Sprintf("%s|%d|%d", kind, c.Value, c.ID)
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

// DecodeCursor parses s, made by EncodeCursor with the same kind. An empty s
// gives ok false; a malformed one, or one of another kind, is EINVALID with
// field "cursor".
func DecodeCursor(kind, s string) (c Cursor, ok bool, err error) {
	if s == "" {
		return c, false, nil
	}
	bad := core.FieldErrorf("cursor", "cursor is not valid for this listing; start again without one")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return c, false, bad
	}
	parts := strings.Split(string(b), "|")
	if len(parts) != 3 || parts[0] != kind {
		return c, false, bad
	}
	if c.Value, err = strconv.ParseInt(parts[1], 10, 64); err != nil {
		return c, false, bad
	}
	if c.ID, err = strconv.ParseInt(parts[2], 10, 64); err != nil {
		return c, false, bad
	}
	return c, true, nil
}
