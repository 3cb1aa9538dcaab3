package search_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core/search"
)

var now = time.Date(2026, 5, 10, 12, 0, 0, 0, time.UTC)

func TestParse(t *testing.T) {
	eq := func(f search.Field, key, tok string, vals ...string) search.Term {
		return search.Term{Field: f, Key: key, Values: vals, Token: tok}
	}
	not := func(tm search.Term) search.Term { tm.Not = true; return tm }
	for _, tc := range []struct {
		q    string
		want []search.Term
	}{
		{"", nil},
		{"   ", nil},
		{"is:unresolved", []search.Term{eq(search.Status, "is", "is:unresolved", "unresolved")}},
		{"is:resolved is:ignored", []search.Term{eq(search.Status, "is", "is:resolved", "resolved"), eq(search.Status, "is", "is:ignored", "ignored")}},
		{"level:error", []search.Term{eq(search.Level, "level", "level:error", "error")}},
		{"level:Warning", []search.Term{eq(search.Level, "level", "level:Warning", "warning")}},
		{"!level:info", []search.Term{not(eq(search.Level, "level", "!level:info", "info"))}},
		{"level:[error, fatal]", []search.Term{eq(search.Level, "level", "level:[error, fatal]", "error", "fatal")}},
		{"release:1.2.3", []search.Term{eq(search.Release, "release", "release:1.2.3", "1.2.3")}},
		{`release:"my app 1.0"`, []search.Term{eq(search.Release, "release", `release:"my app 1.0"`, "my app 1.0")}},
		{"environment:prod", []search.Term{eq(search.Environment, "environment", "environment:prod", "prod")}},
		{"browser.name:Chrome", []search.Term{eq(search.Tag, "browser.name", "browser.name:Chrome", "Chrome")}},
		{"user.email:a@b.io", []search.Term{eq(search.Tag, "user.email", "user.email:a@b.io", "a@b.io")}},
		{"!server_name:web-1", []search.Term{not(eq(search.Tag, "server_name", "!server_name:web-1", "web-1"))}},
		{"tags[level]:x", []search.Term{eq(search.Tag, "level", "tags[level]:x", "x")}},
		{"tags[a:b]:c", []search.Term{eq(search.Tag, "a:b", "tags[a:b]:c", "c")}},
		{`url:[a,"b ,c"]`, []search.Term{eq(search.Tag, "url", `url:[a,"b ,c"]`, "a", "b ,c")}},
		{"url:http://x/y?a=b", []search.Term{eq(search.Tag, "url", "url:http://x/y?a=b", "http://x/y?a=b")}},
		{"timeout", []search.Term{eq(search.Text, "", "timeout", "timeout")}},
		{`"connection reset" by`, []search.Term{eq(search.Text, "", `"connection reset"`, "connection reset"), eq(search.Text, "", "by", "by")}},
		{`"say \"hi\" \\ x"`, []search.Term{eq(search.Text, "", `"say \"hi\" \\ x"`, `say "hi" \ x`)}},
		{"!flaky", []search.Term{not(eq(search.Text, "", "!flaky", "flaky"))}},
		{":x", []search.Term{eq(search.Text, "", ":x", ":x")}},
		{"a\"b", []search.Term{eq(search.Text, "", "a\"b", "a\"b")}},
		{"firstSeen:-24h", []search.Term{{Field: search.FirstSeen, Key: "firstSeen", Op: search.Ge, Time: now.Add(-24 * time.Hour), Token: "firstSeen:-24h"}}},
		{"age:-30m", []search.Term{{Field: search.FirstSeen, Key: "age", Op: search.Ge, Time: now.Add(-30 * time.Minute), Token: "age:-30m"}}},
		{"lastSeen:+7d", []search.Term{{Field: search.LastSeen, Key: "lastSeen", Op: search.Lt, Time: now.Add(-7 * 24 * time.Hour), Token: "lastSeen:+7d"}}},
		{"lastSeen:-2w", []search.Term{{Field: search.LastSeen, Key: "lastSeen", Op: search.Ge, Time: now.Add(-14 * 24 * time.Hour), Token: "lastSeen:-2w"}}},
		{"lastSeen:+90s", []search.Term{{Field: search.LastSeen, Key: "lastSeen", Op: search.Lt, Time: now.Add(-90 * time.Second), Token: "lastSeen:+90s"}}},
		{"firstSeen:>2026-05-01", []search.Term{{Field: search.FirstSeen, Key: "firstSeen", Op: search.Gt, Time: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), Token: "firstSeen:>2026-05-01"}}},
		{"firstSeen:<=2026-05-01T10:00:00Z", []search.Term{{Field: search.FirstSeen, Key: "firstSeen", Op: search.Le, Time: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC), Token: "firstSeen:<=2026-05-01T10:00:00Z"}}},
		{"lastSeen:>=2026-05-01T10:00:00+02:00", []search.Term{{Field: search.LastSeen, Key: "lastSeen", Op: search.Ge, Time: time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC), Token: "lastSeen:>=2026-05-01T10:00:00+02:00"}}},
		{"times_seen:>100", []search.Term{{Field: search.TimesSeen, Key: "times_seen", Op: search.Gt, Num: 100, Token: "times_seen:>100"}}},
		{"times_seen:>=5", []search.Term{{Field: search.TimesSeen, Key: "times_seen", Op: search.Ge, Num: 5, Token: "times_seen:>=5"}}},
		{"times_seen:<5", []search.Term{{Field: search.TimesSeen, Key: "times_seen", Op: search.Lt, Num: 5, Token: "times_seen:<5"}}},
		{"times_seen:<=5", []search.Term{{Field: search.TimesSeen, Key: "times_seen", Op: search.Le, Num: 5, Token: "times_seen:<=5"}}},
		{"times_seen:7", []search.Term{{Field: search.TimesSeen, Key: "times_seen", Op: search.Eq, Num: 7, Token: "times_seen:7"}}},
		{"!times_seen:=7", []search.Term{{Field: search.TimesSeen, Key: "times_seen", Op: search.Eq, Num: 7, Not: true, Token: "!times_seen:=7"}}},
		{"\tis:unresolved  level:error\n crash ", []search.Term{eq(search.Status, "is", "is:unresolved", "unresolved"), eq(search.Level, "level", "level:error", "error"), eq(search.Text, "", "crash", "crash")}},
	} {
		t.Run(tc.q, func(t *testing.T) {
			got, err := search.Parse(tc.q, now)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(got.Terms) == 0 && len(tc.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got.Terms, tc.want) {
				t.Errorf("got %+v, want %+v", got.Terms, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ q, token, msg string }{
		{"is:open", "is:open", "unresolved, resolved or ignored"},
		{"level:error is:[resolved,nope]", "is:[resolved,nope]", "unresolved, resolved or ignored"},
		{"lev/el:error", "lev/el:error", "unknown search key"},
		{"tags[a b]:c", "tags[a b]:c", "not a tag key"},
		{"tags[]:c", "tags[]:c", "not a tag key"},
		{"level:", "level:", "needs a value"},
		{"!", "!", "empty search text"},
		{`"open`, `"open`, "unterminated quote"},
		{`release:"1.0`, `release:"1.0`, "unterminated quote"},
		{"level:[error", "level:[error", "unterminated"},
		{"level:[error,]", "level:[error,]", "needs a value"},
		{`release:"1.0"x`, `release:"1.0"x`, "must end the token"},
		{"firstSeen:24h", "firstSeen:24h", "-DURATION"},
		{"firstSeen:-24y", "firstSeen:-24y", "number and a unit"},
		{"firstSeen:-0h", "firstSeen:-0h", "number and a unit"},
		{"lastSeen:+99999999w", "lastSeen:+99999999w", "at most 100 years"},
		{"lastSeen:>yesterday", "lastSeen:>yesterday", "not a time"},
		{"firstSeen:[-1h,-2h]", "firstSeen:[-1h,-2h]", "takes one time"},
		{"times_seen:many", "times_seen:many", "takes a number"},
		{"times_seen:>-1", "times_seen:>-1", "takes a number"},
		{"times_seen:[1,2]", "times_seen:[1,2]", "takes one number"},
		{strings.Repeat("a ", search.MaxTerms+1), "a", "at most"},
	} {
		t.Run(tc.q, func(t *testing.T) {
			_, err := search.Parse(tc.q, now)
			var e *search.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want a *search.Error", err)
			}
			if e.Token != tc.token || !strings.Contains(e.Message, tc.msg) {
				t.Errorf("got token %q message %q, want token %q message containing %q", e.Token, e.Message, tc.token, tc.msg)
			}
		})
	}
}

// FuzzParse checks that Parse never panics, and that what it accepts keeps
// its invariants: every term has a token that appears in the query, Eq
// terms have values, and reparsing the tokens gives the same terms.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"is:unresolved level:error", `!release:"a b" "phrase" word`, "browser.name:[Chrome, \"Fire fox\"]",
		"firstSeen:-24h lastSeen:+7d times_seen:>100", "tags[a:b]:c", `"\"`, "level:[", "firstSeen:>2026-01-01T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		got, err := search.Parse(q, now)
		if err != nil {
			var e *search.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not a *search.Error", err)
			}
			return
		}
		var toks []string
		for _, term := range got.Terms {
			if !strings.Contains(q, term.Token) || term.Token == "" {
				t.Fatalf("token %q not in query %q", term.Token, q)
			}
			switch term.Field {
			case search.Text, search.Status, search.Level, search.Release, search.Environment, search.Tag:
				if len(term.Values) == 0 {
					t.Fatalf("term %+v has no value", term)
				}
			}
			toks = append(toks, term.Token)
		}
		again, err := search.Parse(strings.Join(toks, " "), now)
		if err != nil {
			t.Fatalf("reparse of %q: %v", toks, err)
		}
		if !reflect.DeepEqual(again.Terms, got.Terms) {
			t.Fatalf("reparse: got %+v, want %+v", again.Terms, got.Terms)
		}
	})
}
