package notifier

import (
	"encoding/json"
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
	Test    bool    `json:"test"`
	Alert   Alert   `json:"alert"`
	Project Project `json:"project"`
	Issue   Issue   `json:"issue"`
	Event   Event   `json:"event"`
}

// Alert is why the notification was sent.
type Alert struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"` // KindNewIssue, KindRegression or KindThreshold
	CreatedAt time.Time `json:"created_at"`
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
	// URL is the issue in Periscope's admin API
	// (<public url>/api/admin/issues/<id>); empty when no public URL is
	// configured.
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
