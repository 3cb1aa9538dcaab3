package rules

import (
	"regexp"
	"strings"
)

// paramAlt is one alternative of the parameterization: the patterns are
// tried in order at each position of the message, the first that matches
// there wins and is replaced by <name>. Written from the protocol notes
// (§7.8). An alternative that starts with \b is marked wordStart and the
// boundary is checked against the character before the position (the
// regexp only sees the rest of the message). Go's RE2 has no lookbehind,
// so the two patterns that need a preceding '=' include it and keep it in
// the replacement.
type paramAlt struct {
	name      string
	re        string
	wordStart bool
	longest   bool              // IPv6: the longest of its many forms wins
	first     string            // bytes the match can start with
	hint      func(string) bool // cheap necessary condition on s[i:]
	rx        *regexp.Regexp    // compiled ^(?:re)
	// fn, when set, is a hand-written equivalent of re: the length of the
	// match at the start of its argument, or 0 (TestParamMatchers checks
	// the two agree).
	fn func(string) int
}

const (
	digits   = "0123456789"
	hexChars = "0123456789abcdefABCDEF"
	letters  = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	emailLoc = letters + digits + ".!#$%&'*+/=?^_`{|}~-"
)

var paramAlts = []*paramAlt{
	{name: "email", first: emailLoc, re: `[a-zA-Z0-9.!#$%&'*+/=?^_` + "`" + `{|}~-]+@[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*`,
		hint: func(r string) bool { return emailAhead(r) }},
	// The first character after "://" is not one of "/$.?#", and one more
	// character of any kind (a space too) must follow it.
	{name: "url", first: "whf", wordStart: true, re: `(?:wss?|https?|ftp)://[^` + pySpace + `/$.?#].[^` + pySpace + `]*`,
		hint: func(r string) bool { return strings.Contains(r[:min(len(r), 8)], "://") }},
	// As few labels as give a known TLD: "x.com.evil.net" is two host names.
	{name: "hostname", first: letters + digits + "-", wordStart: true, re: `(?:[a-zA-Z0-9-]{1,63}\.)+?(?:` + tlds + `)\b`,
		hint: func(r string) bool { return hostAhead(r) }, fn: matchHostname},
	{name: "ip", first: hexChars + ":", re: `(?:` + ipv6 + `)\b`, longest: true,
		hint: ip6Ahead},
	{name: "ip", first: digits, wordStart: true, re: ipv4 + `\b`,
		hint: func(r string) bool { n := digitRun(r); return n <= 3 && n < len(r) && r[n] == '.' }},
	{name: "uuid", first: hexChars, wordStart: true, re: `[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b`,
		fn: matchUUID},
	{name: "sha1", first: hexChars, wordStart: true, re: `[0-9a-fA-F]{40}\b`,
		fn: func(r string) int { return fixedHex(r, 40) }},
	{name: "md5", first: hexChars, wordStart: true, re: `[0-9a-fA-F]{32}\b`,
		fn: func(r string) int { return fixedHex(r, 32) }},
	{name: "date", first: digits + "MTWFSJAOND" + "d", wordStart: true, re: datePattern,
		hint: dateAhead},
	// No boundary after "ms": "150msec" is "<duration>ec".
	{name: "duration", first: digits, wordStart: true, re: `[0-9]+ms`,
		fn: func(r string) int {
			n := digitRun(r)
			if n > 0 && strings.HasPrefix(r[n:], "ms") {
				return n + 2
			}
			return 0
		}},
	{name: "duration", first: digits, re: `[0-9](?:\.[0-9]+)?s\b`, fn: matchShortDuration},
	{name: "hex", first: "0", wordStart: true, re: `0[xX][0-9a-fA-F]+\b`, fn: func(r string) int {
		if len(r) < 3 || r[0] != '0' || r[1] != 'x' && r[1] != 'X' {
			return 0
		}
		n := 2
		for n < len(r) && strings.IndexByte(hexChars, r[n]) >= 0 {
			n++
		}
		if n > 2 && boundaryAt(r, n) {
			return n
		}
		return 0
	}},
	{name: "float", first: "-", re: `-[0-9]+\.[0-9]+\b`, fn: func(r string) int { return signed(r, matchFloat) }},
	{name: "float", first: digits, wordStart: true, re: `[0-9]+\.[0-9]+\b`, fn: matchFloat},
	{name: "int", first: "-", re: `-[0-9]+\b`, fn: func(r string) int { return signed(r, matchInt) }},
	{name: "int", first: digits, wordStart: true, re: `[0-9]+\b`, fn: matchInt},
	{name: "quoted_str", first: "=", re: `=(?:'[^']+'|"[^"]+")`},
	{name: "bool", first: "=", re: `=(?:True|true|False|false)\b`},
}

