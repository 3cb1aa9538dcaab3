package dbutil

import (
	"strings"
	"unicode/utf8"

	"github.com/periscope-hq/periscope/core"
)

// Text returns s as every text column takes it: invalid UTF-8 becomes
// U+FFFD and NUL is dropped (Postgres refuses both in text and jsonb).
// Normalization already produces such text; this keeps a store from
// refusing an event whatever its caller did. Valid text is returned as is,
// without copying.
func Text(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// jsonNUL is how a JSON text spells NUL; Postgres refuses it in jsonb.
const jsonNUL = `\u0000`

// JSONText returns the JSON document b as valid UTF-8 text without NUL:
// invalid bytes become U+FFFD and \u0000 escapes are dropped. An escaped
// backslash followed by "u0000" is left alone.
func JSONText(b []byte) []byte {
	s := Text(string(b))
	if !strings.Contains(s, jsonNUL) {
		if len(s) == len(b) {
			return b
		}
		return []byte(s)
	}
	var out strings.Builder
	out.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			if strings.HasPrefix(s[i:], jsonNUL) {
				i += len(jsonNUL) - 1
				continue
			}
			out.WriteByte(s[i])
			i++ // the escaped character, possibly a backslash
		}
		out.WriteByte(s[i])
	}
	return []byte(out.String())
}

// cleanEvent returns e, or a copy of it whose text columns are Text, when
// one of them needs it. e is never modified.
func cleanEvent(e *core.Event) *core.Event {
	ok := func(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }
	g := &e.Grouping
	clean := ok(e.EventID) && ok(e.Title) && ok(e.Culprit) && ok(e.Level) && ok(e.Platform) &&
		ok(e.Release) && ok(e.Environment) && ok(e.Message) && ok(e.SDKName) && ok(e.SDKVersion) &&
		ok(g.DecidedBy) && ok(g.Name) && ok(g.Config) && ok(g.Hash) && ok(g.Title) &&
		ok(string(g.Components)) && !strings.Contains(string(g.Components), jsonNUL)
	for _, t := range e.Tags {
		clean = clean && ok(t.Key) && ok(t.Value)
	}
	for _, a := range e.Attachments {
		clean = clean && ok(a.Filename) && ok(a.ContentType) && ok(a.AttachmentType)
	}
	if clean {
		return e
	}
	c := *e
	c.EventID, c.Title, c.Culprit, c.Level, c.Platform = Text(e.EventID), Text(e.Title), Text(e.Culprit), Text(e.Level), Text(e.Platform)
	c.Release, c.Environment, c.SDKName, c.SDKVersion = Text(e.Release), Text(e.Environment), Text(e.SDKName), Text(e.SDKVersion)
	c.Message = Text(e.Message)
	c.Grouping.DecidedBy, c.Grouping.Name, c.Grouping.Config = Text(g.DecidedBy), Text(g.Name), Text(g.Config)
	c.Grouping.Hash, c.Grouping.Title = Text(g.Hash), Text(g.Title)
	c.Grouping.Components = JSONText(g.Components)
	c.Tags = make([]core.Tag, len(e.Tags))
	for i, t := range e.Tags {
		c.Tags[i] = core.Tag{Key: Text(t.Key), Value: Text(t.Value)}
	}
	c.Attachments = make([]*core.Attachment, len(e.Attachments))
	for i, a := range e.Attachments {
		ca := *a
		ca.Filename, ca.ContentType, ca.AttachmentType = Text(a.Filename), Text(a.ContentType), Text(a.AttachmentType)
		c.Attachments[i] = &ca
	}
	return &c
}
