// Package search parses Sentry's issue search syntax into terms a store
// turns into SQL. A query is a space-separated list of tokens, all of which
// must match:
//
//	is:unresolved            status (unresolved, resolved, ignored)
//	level:error              the level
//	release:1.2.3            any event of the issue had that release
//	environment:prod         ... that environment
//	browser.name:Chrome      ... that tag value (any tag key)
//	tags[key]:value          ... explicitly a tag, for keys that name a field
//	!level:info              negation of any key:value token
//	level:[error,fatal]      one of several values
//	firstSeen:-24h           first seen within the last 24 hours (lastSeen too;
//	                         age: is firstSeen)
//	lastSeen:+7d             last seen more than 7 days ago
//	firstSeen:>2024-05-01    absolute times: >, >=, <, <= an RFC 3339 time or a date
//	times_seen:>100          event count: >, >=, <, <=, = a number
//	"connection reset"       free text: a phrase in the title, culprit or message
//	timeout                  free text: a word (substring) ditto
//
// A value may be quoted (release:"my app 1.0") with \" and \\ escapes.
// Keys are case-sensitive, as Sentry's are. A key the package does not know
// is taken as a tag key when it could be one (letters, digits, _ . : -);
// whether the project has such a tag is for the store to say (it answers
// EINVALID naming the token when no issue of the project has it).
package search

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/periscope-hq/periscope/core/sentry"
)

// Field is what a term compares.
type Field int

// Fields of a term.
const (
	Text        Field = iota // free text over title, culprit and message
	Status                   // is:
	Level                    // level:
	Release                  // release: (a tag of the events)
	Environment              // environment: (ditto)
	Tag                      // any other tag; Term.Key names it
	FirstSeen                // firstSeen:, age:
	LastSeen                 // lastSeen:
	TimesSeen                // times_seen:
)

// Op is a term's comparison. Text, Status, Level, Release, Environment and
// Tag terms are always Eq (one of Values); FirstSeen and LastSeen use Gt, Ge,
// Lt, Le against Time; TimesSeen any Op against Num.
type Op int

// Comparisons.
const (
	Eq Op = iota
	Gt
	Ge
	Lt
	Le
)

// String is the SQL operator.
func (o Op) String() string { return [...]string{"=", ">", ">=", "<", "<="}[o] }

// Term is one token of a query.
type Term struct {
	Field  Field
	Key    string   // the tag key of a Tag term ("release" for Release, ...)
	Not    bool     // the token started with !
	Op     Op       // see Op
	Values []string // Eq terms: matches any of them (Text: exactly one)
	Time   time.Time
	Num    int64
	Token  string // the token as typed, for messages
}

// Query is a parsed query: every term must match.
type Query struct {
	Terms []Term
}

