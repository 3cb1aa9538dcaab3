package sentry

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/periscope-hq/periscope/core"
)

// NormalizeOptions carries what Normalize needs to know about the request an
// event came with.
type NormalizeOptions struct {
	// Received is when the server got the event; zero means time.Now().
	Received time.Time
	// SentAt is the envelope header's sent_at, used for clock-drift
	// correction; zero disables the correction.
	SentAt time.Time
	// EventID is the envelope header's event_id, used when the payload has
	// none (or an invalid one). Any accepted form; it is normalized.
	EventID string
	// ForceEventID makes EventID win over the payload's event_id, as Relay
	// does for envelopes. Off by default: the payload's id is kept.
	ForceEventID bool
	// ClientIP replaces user.ip_address "{{auto}}" (and fills it from
	// request.env.REMOTE_ADDR's absence); empty removes "{{auto}}".
	ClientIP string
	// ItemType is the envelope item type the payload came in ("event",
	// "transaction", "feedback", ...); empty means "event".
	ItemType string
	// SkipBreadcrumbs leaves EventData.Breadcrumbs nil without reading
	// them, for callers that need no more than grouping does (the
	// pipeline, which keeps only the payload).
	SkipBreadcrumbs bool
}

// Normalize turns one event payload (an envelope "event" item, a /store/
// body) into Periscope's model, leniently as Relay does: values of the wrong
// type are dropped or coerced and recorded in EventData.Errors, never fatal.
// The only errors are a *core.Error with code EINVALID when the payload is
// not valid JSON or its top level is not an object. Every string of the
// returned event is valid UTF-8 without NUL, whatever the payload holds:
// invalid bytes become U+FFFD and NUL characters (\u0000) are dropped, so
// that every store accepts the text and every API and plugin can carry it;
// the payload itself is left as sent. The returned event's
// strings may share memory with one private copy of payload; payload itself
// is not retained and may be reused by the caller.
func Normalize(payload []byte, opts NormalizeOptions) (*core.EventData, error) {
	t := getTree()
	defer putTree(t)
	src := string(payload)
	if !utf8.ValidString(src) {
		// Bytes outside ASCII occur in valid JSON only inside strings, so
		// replacing the invalid ones cannot change the document's shape.
		src = strings.ToValidUTF8(src, "\uFFFD")
	}
	if err := t.parse(src); err != nil {
		return nil, &core.Error{Code: core.EINVALID, Message: "invalid event data: " + err.Error()}
	}
	if t.nodes[0].kind != jObject {
		return nil, &core.Error{Code: core.EINVALID, Message: "invalid event data: the top level is not a JSON object"}
	}
	n := normalizer{t: t, opts: opts, ev: &core.EventData{}}
	if n.opts.Received.IsZero() {
		n.opts.Received = time.Now()
	}
	n.opts.Received = n.opts.Received.UTC()
	n.collect()
	n.run()
	return n.ev, nil
}

// normalizer holds the state of one Normalize call.
type normalizer struct {
	t    *jtree
	opts NormalizeOptions
	ev   *core.EventData
	f    fields
	// drift is the clock-drift correction added to every timestamp of the
	// event (zero when within tolerance).
	drift time.Duration
}

// fields are the node indexes of the top-level members, -1 when absent.
// The legacy "sentry.interfaces.*" aliases have their own slot; the modern
// key wins when both are present.
type fields struct {
	eventID, typ, timestamp, level, platform, logger, transaction, culprit      int
	serverName, release, dist, environment, fingerprint, checksum, tags, sdk    int
	message, logentry, legacyMessage                                            int
	exception, legacyException, stacktrace, legacyStacktrace                    int
	threads, legacyThreads, template, legacyTemplate                            int
	user, legacyUser, request, legacyRequest                                    int
	contexts, legacyContexts, extra                                             int
	csp, legacyCSP, hpkp, legacyHPKP, expectCT, legacyExpectCT                  int
	expectStaple, legacyExpectStaple, breadcrumbs, legacyBreadcrumbs, debugMeta int
}

