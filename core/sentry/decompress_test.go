package sentry

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"

	"github.com/periscope-hq/periscope/core"
)

// compress encodes b with one coding, as an SDK would.
func compress(tb testing.TB, coding string, b []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	var err error
	switch coding {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "zlib":
		w = zlib.NewWriter(&buf)
	case "raw-deflate":
		w, err = flate.NewWriter(&buf, flate.BestSpeed)
	case "br":
		w = brotli.NewWriterLevel(&buf, 1)
	case "zstd":
		w, err = zstd.NewWriter(&buf, zstd.WithEncoderLevel(zstd.SpeedFastest))
	default:
		tb.Fatalf("unknown coding %q", coding)
	}
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecompressRoundTrip(t *testing.T) {
	payload := bytes.Repeat([]byte(`{"message":"hello","n":12345}`+"\n"), 2000)
	tests := []struct{ coding, header string }{
		{"gzip", "gzip"},
		{"gzip", "x-gzip"},
		{"gzip", " GZIP "},
		{"zlib", "deflate"},
		{"raw-deflate", "deflate"},
		{"br", "br"},
		{"zstd", "zstd"},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			body := compress(t, tt.coding, payload)
			for range 2 { // the second run uses pooled decoders
				got, err := Decompress(body, tt.header, int64(len(payload)))
				if err != nil {
					t.Fatalf("Decompress: %v", err)
				}
				if !bytes.Equal(got, payload) {
					t.Fatalf("round trip differs: %d bytes, want %d", len(got), len(payload))
				}
			}
			if _, err := Decompress(body, tt.header, int64(len(payload))-1); core.ErrorCode(err) != core.ETOOLARGE {
				t.Errorf("one byte over the limit: error = %v, want ETOOLARGE", err)
			}
		})
	}
}

func TestDecompressIdentity(t *testing.T) {
	payload := []byte(`{"a":1}`)
	for _, enc := range []string{"", "identity", "UTF-8", "utf-8", " "} {
		got, err := Decompress(payload, enc, 7)
		if err != nil || !bytes.Equal(got, payload) {
			t.Errorf("Decompress(%q) = %q, %v", enc, got, err)
		}
		if _, err := Decompress(payload, enc, 6); core.ErrorCode(err) != core.ETOOLARGE {
			t.Errorf("Decompress(%q) over the limit: %v, want ETOOLARGE", enc, err)
		}
	}
}

func TestDecompressEmptyBody(t *testing.T) {
	for _, enc := range []string{"gzip", "deflate", "br", "zstd", ""} {
		if got, err := Decompress(nil, enc, 10); err != nil || len(got) != 0 {
			t.Errorf("Decompress(empty, %q) = %q, %v; want empty", enc, got, err)
		}
	}
}

func TestDecompressChain(t *testing.T) {
	payload := []byte(strings.Repeat("chained ", 100))
	body := compress(t, "br", compress(t, "gzip", payload)) // "gzip, br": gzip first, then br
	got, err := Decompress(body, "gzip, br", 1<<20)
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("Decompress chain = %d bytes, %v", len(got), err)
	}
}

func TestDecompressUnsupported(t *testing.T) {
	for _, enc := range []string{"compress", "bzip2", "gzip;q=1"} {
		_, err := Decompress([]byte("x"), enc, 100)
		if !errors.Is(err, ErrUnsupportedEncoding) || core.ErrorCode(err) != core.EINVALID {
			t.Errorf("Decompress(%q) error = %v, want ErrUnsupportedEncoding", enc, err)
		}
	}
}

func TestDecompressCorrupt(t *testing.T) {
	payload := bytes.Repeat([]byte("some event data "), 500)
	garbage := []byte("this is not compressed at all, not even close")
	for _, tt := range []struct{ coding, header string }{
		{"gzip", "gzip"}, {"zlib", "deflate"}, {"br", "br"}, {"zstd", "zstd"},
	} {
		t.Run(tt.header, func(t *testing.T) {
			body := compress(t, tt.coding, payload)
			cases := map[string][]byte{
				"garbage":   garbage,
				"truncated": body[:len(body)/2],
			}
			flipped := bytes.Clone(body)
			flipped[len(flipped)/2] ^= 0xff
			flipped[len(flipped)/2+1] ^= 0x55
			cases["flipped"] = flipped
			for name, b := range cases {
				got, err := Decompress(b, tt.header, 1<<20)
				if core.ErrorCode(err) != core.EINVALID {
					// A flipped byte inside stored data may decode; it must
					// then at least not equal the original.
					if name == "flipped" && err == nil && !bytes.Equal(got, payload) {
						continue
					}
					t.Errorf("%s: error = %v, want EINVALID", name, err)
				}
			}
		})
	}
}

