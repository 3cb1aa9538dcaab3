package dbutil_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/internal/dbutil"
)

func TestBodyRoundTrip(t *testing.T) {
	cases := []struct{ payload, data string }{
		{`{"event_id":"x"}`, `{"normalized":true}`},
		{"", `{"only":"data"}`},
		{`{"only":"payload"}`, ""},
		{strings.Repeat(`{"k":"v"},`, 5000), "[]"},
	}
	for _, c := range cases {
		b := dbutil.EncodeBody([]byte(c.payload), []byte(c.data))
		p, d, err := dbutil.DecodeBody(b)
		if err != nil {
			t.Fatalf("DecodeBody: %v", err)
		}
		if string(p) != c.payload || string(d) != c.data {
			t.Errorf("round trip of (%.20q, %.20q) gave (%.20q, %.20q)", c.payload, c.data, p, d)
		}
	}
	if b := dbutil.EncodeBody(nil, nil); b != nil {
		t.Errorf("EncodeBody(nil, nil) = %v, want nil", b)
	}
	if _, _, err := dbutil.DecodeBody([]byte("not zstd")); err == nil {
		t.Error("DecodeBody(garbage): got nil error")
	}
	if _, _, err := dbutil.DecodeBody(dbutil.Compress([]byte{9, 1, 'x'})); err == nil {
		t.Error("DecodeBody(unknown version): got nil error")
	}
	if _, _, err := dbutil.DecodeBody(dbutil.Compress([]byte{1, 200, 1, 'x'})); err == nil {
		t.Error("DecodeBody(length past the end): got nil error")
	}
}

func TestCompressRoundTrip(t *testing.T) {
	in := bytes.Repeat([]byte("periscope "), 1000)
	out, err := dbutil.Decompress(dbutil.Compress(in))
	if err != nil || !bytes.Equal(out, in) {
		t.Fatalf("round trip: %v", err)
	}
	if len(dbutil.Compress(in)) >= len(in)/10 {
		t.Errorf("repetitive input compressed to %d of %d bytes", len(dbutil.Compress(in)), len(in))
	}
}

func TestCursor(t *testing.T) {
	c := dbutil.Cursor{Value: -1234567890123, ID: 42}
	s := dbutil.EncodeCursor("issues:count", c)
	got, ok, err := dbutil.DecodeCursor("issues:count", s)
	if err != nil || !ok || got != c {
		t.Fatalf("DecodeCursor = %v, %v, %v; want %v", got, ok, err, c)
	}
	if _, ok, err := dbutil.DecodeCursor("issues:count", ""); ok || err != nil {
		t.Errorf("empty cursor: ok %v, err %v", ok, err)
	}
	for _, bad := range []string{s + "x", "%%%", dbutil.EncodeCursor("events", c)} {
		if _, _, err := dbutil.DecodeCursor("issues:count", bad); core.ErrorCode(err) != core.EINVALID {
			t.Errorf("DecodeCursor(%q) = %v, want EINVALID", bad, err)
		}
	}
}

func TestPublicKey(t *testing.T) {
	a, b := dbutil.NewPublicKey(), dbutil.NewPublicKey()
	if !dbutil.IsPublicKey(a) || a == b {
		t.Fatalf("NewPublicKey gave %q and %q", a, b)
	}
	for _, bad := range []string{"", strings.ToUpper(a), a[:31], a + "0", strings.Repeat("g", 32)} {
		if dbutil.IsPublicKey(bad) {
			t.Errorf("IsPublicKey(%q) = true", bad)
		}
	}
}

func TestLikePattern(t *testing.T) {
	if got := dbutil.LikePattern(`50%_a\b`); got != `%50\%\_a\\b%` {
		t.Errorf("LikePattern = %q", got)
	}
}

func TestPrepareValidates(t *testing.T) {
	ok := func() *core.Event {
		return &core.Event{ProjectID: 1, EventID: "e1", Timestamp: time.Now(), Received: time.Now(), Grouping: core.Grouping{Hash: "h"}}
	}
	for field, mutate := range map[string]func(*core.Event){
		"batch[1].project_id":    func(e *core.Event) { e.ProjectID = 0 },
		"batch[1].event_id":      func(e *core.Event) { e.EventID = "" },
		"batch[1].grouping.hash": func(e *core.Event) { e.Grouping.Hash = "" },
		"batch[1].timestamp":     func(e *core.Event) { e.Timestamp = time.Time{} },
		"batch[1].received":      func(e *core.Event) { e.Received = time.Time{} },
	} {
		bad := ok()
		bad.EventID = "e2"
		mutate(bad)
		_, err := dbutil.Prepare([]*core.EventWrite{{Event: ok()}, {Event: bad}})
		var e *core.Error
		if !errors.As(err, &e) || e.Code != core.EINVALID || e.Field != field {
			t.Errorf("%s: got %v", field, err)
		}
	}
	ps, err := dbutil.Prepare([]*core.EventWrite{{Event: ok()}, {Event: ok()}})
	if err != nil || ps[0].DupOf != -1 || ps[1].DupOf != 0 {
		t.Fatalf("same event twice: %v, DupOf %d %d", err, ps[0].DupOf, ps[1].DupOf)
	}
}
