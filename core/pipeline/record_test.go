package pipeline

import (
	"reflect"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
)

func sampleAccepted() *core.Accepted {
	at := time.Date(2026, 12, 4, 18, 0, 0, 123456789, time.UTC)
	return &core.Accepted{
		ProjectID: 42, PublicKey: "0123456789abcdef0123456789abcdef", EventID: "fedcba98765432100123456789abcdef",
		ItemType: "event", Payload: []byte(`{"message":"a\u0000b \xff"}`), Received: at, SentAt: at.Add(-time.Second),
		ClientIP: "203.0.113.7",
		Grouping: core.GroupingSettings{Config: "newstyle:2026-01-20", Previous: "newstyle:2023-01-11", Until: at.Add(time.Hour)},
		Attachments: []*core.Attachment{
			{Filename: "a.txt", ContentType: "text/plain", AttachmentType: "event.attachment", Size: 3, Data: []byte("abc")},
			{Filename: "empty", Size: 0},
		},
	}
}

func TestRecordRoundTrip(t *testing.T) {
	for name, a := range map[string]*core.Accepted{
		"full":    sampleAccepted(),
		"minimal": {ProjectID: 1, Payload: []byte("{}")},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := decodeAccepted(encodeAccepted(a))
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Attachments) == 0 {
				a.Attachments = nil
			}
			if !reflect.DeepEqual(got, a) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, a)
			}
		})
	}
}

func TestRecordRejectsDamage(t *testing.T) {
	b := encodeAccepted(sampleAccepted())
	for i := range len(b) - 1 {
		if _, err := decodeAccepted(b[:i]); err == nil {
			t.Fatalf("a record cut to %d of %d bytes decoded", i, len(b))
		}
	}
	if _, err := decodeAccepted(append(b, 0)); err == nil {
		t.Error("a record with a byte left over decoded")
	}
	bad := append([]byte{9}, b[1:]...)
	if _, err := decodeAccepted(bad); err == nil {
		t.Error("a record of version 9 decoded")
	}
}

// FuzzDecodeAccepted: whatever the bytes, decoding returns an error or an
// event that encodes back to the same bytes, and never panics.
func FuzzDecodeAccepted(f *testing.F) {
	f.Add(encodeAccepted(sampleAccepted()))
	f.Add(encodeAccepted(&core.Accepted{ProjectID: 1}))
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := decodeAccepted(b)
		if err != nil {
			return
		}
		if _, err := decodeAccepted(encodeAccepted(a)); err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
	})
}
