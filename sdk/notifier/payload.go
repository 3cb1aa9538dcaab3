package notifier

import (
	"encoding/json"
	"strconv"
	"time"
)

// Alert kinds, the values of Alert.Kind.
const (
	// KindNewIssue: the first event of a new issue.
	KindNewIssue = "new_issue"
	// KindRegression: an event reopened a resolved issue.
	KindRegression = "regression"
	// KindThreshold: an issue got N events in T minutes (an alert rule).
	KindThreshold = "threshold"
)

// Notification is what a plugin receives for one alert and one destination.
// Its JSON encoding is Periscope's stable notification payload; times are
// RFC 3339 in UTC, and empty strings mean "unknown" (an event without an
// environment, for instance).
type Notification struct {
	// IdempotencyKey is the same for every attempt to deliver this
	// notification and different for every other notification.
	IdempotencyKey string `json:"idempotency_key"`
	// Test is true for a notification sent by the admin API's test route;
	// its IDs are zero and its issue is made up.
	Test bool `json:"test"`
	// IssueURL is where a person opens the issue: Periscope's public URL
	// + "/issues/<id>" (the web UI's page); empty without a public URL or
	// for a test notification. Issue.URL holds the same address.
	IssueURL string  `json:"issue_url"`
	Alert    Alert   `json:"alert"`
	Project  Project `json:"project"`
	Issue    Issue   `json:"issue"`
	Event    Event   `json:"event"`
}

// Alert is why the notification was sent.
type Alert struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"` // KindNewIssue, KindRegression or KindThreshold
	CreatedAt time.Time `json:"created_at"`
}

// Label is the alert's kind in words, for a message's title: "New issue",
// "Regression" or "Threshold reached". A kind this SDK does not know reads
// as "New issue".
func (a Alert) Label() string {
	switch a.Kind {
	case KindRegression:
		return "Regression"
	case KindThreshold:
		return "Threshold reached"
	default:
		return "New issue"
	}
}

// Project is the project the issue belongs to.
type Project struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Issue is the issue the alert is about, as it was when the alert was
// delivered.
type Issue struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Culprit   string    `json:"culprit"`
	Level     string    `json:"level"`    // fatal, error, warning, info, debug
	Platform  string    `json:"platform"` // python, javascript, go, ...
	Status    string    `json:"status"`   // unresolved, resolved, ignored
	Count     int64     `json:"count"`    // events so far
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	// URL is the issue's page for people, the same as
	// Notification.IssueURL (<public url>/issues/<id>). Until Periscope
	// 1.x it pointed at the admin API, which a browser cannot open.
	URL string `json:"url"`
}

// Event is the event that raised the alert (or, failing that, the issue's
// latest event).
type Event struct {
	ID          string `json:"id"` // 32 hex characters
	Environment string `json:"environment"`
	Release     string `json:"release"`
	// Tags are in the order the SDK sent them; never null in JSON.
	Tags []Tag `json:"tags"`
	// Message is the event's log message (formatted), "" when it has none.
	Message string `json:"message"`
	// Exception is the exception the event reports (the one raised, or an
	// exception group's main member); nil, and absent from JSON, when the
	// event has none or could not be read.
	Exception *Exception `json:"exception,omitempty"`
}

// MaxFrames is how many stack frames Exception.Frames holds at most.
const MaxFrames = 5

// Exception is what a person needs of an exception in a notification.
type Exception struct {
	Type   string `json:"type"`
	Value  string `json:"value"`
	Module string `json:"module"`
	// Frames are up to MaxFrames frames of its stack trace, the newest
	// (where it was raised) first: in-app frames, or the newest frames when
	// the SDK marked none in-app. Never null in JSON.
	Frames []Frame `json:"frames"`
}

// MarshalJSON encodes x with Frames as [] rather than null.
func (x Exception) MarshalJSON() ([]byte, error) {
	type plain Exception
	p := plain(x)
	if p.Frames == nil {
		p.Frames = []Frame{}
	}
	return json.Marshal(p)
}

// Frame is one stack frame: function, file (or module, for platforms that
// name modules) and line; 0 means unknown.
type Frame struct {
	Function string `json:"function"`
	Filename string `json:"filename"`
	Module   string `json:"module"`
	Lineno   int    `json:"lineno"`
}

// Location is the frame as "file:line in function", using the module when
// there is no file name.
func (f Frame) Location() string {
	where := f.Filename
	if where == "" {
		where = f.Module
	}
	if f.Lineno > 0 {
		where += ":" + strconv.Itoa(f.Lineno)
	}
	switch {
	case where == "":
		return f.Function
	case f.Function == "":
		return where
	}
	return where + " in " + f.Function
}

// Tag is one key/value pair of an event.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// TagValue returns the value of the first tag named key, or "".
func (e Event) TagValue(key string) string {
	for _, t := range e.Tags {
		if t.Key == key {
			return t.Value
		}
	}
	return ""
}

// MarshalJSON encodes e with Tags as [] rather than null when it has none.
func (e Event) MarshalJSON() ([]byte, error) {
	type plain Event
	p := plain(e)
	if p.Tags == nil {
		p.Tags = []Tag{}
	}
	return json.Marshal(p)
}
