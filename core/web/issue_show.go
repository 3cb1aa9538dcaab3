package web

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/gofiber/fiber/v2"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/sentry"
	"github.com/periscope-hq/periscope/core/service"
)

// issueData is the issue detail page.
type issueData struct {
	Issue        *core.Issue
	Project      *core.Project
	Stats        service.IssueStats
	Fingerprints []*core.Fingerprint
	Activity     []*core.Activity
	Tags         []tagDist
	TagNote      string // which events the distribution covers
	Events       []*core.Event
	Newer, Older string // event ids next to the one shown
	Event        *eventView
}

// eventView is one event, prepared for the template.
type eventView struct {
	*core.Event
	Data       core.EventData
	Exceptions []exceptionView
	Why        explanation
}

// explanation is the stored grouping explanation: the variant that
// decided, the SDK fingerprint or rule, the contributing component tree
// and the values hashed.
type explanation struct {
	Variant     string     `json:"variant"`
	Rule        string     `json:"rule"`
	Fingerprint []string   `json:"fingerprint"`
	Values      []string   `json:"values"`
	Component   any        `json:"component"`
	Tree        *component `json:"-"`
}

func (u *UI) handleIssue(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := c.ParamsInt("id")
	if err != nil || id <= 0 {
		return u.renderError(c, fiber.StatusNotFound, "No such issue.")
	}
	iss, err := u.svc.FindIssue(ctx, int64(id))
	if err != nil {
		return u.fail(c, err)
	}
	d := issueData{Issue: iss}
	if d.Project, err = u.svc.FindProject(ctx, iss.ProjectID); err != nil {
		return u.fail(c, err)
	}
	if d.Stats, err = u.svc.FindIssueStats(ctx, iss.ID); err != nil {
		return u.fail(c, err)
	}
	if d.Fingerprints, err = u.svc.FindIssueFingerprints(ctx, iss.ID); err != nil {
		return u.fail(c, err)
	}
	if d.Activity, err = u.svc.FindActivity(ctx, iss.ID); err != nil {
		return u.fail(c, err)
	}
	if d.Events, _, err = u.svc.FindEvents(ctx, core.EventFilter{IssueID: iss.ID, Limit: navEvents}); err != nil {
		return u.fail(c, err)
	}
	tags, err := u.svc.FindIssueTags(ctx, iss.ID)
	if err != nil {
		return u.fail(c, err)
	}
	d.Tags = tagDistribution(tags)
	d.TagNote = fmt.Sprintf("Over all %d events of the issue; values past about %d kept per key count as other values.", iss.Count, maxTagValues)

	var ev *core.Event
	if eid := c.Params("event_id"); eid != "" {
		ev, err = u.svc.FindEvent(ctx, iss.ProjectID, eid)
		if err == nil && ev.IssueID != iss.ID {
			err = core.Errorf(core.ENOTFOUND, "event %s is not in issue %d", eid, iss.ID)
		}
	} else {
		ev, err = u.svc.FindLatestEvent(ctx, iss.ID)
		if core.IsNotFound(err) {
			err, ev = nil, nil // an issue whose events were pruned
		}
	}
	if err != nil {
		return u.fail(c, err)
	}
	if ev != nil {
		if d.Event, err = newEventView(ev); err != nil {
			return u.fail(c, err)
		}
		for i, e := range d.Events {
			if e.EventID == ev.EventID {
				if i > 0 {
					d.Newer = d.Events[i-1].EventID
				}
				if i+1 < len(d.Events) {
					d.Older = d.Events[i+1].EventID
				}
			}
		}
	}
	return u.render(c, fiber.StatusOK, "issue", iss.Title, d)
}

func newEventView(ev *core.Event) (*eventView, error) {
	v := &eventView{Event: ev}
	if len(ev.Data) > 0 {
		if err := json.Unmarshal(ev.Data, &v.Data); err != nil {
			return nil, err
		}
	} else if len(ev.Payload) > 0 {
		// The pipeline keeps only the payload: normalize it again, as
		// processing saw it.
		d, err := sentry.Normalize(ev.Payload, sentry.NormalizeOptions{Received: ev.Received, EventID: ev.EventID, ForceEventID: true})
		if err == nil {
			v.Data = *d
		}
	}
	v.Data.Timestamp, v.Data.Received = ev.Timestamp, ev.Received
	v.Exceptions = exceptions(&v.Data)
	if len(ev.Grouping.Components) > 0 {
		if err := json.Unmarshal(ev.Grouping.Components, &v.Why); err == nil {
			v.Why.Tree = toComponent(v.Why.Component)
		}
	}
	return v, nil
}

// navEvents is how many of an issue's newest events the event list and
// navigation cover.
const navEvents = 100

// maxTagValues is about how many values of one key the store keeps per
// issue (dbutil.MaxTagValues); the events with others count under "".
const maxTagValues = 100

// otherValues names the row of the values past those kept.
const otherValues = "(other values)"

// tagDist is one tag key's most frequent values among the issue's events.
type tagDist struct {
	Key    string
	Total  int
	Values []tagCount
}

type tagCount struct {
	Value string
	Count int
}

// tagDistribution keeps the five most frequent values of each key, with
// the key's total (every event that carried the key) for the shares.
func tagDistribution(counts []*core.IssueTag) []tagDist {
	byKey := map[string]*tagDist{}
	for _, c := range counts {
		d := byKey[c.Key]
		if d == nil {
			d = &tagDist{Key: c.Key}
			byKey[c.Key] = d
		}
		v := c.Value
		if v == "" {
			v = otherValues
		}
		d.Values = append(d.Values, tagCount{v, int(c.Count)})
		d.Total += int(c.Count)
	}
	var out []tagDist
	for _, d := range byKey {
		sort.Slice(d.Values, func(i, j int) bool {
			if d.Values[i].Count != d.Values[j].Count {
				return d.Values[i].Count > d.Values[j].Count
			}
			return d.Values[i].Value < d.Values[j].Value
		})
		if len(d.Values) > 5 {
			d.Values = d.Values[:5]
		}
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// component is a node of the grouping explanation.
type component struct {
	ID          string
	Hint        string
	Contributes bool
	Leaves      []string
	Children    []*component
}

func toComponent(raw any) *component {
	m, ok := raw.(map[string]any)
	if !ok {
		return nil
	}
	c := &component{}
	c.ID, _ = m["id"].(string)
	c.Hint, _ = m["hint"].(string)
	c.Contributes, _ = m["contributes"].(bool)
	vals, _ := m["values"].([]any)
	for _, v := range vals {
		switch x := v.(type) {
		case string:
			c.Leaves = append(c.Leaves, x)
		case map[string]any:
			if ch := toComponent(x); ch != nil {
				c.Children = append(c.Children, ch)
			}
		}
	}
	return c
}
