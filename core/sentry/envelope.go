package sentry

import (
	"bytes"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// Envelope is a parsed envelope: its header and its items in order.
type Envelope struct {
	Header EnvelopeHeader
	Items  []Item
}

// EnvelopeHeader is the first line of an envelope. EventID is normalized to
// 32 lowercase hex ("" when absent or not a UUID); SentAt is zero when
// absent or unparseable; Raw holds every key as sent.
type EnvelopeHeader struct {
	EventID string
	DSN     string
	SentAt  time.Time
	Raw     map[string]any
}

// Item is one envelope item. Payload aliases the buffer given to
// ParseEnvelope. Length is len(Payload); Implicit says the header had no
// length (the payload ran to the end of the line). AttachmentType defaults
// to "event.attachment" for attachments. Header holds every key as sent.
type Item struct {
	Type           string
	Length         int
	Implicit       bool
	ContentType    string
	Filename       string
	AttachmentType string
	Header         map[string]any
	Payload        []byte
}

// ParseEnvelope splits an envelope (§3.1): a JSON header line, then items,
// each a JSON header line and a payload of exactly "length" bytes followed by
// "\n" or the end, or, without a length, the rest of the line. Blank lines
// between items and trailing whitespace are ignored; a "\r" ending a header
// line is tolerated, as is "\r\n" after an explicit-length payload. Unknown
// item types are returned like any other (the caller skips them). An empty
// envelope (header only) is valid.
//
// Errors are *core.Error with code EINVALID and a message naming the item
// and byte offset: bad header JSON, a header that is not an object, a
// missing item type, a bad length, a payload cut short, or bytes after an
// explicit-length payload.
func ParseEnvelope(b []byte) (*Envelope, error) {
	t := getTree()
	defer putTree(t)
	env := &Envelope{}
	line, pos := nextLine(b, 0)
	if err := t.parse(string(line)); err != nil {
		return nil, envErr("envelope header at offset 0: %v", err)
	}
	if t.nodes[0].kind != jObject {
		return nil, envErr("envelope header at offset 0: not a JSON object")
	}
	h := &env.Header
	h.Raw = t.objectMap(0)
	if s, ok := t.str(t.get(0, "event_id")); ok {
		h.EventID = normalizeEventID(s)
	}
	h.DSN, _ = t.str(t.get(0, "dsn"))
	if s, ok := t.str(t.get(0, "sent_at")); ok {
		h.SentAt, _ = ParseTimestamp(s)
	} else if f, ok := t.float(t.get(0, "sent_at")); ok {
		h.SentAt, _ = unixSeconds(f)
	}

	for n := 1; ; n++ {
		pos = skipSpace(b, pos)
		if pos >= len(b) {
			return env, nil
		}
		start := pos
		line, pos = nextLine(b, pos)
		if err := t.parse(string(line)); err != nil {
			return nil, envErr("item %d header at offset %d: %v", n, start, err)
		}
		if t.nodes[0].kind != jObject {
			return nil, envErr("item %d header at offset %d: not a JSON object", n, start)
		}
		it := Item{Header: t.objectMap(0)}
		typ, ok := t.str(t.get(0, "type"))
		if !ok || typ == "" {
			return nil, envErr("item %d header at offset %d: missing item type", n, start)
		}
		it.Type = typ
		it.ContentType, _ = t.str(t.get(0, "content_type"))
		it.Filename, _ = t.str(t.get(0, "filename"))
		it.AttachmentType, _ = t.str(t.get(0, "attachment_type"))
		if it.Type == "attachment" && it.AttachmentType == "" {
			it.AttachmentType = "event.attachment"
		}
		li := t.get(0, "length")
		if t.isNull(li) {
			it.Implicit = true
			it.Payload, pos = nextLine(b, pos)
		} else {
			length, ok := t.int(li)
			if !ok || t.kind(li) != jNumber || length < 0 {
				return nil, envErr("item %d header at offset %d: invalid length", n, start)
			}
			if length > len(b)-pos {
				return nil, envErr("item %d (%s) at offset %d: payload of length %d is cut short at %d bytes", n, typ, pos, length, len(b)-pos)
			}
			it.Payload = b[pos : pos+length : pos+length]
			pos += length
			switch {
			case pos == len(b):
			case b[pos] == '\n':
				pos++
			case b[pos] == '\r' && pos+1 < len(b) && b[pos+1] == '\n':
				pos += 2
			case isSpaceOnly(b[pos:]):
				pos = len(b)
			default:
				return nil, envErr("item %d (%s) at offset %d: payload of length %d is not followed by a newline", n, typ, pos-length, length)
			}
		}
		it.Length = len(it.Payload)
		env.Items = append(env.Items, it)
	}
}

// nextLine returns the bytes from pos to the next '\n' (without it; a '\r'
// before it stays, as in Relay) and the position after the '\n'.
func nextLine(b []byte, pos int) ([]byte, int) {
	if pos >= len(b) {
		return nil, len(b)
	}
	i := bytes.IndexByte(b[pos:], '\n')
	if i < 0 {
		return b[pos:len(b):len(b)], len(b)
	}
	return b[pos : pos+i : pos+i], pos + i + 1
}

func skipSpace(b []byte, pos int) int {
	for pos < len(b) && (b[pos] == ' ' || b[pos] == '\n' || b[pos] == '\r' || b[pos] == '\t') {
		pos++
	}
	return pos
}

func isSpaceOnly(b []byte) bool { return skipSpace(b, 0) == len(b) }

func envErr(format string, args ...any) error {
	return core.Errorf(core.EINVALID, "invalid envelope: "+format, args...)
}
