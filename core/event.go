package core

import (
	"encoding/json"
	"time"
)

// Levels of an event, in Sentry's vocabulary.
const (
	LevelFatal   = "fatal"
	LevelError   = "error"
	LevelWarning = "warning"
	LevelInfo    = "info"
	LevelDebug   = "debug"
)

// EventData is a normalized Sentry event: what package sentry makes of a
// payload, what rules groups, and what the admin API shows. Field names
// follow Sentry's event schema; the JSON form is Periscope's own (API output),
// not a parser for SDK input (use sentry.Normalize for that).
type EventData struct {
	EventID     string    `json:"event_id"`
	Type        string    `json:"type"` // error, default, csp, ...
	Timestamp   time.Time `json:"timestamp"`
	Received    time.Time `json:"received"`
	Platform    string    `json:"platform"`
	Level       string    `json:"level"`
	Logger      string    `json:"logger,omitempty"`
	Transaction string    `json:"transaction,omitempty"`
	Culprit     string    `json:"culprit,omitempty"` // legacy field, as sent
	ServerName  string    `json:"server_name,omitempty"`
	Release     string    `json:"release,omitempty"`
	Dist        string    `json:"dist,omitempty"`
	Environment string    `json:"environment,omitempty"`

	LogEntry    *LogEntry    `json:"logentry,omitempty"`
	Exceptions  []Exception  `json:"exception,omitempty"` // oldest first; the last one was raised
	Stacktrace  *Stacktrace  `json:"stacktrace,omitempty"`
	Threads     []Thread     `json:"threads,omitempty"`
	Template    *Template    `json:"template,omitempty"`
	Fingerprint []string     `json:"fingerprint,omitempty"` // nil when the SDK sent none
	Checksum    string       `json:"checksum,omitempty"`
	Tags        []Tag        `json:"tags,omitempty"`
	SDK         SDKInfo      `json:"sdk"`
	Breadcrumbs *Breadcrumbs `json:"breadcrumbs,omitempty"`
	// DebugMeta lists the debug files the SDK says its code was built
	// from; JavaScript SDKs name each bundle's source map by debug ID.
	DebugMeta *DebugMeta `json:"debug_meta,omitempty"`

	// Security reports (CSP, HPKP, Expect-CT, Expect-Staple), kept as sent.
	CSP          map[string]any `json:"csp,omitempty"`
	HPKP         map[string]any `json:"hpkp,omitempty"`
	ExpectCT     map[string]any `json:"expectct,omitempty"`
	ExpectStaple map[string]any `json:"expectstaple,omitempty"`

	// Free-form interfaces, kept as sent for display and for rules.
	User     map[string]any `json:"user,omitempty"`
	Request  map[string]any `json:"request,omitempty"`
	Contexts map[string]any `json:"contexts,omitempty"`
	Extra    map[string]any `json:"extra,omitempty"`

	// Errors lists what normalization changed or dropped, as Relay records
	// them ("clock_drift", "invalid_data: level", ...).
	Errors []string `json:"errors,omitempty"`
}

// LogEntry is a log message: Message is the template ("User %s failed"),
// Formatted the final text. Either may be empty.
type LogEntry struct {
	Message   string `json:"message,omitempty"`
	Formatted string `json:"formatted,omitempty"`
	Params    any    `json:"params,omitempty"`
}

// Text returns the formatted message, or the template when there is none.
func (l *LogEntry) Text() string {
	if l == nil {
		return ""
	} else if l.Formatted != "" {
		return l.Formatted
	}
	return l.Message
}

// Exception is one exception of a (possibly chained) error.
type Exception struct {
	Type       string      `json:"type,omitempty"`
	Value      string      `json:"value,omitempty"`
	Module     string      `json:"module,omitempty"`
	ThreadID   string      `json:"thread_id,omitempty"`
	Mechanism  *Mechanism  `json:"mechanism,omitempty"`
	Stacktrace *Stacktrace `json:"stacktrace,omitempty"`
	// RawStacktrace is the stack trace as the SDK sent it, kept when
	// processing replaced Stacktrace (source maps), as Sentry does.
	RawStacktrace *Stacktrace `json:"raw_stacktrace,omitempty"`
}

// DebugMeta is Sentry's debug_meta interface (only what Periscope reads).
type DebugMeta struct {
	Images []DebugImage `json:"images,omitempty"`
}

// DebugImage is one debug file an event's code came from: for JavaScript
// Type "sourcemap", CodeFile the bundle's URL or path and DebugID its
// source map's debug ID.
type DebugImage struct {
	Type     string `json:"type,omitempty"`
	DebugID  string `json:"debug_id,omitempty"`
	CodeFile string `json:"code_file,omitempty"`
}

// Mechanism tells how an exception was captured; exception groups link
// exceptions with ExceptionID and ParentID.
type Mechanism struct {
	Type             string         `json:"type,omitempty"`
	Handled          *bool          `json:"handled,omitempty"`
	Synthetic        bool           `json:"synthetic,omitempty"`
	ExceptionID      *int           `json:"exception_id,omitempty"`
	ParentID         *int           `json:"parent_id,omitempty"`
	IsExceptionGroup bool           `json:"is_exception_group,omitempty"`
	Source           string         `json:"source,omitempty"`
	Meta             map[string]any `json:"meta,omitempty"`
}

// Stacktrace holds frames oldest first: the crashing frame is last.
type Stacktrace struct {
	Frames []Frame `json:"frames"`
}