// gzipBomb returns a multi-member gzip stream that inflates to n MiB of
// zeros from about n KiB.
func gzipBomb(tb testing.TB, n int) []byte {
	tb.Helper()
	member := compress(tb, "gzip", make([]byte, 1<<20))
	return bytes.Repeat(member, n)
}

// allocatedBy returns the bytes allocated while fn runs.
func allocatedBy(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// bomb returns 64 MiB of zeros compressed with coding (as compress makes
// it), kept in testdata/bomb/ because compressing 64 MiB under the race
// detector took most of TestDecompressBomb's 20 to 60 s; -update rewrites
// the files.
func bomb(tb testing.TB, coding string) []byte {
	tb.Helper()
	path := filepath.Join("testdata", "bomb", "64MiB-zeros."+coding)
	if *update {
		b := compress(tb, coding, make([]byte, 64<<20))
		if err := os.WriteFile(path, b, 0o644); err != nil {
			tb.Fatal(err)
		}
		return b
	}
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (go test -run TestDecompressBomb -update writes it)", err)
	}
	return b
}

func TestDecompressBomb(t *testing.T) {
	const limit = 1 << 20
	bombs := map[string][]byte{
		"gzip": gzipBomb(t, 1024), // 1 GiB of zeros
	}
	bombs["zstd"] = bomb(t, "zstd")
	bombs["br"] = bomb(t, "br")
	bombs["deflate"] = bomb(t, "zlib")
	for enc, body := range bombs {
		t.Run(enc, func(t *testing.T) {
			_, _ = Decompress(body[:len(body)/4], enc, limit) // warm the decoder pools
			var err error
			alloc := allocatedBy(func() { _, err = Decompress(body, enc, limit) })
			if core.ErrorCode(err) != core.ETOOLARGE {
				t.Fatalf("error = %v, want ETOOLARGE", err)
			}
			max := uint64(4 * limit)
			switch enc { // a fresh decoder's history, whatever the bomb's size
			case "zstd":
				max += zstdMaxWindow
			case "br":
				max += 16 << 20 // the largest brotli window
			}
			if alloc > max {
				t.Errorf("decompressing a %d-byte %s bomb allocated %d bytes, want at most %d", len(body), enc, alloc, max)
			}
			t.Logf("%s bomb: %d bytes compressed, stopped at the %d-byte limit after allocating %d bytes", enc, len(body), limit, alloc)
		})
	}
}

func TestDecodeStoreBody(t *testing.T) {
	event := []byte(`{"message":"raven"}`)
	zl := compress(t, "zlib", event)
	b64 := base64.StdEncoding.EncodeToString
	tests := []struct {
		name string
		body []byte
		code string
	}{
		{"plain JSON", event, ""},
		{"JSON with leading whitespace", append([]byte("\n  "), event...), ""},
		{"zlib", zl, ""},
		{"base64", []byte(b64(event)), ""},
		{"base64 wrapped", []byte(b64(event)[:10] + "\n" + b64(event)[10:] + "\n"), ""},
		{"base64 url-safe unpadded", []byte(base64.RawURLEncoding.EncodeToString(event)), ""},
		{"base64 of zlib", []byte(b64(zl)), ""},
		{"empty", nil, core.EINVALID},
		{"base64 of garbage", []byte(b64([]byte("garbage!"))), core.EINVALID},
		{"corrupt zlib", append([]byte{0x78, 0x9c}, []byte("garbage")...), core.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeStoreBody(tt.body, 1<<20)
			if code := core.ErrorCode(err); code != tt.code {
				t.Fatalf("error = %v, want code %q", err, tt.code)
			}
			if err == nil && !bytes.Equal(bytes.TrimSpace(got), event) {
				t.Errorf("got %q, want %q", got, event)
			}
		})
	}
	if _, err := DecodeStoreBody(event, 5); core.ErrorCode(err) != core.ETOOLARGE {
		t.Errorf("plain over the limit: %v", err)
	}
	if _, err := DecodeStoreBody(compress(t, "zlib", make([]byte, 1<<20)), 1000); core.ErrorCode(err) != core.ETOOLARGE {
		t.Errorf("zlib over the limit: %v", err)
	}
	// Not JSON and not base64: returned as is for Normalize to judge.
	if got, err := DecodeStoreBody([]byte("<xml/>"), 100); err != nil || string(got) != "<xml/>" {
		t.Errorf("DecodeStoreBody(<xml/>) = %q, %v", got, err)
	}
}
