package http

import (
	"bytes"
	"compress/bzip2"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/sentry"
)

// Form field names of a minidump upload (crashpad, breakpad, sentry-native,
// Electron).
const (
	minidumpField    = "upload_file_minidump"
	nativeEventField = "__sentry-event"
	minidumpFilename = "Minidump" // a raw upload has no file name
)

// minidumpUpload is what one upload request carried.
type minidumpUpload struct {
	minidump    *core.Attachment
	attachments []*core.Attachment // other files, in order
	native      *core.Attachment   // __sentry-event: sentry-native's event, msgpack
	crumbs      []*core.Attachment // __sentry-breadcrumb1/2: msgpack breadcrumbs
	fragment    []byte             // the "sentry" field (or its "sentry__N" chunks)
	chunks      map[int]string
	nested      [][2]string // "sentry[tags][foo]" = "bar"
	extra       [][2]string // any other plain field
}

// handleMinidump takes a crash report upload: a multipart form with the
// file upload_file_minidump, or a raw minidump body. It answers 200 with
// the event id as dashed UUID text, as Relay does. Over quota it answers
// 429 (Relay answers 200 and drops the report; Periscope keeps its rule
// that a 200 means stored), and when the pipeline stays full it answers
// 503 after waiting a while for room.
func (s *Server) handleMinidump(c *fiber.Ctx) error {
	r, err := s.authenticate(c, nil)
	if err != nil {
		s.stats.Invalid.Add(1)
		return s.ingestError(c, err)
	}
	body, err := s.ingestBody(c, s.opts.MaxEnvelopeSize)
	if err != nil {
		s.stats.Invalid.Add(1)
		return s.ingestError(c, minidumpTooLarge(err))
	}
	up, err := s.readMinidumpUpload(c.Get(fiber.HeaderContentType), body)
	if err != nil {
		s.stats.Invalid.Add(1)
		return s.ingestError(c, err)
	}
	payload, id, err := up.event(s.opts.MaxEventSize)
	if err != nil {
		s.stats.Invalid.Add(1)
		return s.ingestError(c, err)
	}
	if over := s.overQuota(r, 1); len(over) > 0 {
		// Relay drops an over-quota minidump and still says 200; Periscope
		// never says 200 for what it does not keep, so the reporter is
		// told to come back (crashpad keeps the report and retries).
		s.countRateLimited(r.projectID, 1)
		return s.tooManyRequests(c, over...)
	}
	ev := &core.Accepted{ProjectID: r.projectID, PublicKey: r.key.PublicKey, EventID: id, ItemType: "event",
		Payload: payload, Received: r.received, ClientIP: c.IP(),
		Attachments: append([]*core.Attachment{up.minidump}, up.attachments...)}
	if err := s.submitPatiently(c, ev); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	return c.SendString(dashedUUID(id))
}