// collect walks the top-level object once and remembers where each known
// member is (the last occurrence wins, as in encoding/json).
func (n *normalizer) collect() {
	f := &n.f
	for _, p := range []*int{&f.eventID, &f.typ, &f.timestamp, &f.level, &f.platform, &f.logger,
		&f.transaction, &f.culprit, &f.serverName, &f.release, &f.dist, &f.environment,
		&f.fingerprint, &f.checksum, &f.tags, &f.sdk, &f.message, &f.logentry, &f.legacyMessage,
		&f.exception, &f.legacyException, &f.stacktrace, &f.legacyStacktrace, &f.threads,
		&f.legacyThreads, &f.template, &f.legacyTemplate, &f.user, &f.legacyUser, &f.request,
		&f.legacyRequest, &f.contexts, &f.legacyContexts, &f.extra, &f.csp, &f.legacyCSP,
		&f.hpkp, &f.legacyHPKP, &f.expectCT, &f.legacyExpectCT, &f.expectStaple, &f.legacyExpectStaple, &f.breadcrumbs, &f.legacyBreadcrumbs, &f.debugMeta} {
		*p = -1
	}
	n.t.children(0, func(c int) {
		var p *int
		switch n.t.nodes[c].key {
		case "event_id":
			p = &f.eventID
		case "type":
			p = &f.typ
		case "timestamp":
			p = &f.timestamp
		case "level":
			p = &f.level
		case "platform":
			p = &f.platform
		case "logger":
			p = &f.logger
		case "transaction":
			p = &f.transaction
		case "culprit":
			p = &f.culprit
		case "server_name":
			p = &f.serverName
		case "release":
			p = &f.release
		case "dist":
			p = &f.dist
		case "environment":
			p = &f.environment
		case "fingerprint":
			p = &f.fingerprint
		case "checksum":
			p = &f.checksum
		case "tags":
			p = &f.tags
		case "sdk":
			p = &f.sdk
		case "message":
			p = &f.message
		case "logentry":
			p = &f.logentry
		case "sentry.interfaces.Message":
			p = &f.legacyMessage
		case "exception":
			p = &f.exception
		case "sentry.interfaces.Exception":
			p = &f.legacyException
		case "stacktrace":
			p = &f.stacktrace
		case "sentry.interfaces.Stacktrace":
			p = &f.legacyStacktrace
		case "threads":
			p = &f.threads
		case "sentry.interfaces.Threads":
			p = &f.legacyThreads
		case "template":
			p = &f.template
		case "sentry.interfaces.Template":
			p = &f.legacyTemplate
		case "user":
			p = &f.user
		case "sentry.interfaces.User":
			p = &f.legacyUser
		case "request":
			p = &f.request
		case "sentry.interfaces.Http":
			p = &f.legacyRequest
		case "contexts":
			p = &f.contexts
		case "sentry.interfaces.Contexts":
			p = &f.legacyContexts
		case "extra":
			p = &f.extra
		case "csp":
			p = &f.csp
		case "sentry.interfaces.Csp":
			p = &f.legacyCSP
		case "hpkp":
			p = &f.hpkp
		case "sentry.interfaces.Hpkp":
			p = &f.legacyHPKP
		case "expectct":
			p = &f.expectCT
		case "sentry.interfaces.ExpectCT":
			p = &f.legacyExpectCT
		case "expectstaple":
			p = &f.expectStaple
		case "sentry.interfaces.ExpectStaple":
			p = &f.legacyExpectStaple
		case "breadcrumbs":
			p = &f.breadcrumbs
		case "sentry.interfaces.Breadcrumbs":
			p = &f.legacyBreadcrumbs
		case "debug_meta":
			p = &f.debugMeta
		default:
			return
		}
		*p = c
	})
}

// pick returns the modern member unless it is absent or null (a raw
// member is null when its text is).
func (n *normalizer) pick(modern, legacy int) int {
	if !n.t.isNull(modern) && !(n.t.kind(modern) == jRaw && n.t.nodes[modern].str == "null") {
		return modern
	}
	return legacy
}

// errorf records a normalization note in the event.
func (n *normalizer) note(msg string) { n.ev.Errors = append(n.ev.Errors, msg) }

// invalid records that field was dropped because of its value.
func (n *normalizer) invalid(field string) { n.note("invalid_data: " + field) }

