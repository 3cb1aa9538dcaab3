package sentry

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/periscope-hq/periscope/core/sentry/sentrytest"
)

func TestDecodeMsgpackValues(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		want string // the values as JSON
	}{
		{"fixmap of fixstr", []byte{0x81, 0xa1, 'a', 0xa1, 'b'}, `[{"a":"b"}]`},
		{"ints", []byte{0x05, 0xff, 0xcc, 0xc8, 0xcd, 0x01, 0x00, 0xd0, 0x80, 0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}, `[5,-1,200,256,-128,-2]`},
		{"nil and bools", []byte{0xc0, 0xc2, 0xc3}, `[null,false,true]`},
		{"float64", []byte{0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0}, `[1.5]`},
		{"NaN becomes null", append([]byte{0xcb}, be64(math.Float64bits(math.NaN()))...), `[null]`},
		{"str8 and array16", []byte{0xdc, 0x00, 0x02, 0xd9, 0x02, 'h', 'i', 0x90}, `[["hi",[]]]`},
		{"ext is skipped", []byte{0xd4, 0x01, 0x02, 0xc7, 0x02, 0x05, 'x', 'y', 0x07}, `[null,null,7]`},
		{"non-string key", []byte{0x81, 0x01, 0xa1, 'x'}, `[{"1":"x"}]`},
		{"two values in a row", []byte{0x80, 0x80}, `[{},{}]`},
		{"sentrytest.MsgpackMap", sentrytest.MsgpackMap("a", "b", "m", sentrytest.MsgpackMap("x", "y")), `[{"a":"b","m":{"x":"y"}}]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vs, err := DecodeMsgpackValues(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(vs)
			if string(got) != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	for _, bad := range [][]byte{{0xc1}, {0x81, 0xa1}, {0xdd, 0xff, 0xff, 0xff, 0xff}, {0xd9, 0x05, 'a'}, {0xdf, 0x7f, 0xff, 0xff, 0xff, 0x00}} {
		if _, err := DecodeMsgpackValues(bad); err == nil {
			t.Errorf("% x: no error, want malformed", bad)
		}
	}
	deep := make([]byte, 1000)
	for i := range deep {
		deep[i] = 0x91
	}
	if _, err := DecodeMsgpackValues(deep); err == nil {
		t.Errorf("1000 nested arrays: no error, want the depth bound")
	}
}

func be64(v uint64) []byte {
	b := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
	return b
}

// FuzzMsgpack: any input decodes or fails, never panics, and what decodes
// marshals to JSON.
func FuzzMsgpack(f *testing.F) {
	f.Add([]byte{0x81, 0xa1, 'a', 0xa1, 'b'})
	f.Add([]byte{0xdc, 0x00, 0x02, 0xd9, 0x02, 'h', 'i', 0x90})
	f.Add([]byte{0xc9, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00})
	f.Add([]byte{0xca, 0x7f, 0x80, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		vs, err := DecodeMsgpackValues(b)
		if err != nil {
			return
		}
		if _, err := json.Marshal(vs); err != nil {
			t.Fatalf("decoded values do not marshal: %v", err)
		}
	})
}

// FuzzSecurityEvents: any body gives events that marshal, or an error.
func FuzzSecurityEvents(f *testing.F) {
	f.Add([]byte(`{"csp-report":{"document-uri":"https://a.example/","violated-directive":"img-src 'self'","blocked-uri":"https://b.example/x.png"}}`))
	f.Add([]byte(`[{"type":"csp-violation","url":"https://a.example/","body":{"blockedURL":"inline","effectiveDirective":"script-src-elem"}}]`))
	f.Add([]byte(`{"known-pins":[],"hostname":"a.example","port":443}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ps, _, err := SecurityEvents(b, ReportContext{Release: "r"})
		if err != nil {
			return
		}
		for _, p := range ps {
			if !json.Valid(p) {
				t.Fatalf("invalid payload %s", p)
			}
		}
	})
}
