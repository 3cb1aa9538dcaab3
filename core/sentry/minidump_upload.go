package sentry

import (
	"bytes"
	"compress/bzip2"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strings"

	"github.com/periscope-hq/periscope/core"
)

// Form field names of a minidump upload (crashpad, breakpad, sentry-native,
// Electron).
const (
	minidumpField    = "upload_file_minidump"
	nativeEventField = "__sentry-event"
	minidumpFilename = "Minidump" // a raw upload has no file name
)

// MinidumpUpload is what one crash report upload carried, read by
// ReadMinidumpUpload; its Event method builds the event.
type MinidumpUpload struct {
	Minidump    *core.Attachment   // the minidump, inflated
	Attachments []*core.Attachment // other files, in order
	Native      *core.Attachment   // __sentry-event: sentry-native's event, msgpack
	Crumbs      []*core.Attachment // __sentry-breadcrumb1/2: msgpack breadcrumbs
	Fragment    []byte             // the "sentry" field
	Chunks      map[int]string     // the "sentry__N" chunks of the "sentry" field
	Nested      [][2]string        // "sentry[tags][foo]" = "bar"
	Extra       [][2]string        // any other plain field
}

// MinidumpLimits bounds a minidump upload: MaxAttachmentSize each file
// (the minidump after inflating), MaxEventSize each plain field.
type MinidumpLimits struct {
	MaxAttachmentSize, MaxEventSize int64
	// Dropped, when set, is told of a file over MaxAttachmentSize that is
	// left out (the upload is still taken).
	Dropped func(field, filename string)
}

// ReadMinidumpUpload reads a crash report upload (crashpad, breakpad,
// sentry-native, Electron) by its Content-Type: a multipart/form-data body
// is read part by part (the file upload_file_minidump, other files as
// attachments, sentry-native's msgpack event and breadcrumbs, and the
// "sentry" JSON, "sentry__N" and "sentry[a][b]" fields); anything else is
// the minidump itself (application/octet-stream, application/x-dmp). A
// gzip, zstd or bzip2 minidump is inflated. Errors are EINVALID (no or
// several minidumps, not a minidump, bad multipart) or ETOOLARGE in
// Relay's words.
func ReadMinidumpUpload(contentType string, body []byte, limits MinidumpLimits) (*MinidumpUpload, error) {
	up := &MinidumpUpload{}
	mt, params, _ := mime.ParseMediaType(contentType)
	if mt != "multipart/form-data" {
		dump, err := DecodeMinidump(body, limits.MaxAttachmentSize)
		if err != nil {
			return nil, err
		}
		up.Minidump = &core.Attachment{Filename: minidumpFilename, ContentType: "application/x-dmp",
			AttachmentType: "event.minidump", Size: int64(len(dump)), Data: dump}
		return up, nil
	}
	if params["boundary"] == "" {
		return nil, core.Errorf(core.EINVALID, "invalid multipart data: no boundary")
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, core.Errorf(core.EINVALID, "invalid multipart data: %v", err)
		}
		if err := readPart(up, p, limits); err != nil {
			return nil, err
		}
	}
	if up.Minidump == nil {
		return nil, core.Errorf(core.EINVALID, "missing minidump")
	}
	return up, nil
}