func (n *normalizer) run() {
	t, f, ev := n.t, &n.f, n.ev
	ev.Received = n.opts.Received
	n.eventID()
	n.timestamp()

	ev.Platform = normalizePlatform(n.string("platform", f.platform))
	ev.Logger = n.logger(n.string("logger", f.logger))
	ev.Transaction = n.trimmed("transaction", n.string("transaction", f.transaction), 200)
	ev.Culprit = n.trimmed("culprit", n.string("culprit", f.culprit), 200)
	ev.ServerName = n.trimmed("server_name", n.scalarField("server_name", f.serverName), 256)
	ev.Release = n.release(n.scalarField("release", f.release))
	ev.Dist = n.dist(n.scalarField("dist", f.dist))
	ev.Environment = n.environment(n.scalarField("environment", f.environment))
	ev.Checksum = n.string("checksum", f.checksum)
	ev.Fingerprint = n.fingerprint(f.fingerprint)
	if sdk := f.sdk; t.kind(sdk) == jObject {
		ev.SDK.Name, _ = t.str(t.get(sdk, "name"))
		ev.SDK.Version, _ = t.str(t.get(sdk, "version"))
	} else if !t.isNull(sdk) {
		n.invalid("sdk")
	}

	ev.LogEntry = n.logEntry()
	n.exceptions(n.pick(f.exception, f.legacyException))
	ev.Threads = n.threads(n.pick(f.threads, f.legacyThreads))
	if st := n.stacktrace("stacktrace", n.pick(f.stacktrace, f.legacyStacktrace)); st != nil {
		if len(ev.Exceptions) == 1 && ev.Exceptions[0].Stacktrace == nil {
			ev.Exceptions[0].Stacktrace = st
		} else {
			ev.Stacktrace = st
		}
	}
	ev.Template = n.template(n.pick(f.template, f.legacyTemplate))

	ev.User = n.object("user", n.pick(f.user, f.legacyUser))
	ev.Request = n.object("request", n.pick(f.request, f.legacyRequest))
	ev.Contexts = n.contexts(n.pick(f.contexts, f.legacyContexts))
	ev.Extra = n.object("extra", f.extra)
	ev.CSP = n.object("csp", n.pick(f.csp, f.legacyCSP))
	ev.HPKP = n.object("hpkp", n.pick(f.hpkp, f.legacyHPKP))
	ev.ExpectCT = n.object("expectct", n.pick(f.expectCT, f.legacyExpectCT))
	ev.ExpectStaple = n.object("expectstaple", n.pick(f.expectStaple, f.legacyExpectStaple))
	n.normalizeRequest()
	n.normalizeUser()
	if !n.opts.SkipBreadcrumbs {
		ev.Breadcrumbs = n.rawBreadcrumbs(n.pick(f.breadcrumbs, f.legacyBreadcrumbs))
	}

	ev.DebugMeta = n.debugMeta(f.debugMeta)
	ev.Tags = n.tags(f.tags)
	ev.Type = n.eventType()
	ev.Level = n.level(f.level)
}

// eventID sets ev.EventID from the payload, the options, or a new id.
func (n *normalizer) eventID() {
	fromOpts := normalizeEventID(n.opts.EventID)
	if n.opts.ForceEventID && fromOpts != "" {
		n.ev.EventID = fromOpts
		return
	}
	if i := n.f.eventID; !n.t.isNull(i) {
		s, _ := n.t.str(i)
		if id := normalizeEventID(s); id != "" {
			n.ev.EventID = id
			return
		}
		n.invalid("event_id")
	}
	if fromOpts != "" {
		n.ev.EventID = fromOpts
		return
	}
	n.ev.EventID = NewEventID()
}

// NewEventID returns a random version-4 UUID as 32 lowercase hex characters.
func NewEventID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return hex.EncodeToString(b[:])
}

// NormalizeEventID returns id as 32 lowercase hex characters, accepting the
// 32-character and the dashed 36-character forms (also in braces or with a
// "urn:uuid:" prefix); "" when id is not a UUID. The nil UUID is accepted.
func NormalizeEventID(id string) string { return normalizeEventID(id) }

func normalizeEventID(id string) string {
	if len(id) == 32 {
		if out, ok := lowerHex(id); ok {
			return out
		}
		return ""
	}
	if len(id) == 45 && (id[:9] == "urn:uuid:" || id[:9] == "URN:UUID:") {
		id = id[9:]
	} else if len(id) == 38 && id[0] == '{' && id[37] == '}' {
		id = id[1:37]
	}
	if len(id) != 36 || id[8] != '-' || id[13] != '-' || id[18] != '-' || id[23] != '-' {
		return ""
	}
	out, ok := lowerHex(id[0:8] + id[9:13] + id[14:18] + id[19:23] + id[24:])
	if !ok {
		return ""
	}
	return out
}

// lowerHex checks that s is hex and returns it in lowercase, without
// allocating when it already is.
func lowerHex(s string) (string, bool) {
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			upper = true
		default:
			return "", false
		}
	}
	if !upper {
		return s, true
	}
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'F' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b), true
}