// Error is a problem with one token of a query.
type Error struct {
	Token   string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%q: %s", e.Token, e.Message) }

// MaxTerms bounds the tokens of a query, so a query cannot make a store
// build an unbounded statement.
const MaxTerms = 32

// MaxValues bounds the values of one [a,b,...] list.
const MaxValues = 100

// Parse reads q; relative times (firstSeen:-24h) count back from now. The
// error is an *Error naming the token at fault.
func Parse(q string, now time.Time) (*Query, error) {
	toks, err := tokenize(q)
	if err != nil {
		return nil, err
	}
	if len(toks) > MaxTerms {
		return nil, &Error{Token: toks[MaxTerms].raw, Message: fmt.Sprintf("a query takes at most %d terms", MaxTerms)}
	}
	out := &Query{Terms: make([]Term, 0, len(toks))}
	for _, t := range toks {
		term, err := parseToken(t, now)
		if err != nil {
			return nil, err
		}
		out.Terms = append(out.Terms, term)
	}
	return out, nil
}

// fields maps the known keys to their fields.
var fields = map[string]Field{
	"is": Status, "level": Level, "release": Release, "environment": Environment,
	"firstSeen": FirstSeen, "age": FirstSeen, "lastSeen": LastSeen, "times_seen": TimesSeen,
}

// statuses are the values of is:.
var statuses = map[string]bool{"unresolved": true, "resolved": true, "ignored": true}

func parseToken(t token, now time.Time) (Term, error) {
	term := Term{Token: t.raw, Not: t.not}
	bad := func(format string, args ...any) (Term, error) {
		return Term{}, &Error{Token: t.raw, Message: fmt.Sprintf(format, args...)}
	}
	if !t.hasKey {
		if t.value == "" {
			return bad("empty search text")
		}
		term.Field, term.Values = Text, []string{t.value}
		return term, nil
	}
	key := t.key
	f, known := fields[key]
	switch {
	case strings.HasPrefix(key, "tags[") && strings.HasSuffix(key, "]"):
		key, f, known = key[5:len(key)-1], Tag, true
		if !sentry.ValidTagKey(key) {
			return bad("%q is not a tag key", key)
		}
	case !known:
		if !sentry.ValidTagKey(key) {
			return bad("unknown search key %q", key)
		}
		f = Tag
	}
	term.Field, term.Key = f, key
	switch f {
	case FirstSeen, LastSeen:
		if t.list {
			return bad("%s takes one time", key)
		}
		op, tm, err := parseTime(t.value, now)
		if err != nil {
			return bad("%s", err)
		}
		term.Op, term.Time = op, tm
		return term, nil
	case TimesSeen:
		if t.list {
			return bad("%s takes one number", key)
		}
		op, rest := splitOp(t.value)
		n, err := strconv.ParseInt(rest, 10, 64)
		if err != nil || n < 0 {
			return bad("%s takes a number, optionally after >, >=, <, <= or =", key)
		}
		term.Op, term.Num = op, n
		return term, nil
	}
	vals := []string{t.value}
	if t.list {
		vals = t.values
	}
	for _, v := range vals {
		if v == "" {
			return bad("%s needs a value", key)
		}
		if f == Status && !statuses[v] {
			return bad("is: takes unresolved, resolved or ignored")
		}
	}
	term.Values = vals
	switch f {
	case Release, Environment:
		// Both are tags of the events.
	case Level:
		for i, v := range vals {
			vals[i] = strings.ToLower(v)
		}
	}
	return term, nil
}

// splitOp cuts a leading >, >=, <, <= or = off v.
func splitOp(v string) (Op, string) {
	for _, p := range []struct {
		s  string
		op Op
	}{{">=", Ge}, {"<=", Le}, {">", Gt}, {"<", Lt}, {"=", Eq}} {
		if strings.HasPrefix(v, p.s) {
			return p.op, v[len(p.s):]
		}
	}
	return Eq, v
}

// parseTime reads -24h (within the last 24 hours: >= now-24h), +7d (longer
// ago: < now-7d), or an operator and an RFC 3339 time or a date (UTC).
func parseTime(v string, now time.Time) (Op, time.Time, error) {
	if v != "" && (v[0] == '-' || v[0] == '+') {
		d, err := parseAge(v[1:])
		if err != nil {
			return 0, time.Time{}, err
		}
		if v[0] == '-' {
			return Ge, now.Add(-d), nil
		}
		return Lt, now.Add(-d), nil
	}
	op, rest := splitOp(v)
	if op == Eq {
		return 0, time.Time{}, fmt.Errorf("a time needs -DURATION, +DURATION or >, >=, <, <= before it")
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, rest, time.UTC); err == nil {
			return op, t.UTC(), nil
		}
	}
	return 0, time.Time{}, fmt.Errorf("%q is not a time (2006-01-02 or RFC 3339)", rest)
}

// maxAge bounds relative times.
const maxAge = 100 * 365 * 24 * time.Hour

// parseAge reads a positive number and a unit: s, m, h, d or w.
func parseAge(v string) (time.Duration, error) {
	units := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}
	if len(v) < 2 {
		return 0, fmt.Errorf("a duration is a number and a unit (s, m, h, d, w), like 24h")
	}
	u, ok := units[v[len(v)-1]]
	n, err := strconv.ParseInt(v[:len(v)-1], 10, 64)
	if !ok || err != nil || n <= 0 {
		return 0, fmt.Errorf("a duration is a number and a unit (s, m, h, d, w), like 24h")
	}
	if n > int64(maxAge/u) {
		return 0, fmt.Errorf("a duration is at most 100 years")
	}
	return time.Duration(n) * u, nil
}