// readPart reads one form part into up: files become attachments, plain
// fields event data.
func readPart(up *MinidumpUpload, p *multipart.Part, limits MinidumpLimits) error {
	name, filename := p.FormName(), p.FileName()
	isFile := filename != "" || name == minidumpField || strings.HasPrefix(name, "__sentry")
	limit := limits.MaxEventSize
	if isFile {
		limit = limits.MaxAttachmentSize
	}
	data, err := io.ReadAll(io.LimitReader(p, limit+1))
	if err != nil {
		return core.Errorf(core.EINVALID, "invalid multipart data: %v", err)
	}
	over := int64(len(data)) > limit
	switch {
	case name == minidumpField:
		if over {
			return MinidumpTooLarge(core.Errorf(core.ETOOLARGE, "too large"))
		}
		if up.Minidump != nil {
			return core.Errorf(core.EINVALID, "more than one minidump")
		}
		dump, err := DecodeMinidump(data, limits.MaxAttachmentSize)
		if err != nil {
			return err
		}
		if filename == "" {
			filename = minidumpFilename
		}
		up.Minidump = &core.Attachment{Filename: trimContainerExt(filename), ContentType: "application/x-dmp",
			AttachmentType: "event.minidump", Size: int64(len(dump)), Data: dump}
	case isFile:
		if over {
			if limits.Dropped != nil {
				limits.Dropped(name, filename)
			}
			return nil
		}
		if filename == "" {
			filename = name
		}
		a := &core.Attachment{Filename: filename, ContentType: p.Header.Get("Content-Type"),
			AttachmentType: attachmentTypeOf(name), Size: int64(len(data)), Data: data}
		switch a.AttachmentType {
		case "event.payload":
			up.Native = a
		case "event.breadcrumbs":
			up.Crumbs = append(up.Crumbs, a)
		default:
			up.Attachments = append(up.Attachments, a)
		}
	case over:
		return core.Errorf(core.ETOOLARGE, "envelope exceeded size limits for type 'event' (https://develop.sentry.dev/sdk/envelopes/#size-limits)")
	case name == "sentry":
		up.Fragment = data
	case strings.HasPrefix(name, "sentry__") && isDigits(name[len("sentry__"):]):
		// Breakpad-style annotations split a long value into key__1, key__2...
		if up.Chunks == nil {
			up.Chunks = map[int]string{}
		}
		if len(up.Chunks) < 1000 {
			up.Chunks[atoi(name[len("sentry__"):])] = string(data)
		}
	case strings.HasPrefix(name, "sentry["):
		up.Nested = append(up.Nested, [2]string{name, string(data)})
	case name != "":
		up.Extra = append(up.Extra, [2]string{name, string(data)})
	}
	return nil
}

// attachmentTypeOf names the attachment type of a form file field.
func attachmentTypeOf(field string) string {
	switch field {
	case nativeEventField:
		return "event.payload"
	case "__sentry-breadcrumb1", "__sentry-breadcrumb2":
		return "event.breadcrumbs"
	}
	return "event.attachment"
}

// DecodeMinidump undoes a gzip, zstd or bzip2 container (told apart by
// their magic bytes), inflating at most limit bytes, and checks the
// minidump magic (MDMP, or PMDM big-endian). A result over limit is
// ETOOLARGE, a bad container or no minidump EINVALID.
func DecodeMinidump(b []byte, limit int64) ([]byte, error) {
	var err error
	switch {
	case bytes.HasPrefix(b, []byte{0x1f, 0x8b}):
		b, err = Decompress(b, "gzip", limit)
	case bytes.HasPrefix(b, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		b, err = Decompress(b, "zstd", limit)
	case bytes.HasPrefix(b, []byte("BZh")):
		b, err = io.ReadAll(io.LimitReader(bzip2.NewReader(bytes.NewReader(b)), limit+1))
		if err != nil {
			err = core.Errorf(core.EINVALID, "invalid compression container: %v", err)
		} else if int64(len(b)) > limit {
			err = core.Errorf(core.ETOOLARGE, "too large")
		}
	}
	if err != nil {
		return nil, MinidumpTooLarge(err)
	}
	if int64(len(b)) > limit {
		return nil, MinidumpTooLarge(core.Errorf(core.ETOOLARGE, "too large"))
	}
	if !bytes.HasPrefix(b, []byte("MDMP")) && !bytes.HasPrefix(b, []byte("PMDM")) {
		return nil, core.Errorf(core.EINVALID, "invalid minidump file")
	}
	return b, nil
}

// MinidumpTooLarge rewrites an ETOOLARGE error in Relay's words for an
// attachment; any other error is returned as is.
func MinidumpTooLarge(err error) error {
	if core.ErrorCode(err) == core.ETOOLARGE {
		return core.Errorf(core.ETOOLARGE, "envelope exceeded size limits for type 'attachment' (https://develop.sentry.dev/sdk/envelopes/#size-limits)")
	}
	return err
}

// trimContainerExt drops a compression suffix from a file name: the
// attachment is stored inflated.
func trimContainerExt(name string) string {
	for _, ext := range []string{".gz", ".zst", ".bz2", ".xz"} {
		if s, ok := strings.CutSuffix(name, ext); ok && s != "" {
			return s
		}
	}
	return name
}

// DashedUUID formats a 32-hex event id as 8-4-4-4-12, the way Relay
// answers a minidump upload; anything else is returned as is.
func DashedUUID(id string) string {
	if len(id) != 32 {
		return id
	}
	return id[:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:]
}

func isDigits(s string) bool {
	if s == "" || len(s) > 6 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}