// Frame is one stack frame. InApp is nil when the SDK did not say.
type Frame struct {
	Function        string         `json:"function,omitempty"`
	RawFunction     string         `json:"raw_function,omitempty"`
	Symbol          string         `json:"symbol,omitempty"`
	Module          string         `json:"module,omitempty"`
	Package         string         `json:"package,omitempty"`
	Filename        string         `json:"filename,omitempty"`
	AbsPath         string         `json:"abs_path,omitempty"`
	Lineno          int            `json:"lineno,omitempty"`
	Colno           int            `json:"colno,omitempty"`
	Platform        string         `json:"platform,omitempty"`
	ContextLine     *string        `json:"context_line,omitempty"`
	PreContext      []string       `json:"pre_context,omitempty"`
	PostContext     []string       `json:"post_context,omitempty"`
	InApp           *bool          `json:"in_app,omitempty"`
	InstructionAddr string         `json:"instruction_addr,omitempty"`
	SymbolAddr      string         `json:"symbol_addr,omitempty"`
	ImageAddr       string         `json:"image_addr,omitempty"`
	Trust           string         `json:"trust,omitempty"`
	Lang            string         `json:"lang,omitempty"`
	Vars            map[string]any `json:"vars,omitempty"`
	Data            map[string]any `json:"data,omitempty"`
}

// Breadcrumbs is the trail of events an SDK recorded before the event,
// oldest first, in Sentry's {"values": [...]} form.
type Breadcrumbs struct {
	Values []Breadcrumb `json:"values"`
}

// Breadcrumb is one normalized breadcrumb. Level is always one of the five
// levels and Type is "default" when the SDK sent none; Timestamp is zero
// (and omitted) when the SDK sent none or an invalid one.
type Breadcrumb struct {
	Timestamp time.Time      `json:"timestamp,omitzero"`
	Type      string         `json:"type"`
	Category  string         `json:"category,omitempty"`
	Level     string         `json:"level"`
	Message   string         `json:"message,omitempty"`
	Data      map[string]any `json:"data,omitempty"`
}

// Thread is one thread of a threads interface.
type Thread struct {
	ID         string      `json:"id,omitempty"`
	Name       string      `json:"name,omitempty"`
	Crashed    bool        `json:"crashed,omitempty"`
	Current    bool        `json:"current,omitempty"`
	Main       bool        `json:"main,omitempty"`
	Stacktrace *Stacktrace `json:"stacktrace,omitempty"`
}

// Template is the location of a template error (Django and friends).
type Template struct {
	Filename    string `json:"filename,omitempty"`
	AbsPath     string `json:"abs_path,omitempty"`
	Lineno      int    `json:"lineno,omitempty"`
	ContextLine string `json:"context_line,omitempty"`
}

// Tag is one key/value pair; tags keep the order the SDK sent them in.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// SDKInfo names the SDK that sent an event.
type SDKInfo struct {
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
}

// TagValue returns the value of the first tag named key, or "".
func (e *EventData) TagValue(key string) string {
	for _, t := range e.Tags {
		if t.Key == key {
			return t.Value
		}
	}
	return ""
}

// Grouping says how an event's fingerprint was decided: which layer
// ("rule", "sdk" or "default"), the rule or variant name, the components that
// went into the hash, and the hash itself (32 lowercase hex).
type Grouping struct {
	DecidedBy  string          `json:"decided_by"` // "rule", "sdk", "default"
	Name       string          `json:"name,omitempty"`
	Config     string          `json:"config,omitempty"` // e.g. "newstyle:2023-01-11"
	Hash       string          `json:"hash"`
	Components json.RawMessage `json:"components,omitempty"`
	// Title overrides the issue title when a rule sets one.
	Title string `json:"title,omitempty"`
}

// Event is a stored event: the extracted columns, the grouping decision and
// the raw payload exactly as the SDK sent it (uncompressed here; the stores
// compress it).
type Event struct {
	ID          int64     `json:"-"`
	ProjectID   int64     `json:"project_id"`
	IssueID     int64     `json:"issue_id"`
	EventID     string    `json:"event_id"`
	Timestamp   time.Time `json:"timestamp"`
	Received    time.Time `json:"received"`
	Title       string    `json:"title"`
	Culprit     string    `json:"culprit"`
	Level       string    `json:"level"`
	Platform    string    `json:"platform"`
	Release     string    `json:"release,omitempty"`
	Environment string    `json:"environment,omitempty"`
	Tags        []Tag     `json:"tags,omitempty"`
	// Message is the event's log message when it says more than Title; it
	// is not stored with the event, only in its issue's search text.
	Message    string   `json:"-"`
	SDKName    string   `json:"sdk_name,omitempty"`
	SDKVersion string   `json:"sdk_version,omitempty"`
	Grouping   Grouping `json:"grouping"`
	// Data is the normalized event, stored as JSON.
	Data json.RawMessage `json:"data,omitempty"`
	// Payload is the event item exactly as received.
	Payload     json.RawMessage `json:"payload,omitempty"`
	Attachments []*Attachment   `json:"attachments,omitempty"`
}

// Attachment is a file sent with an event (envelope "attachment" item).
type Attachment struct {
	ID             int64  `json:"id"`
	Filename       string `json:"filename"`
	ContentType    string `json:"content_type,omitempty"`
	AttachmentType string `json:"attachment_type,omitempty"`
	Size           int64  `json:"size"`
	Data           []byte `json:"-"`
}

// RejectedEvent is a payload that was accepted on the wire but could not be
// processed: kept with its reason so nothing accepted disappears.
type RejectedEvent struct {
	ID        int64     `json:"id"`
	ProjectID int64     `json:"project_id"`
	EventID   string    `json:"event_id,omitempty"`
	Received  time.Time `json:"received"`
	Reason    string    `json:"reason"`
	Payload   []byte    `json:"-"`
}
