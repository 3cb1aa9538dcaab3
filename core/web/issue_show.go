package web

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

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
// decided, the SDK fingerprint or rule, the deciding variant's component
// tree (contributing nodes and, for events stored since the whole tree is
// kept, the others with why), the values hashed and every variant
// computed.
type explanation struct {
	Variant     string        `json:"variant"`
	Rule        string        `json:"rule"`
	Fingerprint []string      `json:"fingerprint"`
	Values      []string      `json:"values"`
	Component   any           `json:"component"`
	Variants    []variantView `json:"variants"`
	Tree        *component    `json:"-"`
	// Pruned is set for an event stored when only the contributing part
	// of the tree was kept.
	Pruned bool `json:"-"`
	// Layers are the three layers of grouping in order, and what each did.
	Layers []layer `json:"-"`
}

// variantView is one grouping variant: its hash ("" when it does not
// contribute) and why it lost, if it did.
type variantView struct {
	Name string `json:"name"`
	Hash string `json:"hash"`
	Hint string `json:"hint"`
}

// layer is one layer of grouping (rules, SDK fingerprint, default) and
// what it did for the event.
type layer struct {
	Name, Did string
	Decided   bool
}

// layers says, for each layer of grouping in the order they are tried,
// what it did: the first that produced a fingerprint decided.
func layers(g core.Grouping, sdkFingerprint []string) []layer {
	rule := layer{Name: "Grouping rules", Did: "no rule matched"}
	sdk := layer{Name: "SDK fingerprint", Did: "none sent"}
	def := layer{Name: "Default grouping", Did: "not used"}
	if len(sdkFingerprint) > 0 {
		sdk.Did = "sent " + strings.Join(sdkFingerprint, ", ")
	}
	switch g.DecidedBy {
	case "rule":
		rule.Decided, rule.Did = true, "rule "+g.Name+" matched and decided"
		sdk.Did = "not consulted: a rule decided"
		def.Did = "not consulted: a rule decided"
	case "sdk":
		sdk.Decided, sdk.Did = true, "decided ("+g.Name+" variant): "+strings.Join(sdkFingerprint, ", ")
	default:
		def.Decided, def.Did = true, "decided ("+g.Name+" variant, "+g.Config+")"
		if len(sdkFingerprint) > 0 {
			sdk.Did += ", which keeps the default"
		}
	}
	return []layer{rule, sdk, def}
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
			v.Why.Pruned = v.Why.Tree != nil && v.Why.Variants == nil
		}
	}
	v.Why.Layers = layers(ev.Grouping, v.Data.Fingerprint)
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