// readMinidumpUpload splits the request body by its Content-Type: a
// multipart/form-data body is read part by part; anything else is the
// minidump itself (application/octet-stream, application/x-dmp).
func (s *Server) readMinidumpUpload(contentType string, body []byte) (*minidumpUpload, error) {
	up := &minidumpUpload{}
	mt, params, _ := mime.ParseMediaType(contentType)
	if mt != "multipart/form-data" {
		dump, err := decodeMinidump(body, s.opts.MaxAttachmentSize)
		if err != nil {
			return nil, err
		}
		up.minidump = &core.Attachment{Filename: minidumpFilename, ContentType: "application/x-dmp",
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
		if err := s.readPart(up, p); err != nil {
			return nil, err
		}
	}
	if up.minidump == nil {
		return nil, core.Errorf(core.EINVALID, "missing minidump")
	}
	return up, nil
}

// readPart reads one form part into up: files become attachments, plain
// fields event data.
func (s *Server) readPart(up *minidumpUpload, p *multipart.Part) error {
	name, filename := p.FormName(), p.FileName()
	isFile := filename != "" || name == minidumpField || strings.HasPrefix(name, "__sentry")
	limit := s.opts.MaxEventSize
	if isFile {
		limit = s.opts.MaxAttachmentSize
	}
	data, err := io.ReadAll(io.LimitReader(p, limit+1))
	if err != nil {
		return core.Errorf(core.EINVALID, "invalid multipart data: %v", err)
	}
	over := int64(len(data)) > limit
	switch {
	case name == minidumpField:
		if over {
			return minidumpTooLarge(core.Errorf(core.ETOOLARGE, "too large"))
		}
		if up.minidump != nil {
			return core.Errorf(core.EINVALID, "more than one minidump")
		}
		dump, err := decodeMinidump(data, s.opts.MaxAttachmentSize)
		if err != nil {
			return err
		}
		if filename == "" {
			filename = minidumpFilename
		}
		up.minidump = &core.Attachment{Filename: trimContainerExt(filename), ContentType: "application/x-dmp",
			AttachmentType: "event.minidump", Size: int64(len(dump)), Data: dump}
	case isFile:
		if over {
			s.Logger.Info("minidump upload: attachment over the size limit not stored", "field", name, "filename", filename)
			return nil
		}
		if filename == "" {
			filename = name
		}
		a := &core.Attachment{Filename: filename, ContentType: p.Header.Get("Content-Type"),
			AttachmentType: attachmentTypeOf(name), Size: int64(len(data)), Data: data}
		switch a.AttachmentType {
		case "event.payload":
			up.native = a
		case "event.breadcrumbs":
			up.crumbs = append(up.crumbs, a)
		default:
			up.attachments = append(up.attachments, a)
		}
	case over:
		return core.Errorf(core.ETOOLARGE, "envelope exceeded size limits for type 'event' (https://develop.sentry.dev/sdk/envelopes/#size-limits)")
	case name == "sentry":
		up.fragment = data
	case strings.HasPrefix(name, "sentry__") && isDigits(name[len("sentry__"):]):
		// Breakpad-style annotations split a long value into key__1, key__2...
		if up.chunks == nil {
			up.chunks = map[int]string{}
		}
		if len(up.chunks) < 1000 {
			up.chunks[atoi(name[len("sentry__"):])] = string(data)
		}
	case strings.HasPrefix(name, "sentry["):
		up.nested = append(up.nested, [2]string{name, string(data)})
	case name != "":
		up.extra = append(up.extra, [2]string{name, string(data)})
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

// decodeMinidump undoes a gzip, zstd or bzip2 container (told apart by
// their magic bytes), inflating at most limit bytes, and checks the
// minidump magic.
func decodeMinidump(b []byte, limit int64) ([]byte, error) {
	var err error
	switch {
	case bytes.HasPrefix(b, []byte{0x1f, 0x8b}):
		b, err = sentry.Decompress(b, "gzip", limit)
	case bytes.HasPrefix(b, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		b, err = sentry.Decompress(b, "zstd", limit)
	case bytes.HasPrefix(b, []byte("BZh")):
		b, err = io.ReadAll(io.LimitReader(bzip2.NewReader(bytes.NewReader(b)), limit+1))
		if err != nil {
			err = core.Errorf(core.EINVALID, "invalid compression container: %v", err)
		} else if int64(len(b)) > limit {
			err = core.Errorf(core.ETOOLARGE, "too large")
		}
	}
	if err != nil {
		return nil, minidumpTooLarge(err)
	}
	if int64(len(b)) > limit {
		return nil, minidumpTooLarge(core.Errorf(core.ETOOLARGE, "too large"))
	}
	if !bytes.HasPrefix(b, []byte("MDMP")) && !bytes.HasPrefix(b, []byte("PMDM")) {
		return nil, core.Errorf(core.EINVALID, "invalid minidump file")
	}
	return b, nil
}

// minidumpTooLarge rewrites a size limit error in Relay's words.
func minidumpTooLarge(err error) error {
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

// dashedUUID formats a 32-hex event id as 8-4-4-4-12.
func dashedUUID(id string) string {
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
