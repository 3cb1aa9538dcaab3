package sentry

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"

	"github.com/periscope-hq/periscope/core"
)

// ErrUnsupportedEncoding is wrapped by Decompress when Content-Encoding names
// a coding Relay does not accept; Relay answers 415. Its code is EINVALID.
var ErrUnsupportedEncoding = &core.Error{Code: core.EINVALID, Message: "unsupported content encoding"}

// zstdMaxWindow bounds the history a zstd frame may ask for (levels up to
// 19 use at most 8 MiB); larger windows are rejected as malformed.
const zstdMaxWindow = 8 << 20

var (
	gzipPool   sync.Pool // *gzip.Reader
	brotliPool sync.Pool // *brotli.Reader
	zstdPool   = sync.Pool{New: func() any {
		d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(zstdMaxWindow))
		if err != nil {
			panic(err) // only on invalid options
		}
		return d
	}}
)

// Decompress undoes a Content-Encoding: gzip (also x-gzip), deflate (zlib
// or raw deflate, told apart by the zlib header), br, zstd; identity, an
// empty value and the bogus "UTF-8" old Android SDKs send mean none. A list
// ("gzip, br") is undone right to left. Any other coding returns an error
// wrapping ErrUnsupportedEncoding.
//
// The output is capped at limit bytes while decoding: as soon as more
// appear, it stops with a *core.Error{Code: ETOOLARGE}, so a compression
// bomb never costs more than about limit bytes of memory, plus the
// decoder's fixed history (at most 8 MiB for zstd, 16 MiB for brotli). Malformed or
// truncated compressed data gives EINVALID. With no coding, or an empty
// body, body itself is returned (not copied).
func Decompress(body []byte, encoding string, limit int64) ([]byte, error) {
	if len(body) == 0 {
		return body, nil // nothing to decode, whatever the header says
	}
	codings := strings.Split(encoding, ",")
	out := body
	for i := len(codings) - 1; i >= 0; i-- {
		var err error
		if out, err = decodeOne(out, strings.ToLower(strings.TrimSpace(codings[i])), limit); err != nil {
			return nil, err
		}
	}
	if int64(len(out)) > limit {
		return nil, tooLarge(limit)
	}
	return out, nil
}

func decodeOne(body []byte, coding string, limit int64) ([]byte, error) {
	switch coding {
	case "", "identity", "utf-8", "utf8":
		return body, nil
	case "gzip", "x-gzip":
		zr, _ := gzipPool.Get().(*gzip.Reader)
		var err error
		if zr == nil {
			zr, err = gzip.NewReader(bytes.NewReader(body))
		} else {
			err = zr.Reset(bytes.NewReader(body))
		}
		if err != nil {
			return nil, malformed("gzip", err)
		}
		out, err := readLimited(zr, "gzip", limit, len(body))
		gzipPool.Put(zr)
		return out, err
	case "deflate":
		var r io.ReadCloser
		if isZlib(body) {
			zr, err := zlib.NewReader(bytes.NewReader(body))
			if err != nil {
				return nil, malformed("deflate", err)
			}
			r = zr
		} else {
			r = flate.NewReader(bytes.NewReader(body))
		}
		defer r.Close()
		return readLimited(r, "deflate", limit, len(body))
	case "br":
		br, _ := brotliPool.Get().(*brotli.Reader)
		if br == nil {
			br = brotli.NewReader(bytes.NewReader(body))
		} else if err := br.Reset(bytes.NewReader(body)); err != nil {
			return nil, malformed("br", err)
		}
		out, err := readLimited(br, "br", limit, len(body))
		brotliPool.Put(br)
		return out, err
	case "zstd":
		d := zstdPool.Get().(*zstd.Decoder)
		if err := d.Reset(bytes.NewReader(body)); err != nil {
			zstdPool.Put(d)
			return nil, malformed("zstd", err)
		}
		out, err := readLimited(d, "zstd", limit, len(body))
		_ = d.Reset(nil)
		zstdPool.Put(d)
		return out, err
	}
	return nil, fmt.Errorf("%w: %q", ErrUnsupportedEncoding, coding)
}

// isZlib reports whether b starts with a zlib (RFC 1950) header.
func isZlib(b []byte) bool {
	return len(b) >= 2 && b[0]&0x0f == 8 && (uint16(b[0])<<8|uint16(b[1]))%31 == 0
}

// readLimited reads r to its end into a buffer that never grows past
// limit+1 bytes.
func readLimited(r io.Reader, name string, limit int64, hint int) ([]byte, error) {
	max := limit + 1
	c := int64(hint) * 4
	if c < 4096 {
		c = 4096
	}
	if c > max {
		c = max
	}
	buf := make([]byte, 0, c)
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) >= max {
				return nil, tooLarge(limit)
			}
			n := int64(cap(buf)) * 2
			if n > max {
				n = max
			}
			nb := make([]byte, len(buf), n)
			copy(nb, buf)
			buf = nb
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return nil, tooLarge(limit)
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, malformed(name, err)
		}
	}
}

func tooLarge(limit int64) error {
	return core.Errorf(core.ETOOLARGE, "body exceeds the size limit of %d bytes after decompression", limit)
}

func malformed(name string, err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return core.Errorf(core.EINVALID, "malformed %s body: %v", name, err)
}

// DecodeStoreBody undoes the legacy /store/ body forms: plain JSON (returned
// as is), zlib-deflated data (0x78 magic), base64 text, and base64 of zlib
// (old raven clients). Anything else is returned unchanged for Normalize to
// judge. The decoded size is capped at limit (ETOOLARGE); corrupt zlib or
// base64 that decodes to neither JSON nor zlib gives EINVALID.
func DecodeStoreBody(b []byte, limit int64) ([]byte, error) {
	t := bytes.TrimSpace(b)
	switch {
	case len(t) == 0:
		return nil, core.Errorf(core.EINVALID, "empty event data")
	case t[0] == '{' || t[0] == '[':
	case t[0] == 0x78:
		return readLimited(zlibOrFail(t), "zlib", limit, len(t))
	default:
		dec, ok := decodeBase64(t)
		if !ok {
			break
		}
		if len(dec) > 0 && dec[0] == 0x78 {
			return readLimited(zlibOrFail(dec), "zlib", limit, len(dec))
		}
		if d := bytes.TrimSpace(dec); len(d) > 0 && d[0] == '{' {
			b = dec
			break
		}
		return nil, core.Errorf(core.EINVALID, "invalid event data: base64 body is neither JSON nor zlib")
	}
	if int64(len(b)) > limit {
		return nil, tooLarge(limit)
	}
	return b, nil
}

// zlibOrFail returns a zlib reader, or a reader that fails with the header
// error.
func zlibOrFail(b []byte) io.Reader {
	zr, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return errReader{err}
	}
	return zr
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// decodeBase64 accepts standard and URL-safe alphabets, padded or not, with
// line breaks.
func decodeBase64(b []byte) ([]byte, bool) {
	s := string(b)
	if strings.ContainsAny(s, "\r\n \t") {
		s = strings.Join(strings.Fields(s), "")
	}
	s = strings.TrimRight(s, "=")
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		if d, err := enc.DecodeString(s); err == nil {
			return d, true
		}
	}
	return nil, false
}
