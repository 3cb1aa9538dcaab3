package pipeline

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/periscope-hq/periscope/core"
)

// The spool record of an accepted event (ingest.ack: spooled): everything
// processing needs to store it again after a crash, and nothing it can
// look up again. Version 1:
//
//	byte 1
//	varint project id; strings public key, event id, item type, client ip
//	times received, sent at; strings grouping config, previous; time until
//	bytes payload; uvarint attachments, each: strings filename, content
//	type, attachment type; varint size; bytes data
//
// A string or bytes is a uvarint length and the bytes; a time is a varint
// of Unix nanoseconds, 0 for the zero time.
const recordVersion = 1

// encodeAccepted returns the spool record of a.
func encodeAccepted(a *core.Accepted) []byte {
	n := 64 + len(a.PublicKey) + len(a.EventID) + len(a.ItemType) + len(a.ClientIP) + len(a.Payload) +
		len(a.Grouping.Config) + len(a.Grouping.Previous)
	for _, at := range a.Attachments {
		n += 32 + len(at.Filename) + len(at.ContentType) + len(at.AttachmentType) + len(at.Data)
	}
	b := make([]byte, 0, n)
	b = append(b, recordVersion)
	b = binary.AppendVarint(b, a.ProjectID)
	b = appendString(b, a.PublicKey)
	b = appendString(b, a.EventID)
	b = appendString(b, a.ItemType)
	b = appendString(b, a.ClientIP)
	b = appendTime(b, a.Received)
	b = appendTime(b, a.SentAt)
	b = appendString(b, a.Grouping.Config)
	b = appendString(b, a.Grouping.Previous)
	b = appendTime(b, a.Grouping.Until)
	b = appendBytes(b, a.Payload)
	b = binary.AppendUvarint(b, uint64(len(a.Attachments)))
	for _, at := range a.Attachments {
		b = appendString(b, at.Filename)
		b = appendString(b, at.ContentType)
		b = appendString(b, at.AttachmentType)
		b = binary.AppendVarint(b, at.Size)
		b = appendBytes(b, at.Data)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return binary.AppendVarint(b, 0)
	}
	return binary.AppendVarint(b, t.UnixNano())
}

var errRecord = errors.New("pipeline: malformed spool record")

// decodeAccepted reads a spool record. The payload and attachment data are
// copies: b may be reused.
func decodeAccepted(b []byte) (*core.Accepted, error) {
	d := decoder{b: b}
	if v := d.byte(); v != recordVersion {
		if d.err != nil {
			return nil, d.err
		}
		return nil, fmt.Errorf("pipeline: spool record version %d, want %d", v, recordVersion)
	}
	a := &core.Accepted{}
	a.ProjectID = d.varint()
	a.PublicKey = d.string()
	a.EventID = d.string()
	a.ItemType = d.string()
	a.ClientIP = d.string()
	a.Received = d.time()
	a.SentAt = d.time()
	a.Grouping.Config = d.string()
	a.Grouping.Previous = d.string()
	a.Grouping.Until = d.time()
	a.Payload = d.bytes()
	n := d.uvarint()
	if n > uint64(len(d.b)) { // each attachment takes at least a byte
		return nil, errRecord
	}
	for range n {
		at := &core.Attachment{}
		at.Filename = d.string()
		at.ContentType = d.string()
		at.AttachmentType = d.string()
		at.Size = d.varint()
		at.Data = d.bytes()
		a.Attachments = append(a.Attachments, at)
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%w: %d bytes left over", errRecord, len(d.b))
	}
	return a, nil
}

// decoder reads a record; the first error sticks and zero values follow.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) byte() byte {
	if d.err != nil || len(d.b) == 0 {
		d.err = errRecord
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errRecord
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errRecord
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = errRecord
		return nil
	}
	v := append([]byte(nil), d.b[:n]...)
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string { return string(d.bytes()) }

func (d *decoder) time() time.Time {
	n := d.varint()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