// altsByByte lists, for each first byte, the alternatives that may start
// there, in order.
var altsByByte = func() (t [256][]*paramAlt) {
	for _, a := range paramAlts {
		a.rx = regexp.MustCompile(`^(?:` + a.re + `)`)
		if a.longest {
			a.rx.Longest()
		}
		for i := 0; i < len(a.first); i++ {
			c := a.first[i]
			t[c] = append(t[c], a)
		}
	}
	return t
}()

// tlds are the reference's "top 100" top-level domains, each written all
// upper case or all lower case (mixed case such as "Com" is not a TLD).
// Private names such as internal, local or dev are not among them, so
// "redis.internal" stays as it is.
var tlds = tldUpper + "|" + strings.ToLower(tldUpper)

const tldUpper = `AE|AL|APP|AR|AT|AU|BE|BG|BIZ|BR|BY|CA|CAT|CC|CF|CH|CL|CLUB|CN|CO|COM|CZ|DE|DK|EDU|EE|ES|EU|` +
	`FI|FM|FR|GA|GOV|GQ|GR|HK|HR|HU|ID|IE|IL|IN|INFO|IO|IR|IS|IT|JOBS|JP|KR|KZ|LA|LINK|LT|LV|LY|` +
	`ME|MOBI|MS|MX|MY|NET|NEWS|NG|NL|NO|NZ|ONLINE|ORG|PE|PH|PL|PRO|PT|RO|RS|RU|SA|SE|SG|SI|SITE|` +
	`SK|TH|TIPS|TK|TO|TR|TV|TW|UA|UG|UK|US|VN|WIKI|XXX|XYZ|ZA`

// pySpace is Python's \s for str patterns (Go's \s lacks \v, \x1c-\x1f
// and the Unicode spaces), for use inside a character class.
const pySpace = `\t\n\v\f\r \x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}`

const ipv4 = `(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])`
const h16 = `[0-9a-fA-F]{1,4}`

var ipv6 = strings.Join([]string{
	`(?:` + h16 + `:){7}` + h16,
	`(?:` + h16 + `:){1,7}:`,
	`(?:` + h16 + `:){1,6}:` + h16,
	`(?:` + h16 + `:){1,5}(?::` + h16 + `){1,2}`,
	`(?:` + h16 + `:){1,4}(?::` + h16 + `){1,3}`,
	`(?:` + h16 + `:){1,3}(?::` + h16 + `){1,4}`,
	`(?:` + h16 + `:){1,2}(?::` + h16 + `){1,5}`,
	h16 + `:(?::` + h16 + `){1,6}`,
	`:(?:(?::` + h16 + `){1,7}|:)`,
	`[fF][eE]80:(?::[0-9a-fA-F]{0,4}){0,4}%[0-9a-zA-Z]+`,
	`::(?:[fF]{4}(?::0{1,4})?:)?` + ipv4,
	`(?:` + h16 + `:){1,4}:` + ipv4,
}, "|")

const (
	wday  = `(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)`
	wdayL = `(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)`
	month = `(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)`
	zone  = `(?:[+-][0-9]{4}|[A-Z]{2,5})`
)

