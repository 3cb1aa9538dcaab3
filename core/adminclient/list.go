package adminclient

import "github.com/periscope-hq/periscope/core"

// The answers of the list operations. A page holds one page of items and
// the cursor of the next page ("" on the last); a list holds every item.
type (
	// IssuePage is one page of ListIssues.
	IssuePage struct {
		Issues     []*core.Issue `json:"issues"`
		NextCursor string        `json:"next_cursor"`
	}
	// EventPage is one page of ListEvents.
	EventPage struct {
		Events     []*core.Event `json:"events"`
		NextCursor string        `json:"next_cursor"`
	}
	// AlertPage is one page of ListAlerts.
	AlertPage struct {
		Alerts     []*core.Alert `json:"alerts"`
		NextCursor string        `json:"next_cursor"`
	}
	// ProjectList is the answer of GET /projects.
	ProjectList struct {
		Projects []*Project `json:"projects"`
	}
	// KeyList is the answer of GET /projects/{id}/keys.
	KeyList struct {
		Keys []*core.ProjectKey `json:"keys"`
	}
	// FingerprintList is the answer of GET /issues/{id}/fingerprints.
	FingerprintList struct {
		Fingerprints []*core.Fingerprint `json:"fingerprints"`
	}
	// DestinationList is the answer of GET /alert_notification_destinations.
	DestinationList struct {
		Destinations []*core.Destination `json:"destinations"`
	}
)
