package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/periscope-hq/periscope/core"
)

// Text an SDK can send that not every database takes as it is: NUL (Postgres
// refuses it in text and jsonb) and bytes that are not UTF-8.
const (
	nulText     = "a\x00b"
	invalidText = "bad \xff\xfe bytes"
)

// validText reports whether s can be stored in any text column and sent
// through JSON and gRPC unchanged.
func validText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

var textTests = []test{
	// Invalid text in the extracted columns must not make the database refuse
	// the event (one such event refused its whole batch on Postgres, issue
	// 10.4/10.5): the columns keep valid text, the payload keeps the bytes as
	// sent.
	{"NULAndInvalidUTF8AreStored", func(t *testing.T, s core.Store) {
		ctx := context.Background()
		p := MustCreateProject(t, s, "text")
		e := NewEvent(p.ID, "text-hash")
		e.Payload = json.RawMessage(`{"message":"a\u0000b ` + invalidText + `","tags":{"t` + invalidText + `":"a\u0000b"},` +
			`"exception":{"values":[{"type":"E","value":"a\u0000b ` + invalidText + `","stacktrace":{"frames":[{"function":"f\u0000` + invalidText + `"}]}}]}}`)
		e.Title = nulText + " " + invalidText
		e.Culprit = "f" + nulText + invalidText
		e.Release, e.Environment = "r"+nulText, "env"+invalidText
		e.SDKName, e.SDKVersion = nulText, invalidText
		e.Tags = []core.Tag{{Key: "t" + invalidText, Value: nulText}, {Key: "k" + nulText, Value: invalidText}}
		e.Grouping.Components = json.RawMessage(`{"exception":["a\u0000b","` + invalidText + `"]}`)
		e.Grouping.Title = ""
		payload := append([]byte(nil), e.Payload...)
		res := MustWrite(t, s, e)[0]
		got, err := s.FindEventByID(ctx, p.ID, e.EventID)
		must(t, "FindEventByID", err)
		if !bytes.Equal(got.Payload, payload) {
			t.Errorf("payload %q, want the bytes as sent %q", got.Payload, payload)
		}
		fields := map[string]string{"title": got.Title, "culprit": got.Culprit, "release": got.Release,
			"environment": got.Environment, "sdk_name": got.SDKName, "sdk_version": got.SDKVersion,
			"grouping.components": string(got.Grouping.Components)}
		for _, tg := range got.Tags {
			fields["tag key "+tg.Key] = tg.Key
			fields["tag value of "+tg.Key] = tg.Value
		}
		if len(got.Tags) != 2 {
			t.Errorf("%d tags, want 2", len(got.Tags))
		}
		is := mustIssue(t, s, res.IssueID)
		fields["issue title"], fields["issue culprit"] = is.Title, is.Culprit
		for name, v := range fields {
			if !validText(v) {
				t.Errorf("%s = %q: not valid UTF-8 without NUL", name, v)
			}
		}
		if !strings.HasPrefix(got.Title, "ab ") || !strings.Contains(got.Title, "\uFFFD") {
			t.Errorf("title %q, want %q with NUL dropped and invalid bytes as U+FFFD", got.Title, "ab bad \uFFFD bytes")
		}
		if !json.Valid(got.Grouping.Components) {
			t.Errorf("grouping components %q are not valid JSON", got.Grouping.Components)
		}
	}},
	{"RejectedWithInvalidText", func(t *testing.T, s core.Store) {
		p := MustCreateProject(t, s, "rejected-text")
		r := &core.RejectedEvent{ProjectID: p.ID, EventID: NewEventID(), Received: base,
			Reason: "invalid event data: " + nulText + invalidText, Payload: []byte(`{"x":"` + invalidText + `\u0000"`)}
		must(t, "WriteRejected", s.WriteRejected(context.Background(), r))
	}},
}