var datePattern = strings.Join([]string{
	// RFC 3339 / ISO 8601 with time
	`[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?`,
	// RFC 1123 / 822: Mon, 02 Jan 2006 15:04:05 MST
	wday + `, [0-9]{1,2} ` + month + ` [0-9]{2,4} [0-9]{2}:[0-9]{2}(?::[0-9]{2})? ` + zone,
	// RFC 850: Monday, 02-Jan-06 15:04:05 MST
	wdayL + `, [0-9]{2}-` + month + `-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} ` + zone,
	// asctime / Unix date: Mon Jan  2 15:04:05 2006, Mon Jan 2 15:04:05 MST 2006
	wday + ` ` + month + ` {1,2}[0-9]{1,2} [0-9]{2}:[0-9]{2}:[0-9]{2}(?: ` + zone + `)?(?: [0-9]{4})?`,
	// Jan 02, 2006 (with an optional time)
	month + ` [0-9]{1,2}, [0-9]{4}(?: [0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?: ?[AP]M)?)?`,
	// datetime.datetime(2024, 1, 1, ...)
	`datetime\.datetime\([^)]*\)`,
	// bare date
	`[0-9]{4}-[0-9]{2}-[0-9]{2}\b`,
	// times: 15:04:05(.000), 3:04 PM
	`[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:[.,][0-9]+)?(?: ?[AP]M)?\b`,
	`[0-9]{1,2}:[0-9]{2} ?[AP]M\b`,
}, "|")

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func hexRun(r string, n int) bool {
	if len(r) < n {
		return false
	}
	for i := 0; i < n; i++ {
		if strings.IndexByte(hexChars, r[i]) < 0 {
			return false
		}
	}
	return true
}

// boundaryAt reports \b after a word character at position n of r.
func boundaryAt(r string, n int) bool { return n >= len(r) || !isWordByte(r[n]) }

func digitRun(r string) int {
	n := 0
	for n < len(r) && r[n] >= '0' && r[n] <= '9' {
		n++
	}
	return n
}

func signed(r string, f func(string) int) int {
	if len(r) < 2 || r[0] != '-' {
		return 0
	}
	if n := f(r[1:]); n > 0 {
		return n + 1
	}
	return 0
}

// matchInt is [0-9]+\b.
func matchInt(r string) int {
	if n := digitRun(r); n > 0 && boundaryAt(r, n) {
		return n
	}
	return 0
}

// matchFloat is [0-9]+\.[0-9]+\b.
func matchFloat(r string) int {
	n := digitRun(r)
	if n == 0 || n+1 >= len(r) || r[n] != '.' {
		return 0
	}
	m := digitRun(r[n+1:])
	if m > 0 && boundaryAt(r, n+1+m) {
		return n + 1 + m
	}
	return 0
}

// matchShortDuration is [0-9](?:\.[0-9]+)?s\b.
func matchShortDuration(r string) int {
	if len(r) < 2 || r[0] < '0' || r[0] > '9' {
		return 0
	}
	if r[1] == '.' {
		if m := digitRun(r[2:]); m > 0 && 2+m < len(r) && r[2+m] == 's' && boundaryAt(r, 3+m) {
			return 3 + m
		}
		return 0
	}
	if r[1] == 's' && boundaryAt(r, 2) {
		return 2
	}
	return 0
}

// fixedHex is [0-9a-fA-F]{n}\b.
func fixedHex(r string, n int) int {
	if hexRun(r, n) && boundaryAt(r, n) {
		return n
	}
	return 0
}

// matchUUID is 8-4-4-4-12 hex digits and \b.
func matchUUID(r string) int {
	if len(r) < 36 {
		return 0
	}
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if r[i] != '-' {
				return 0
			}
		default:
			if strings.IndexByte(hexChars, r[i]) < 0 {
				return 0
			}
		}
	}
	if boundaryAt(r, 36) {
		return 36
	}
	return 0
}

var tldSet = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range strings.Split(tlds, "|") {
		m[t] = true
	}
	return m
}()

// matchHostname is (?:[a-zA-Z0-9-]{1,63}\.)+?(?:tld)\b: after each label,
// fewest first, the word that follows must be a TLD and end there.
func matchHostname(r string) int {
	p := 0
	for {
		n := 0
		for p+n < len(r) && isLabelByte(r[p+n]) {
			n++
		}
		if n == 0 || n > 63 || p+n >= len(r) || r[p+n] != '.' {
			return 0
		}
		p += n + 1
		w := 0
		for p+w < len(r) && isWordByte(r[p+w]) {
			w++
		}
		if tldSet[r[p:p+w]] {
			return p + w
		}
	}
}

func isLabelByte(c byte) bool {
	return c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// ip6Ahead: an IPv6 address starts with up to four hex digits then ':',
// or with "::".
func ip6Ahead(r string) bool {
	n := 0
	for n < len(r) && n <= 4 && strings.IndexByte(hexChars, r[n]) >= 0 {
		n++
	}
	return n <= 4 && n < len(r) && r[n] == ':'
}

var dateWords = map[string]bool{"Mon": true, "Tue": true, "Wed": true, "Thu": true, "Fri": true, "Sat": true, "Sun": true,
	"Jan": true, "Feb": true, "Mar": true, "Apr": true, "May": true, "Jun": true, "Jul": true, "Aug": true,
	"Sep": true, "Oct": true, "Nov": true, "Dec": true, "dat": true}

// dateAhead: dates start with YYYY-, H: or HH:, a day or month name, or
// "datetime.".
func dateAhead(r string) bool {
	if r[0] >= '0' && r[0] <= '9' {
		n := digitRun(r)
		return n < len(r) && (n == 4 && r[n] == '-' || n <= 2 && r[n] == ':')
	}
	return len(r) >= 3 && dateWords[r[:3]]
}

// emailAhead: a run of local-part characters followed by '@'.
func emailAhead(r string) bool {
	for i := 0; i < len(r); i++ {
		if r[i] == '@' {
			return i > 0
		}
		if strings.IndexByte(emailLoc, r[i]) < 0 {
			return false
		}
	}
	return false
}

// hostAhead: a '.' follows within the current run of label characters.
func hostAhead(r string) bool {
	for i := 0; i < len(r); i++ {
		c := r[i]
		if c == '.' {
			return i > 0
		}
		if !isLabelByte(c) {
			return false
		}
	}
	return false
}

// Parameterize replaces the variable parts of a message (emails, URLs,
// host names, IPs, UUIDs, hashes, dates, durations, numbers...) with
// placeholders such as <int>, as Sentry does before grouping.
func Parameterize(s string) string {
	var b strings.Builder
	last := 0
	hasAt := strings.IndexByte(s, '@') >= 0
	for i := 0; i < len(s); {
		c := s[i]
		alts := altsByByte[c]
		matched := 0
		var name string
		for _, a := range alts {
			// \b before the match: a change between word and non-word.
			if a.wordStart && i > 0 && isWordByte(s[i-1]) == isWordByte(c) || !hasAt && a.name == "email" {
				continue
			}
			r := s[i:]
			if a.hint != nil && !a.hint(r) {
				continue
			}
			if a.fn != nil {
				if n := a.fn(r); n > 0 {
					matched, name = n, a.name
					break
				}
				continue
			}
			if loc := a.rx.FindStringIndex(r); loc != nil && loc[1] > 0 {
				matched, name = loc[1], a.name
				break
			}
		}
		if matched == 0 {
			i++
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[last:i])
		if name == "quoted_str" || name == "bool" {
			b.WriteByte('=')
		}
		b.WriteString("<" + name + ">")
		i += matched
		last = i
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// normalizeMessage trims a message to its first two non-blank lines
// (appending "..." when that changed it) and parameterizes it.
func normalizeMessage(s string) string {
	return Parameterize(trimLines(s))
}

func trimLines(s string) string {
	lines := splitLines(s)
	kept := make([]string, 0, 2)
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		kept = append(kept, l)
		if len(kept) == 2 {
			break
		}
	}
	t := strings.Join(kept, "\n")
	if t != s {
		t += "..."
	}
	return t
}

// splitLines splits like Python's str.splitlines().
func splitLines(s string) []string {
	var out []string
	start := 0
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '\n', '\v', '\f', '\x1c', '\x1d', '\x1e', '\u0085', '\u2028', '\u2029':
			out = append(out, string(rs[start:i]))
			start = i + 1
		case '\r':
			out = append(out, string(rs[start:i]))
			if i+1 < len(rs) && rs[i+1] == '\n' {
				i++
			}
			start = i + 1
		}
	}
	if start < len(rs) {
		out = append(out, string(rs[start:]))
	}
	return out
}
