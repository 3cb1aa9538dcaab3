package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/sqlite"
	"github.com/periscope-hq/periscope/core/storetest"
	"github.com/periscope-hq/periscope/core/web"
	"github.com/periscope-hq/periscope/rules"
)

// signedIn creates ada@example.com with role, a UI over db and a browser
// signed in as her.
func signedIn(t *testing.T, db *sqlite.DB, role string, opts web.Options) (*app, *browser) {
	t.Helper()
	mustUser(t, db, "ada@example.com", role)
	a := newApp(t, db, opts)
	b := &browser{cookies: map[string]string{}}
	if resp := b.signIn(a, "ada@example.com", "correct horse"); resp.StatusCode != 303 {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	return a, b
}

// page GETs path and fails the test unless it answers 200.
func (b *browser) page(a *app, path string) string {
	a.t.Helper()
	resp, body := b.do(a, "GET", path, nil)
	if resp.StatusCode != 200 {
		a.t.Fatalf("GET %s: %d\n%s", path, resp.StatusCode, body)
	}
	return body
}

// tagShares returns the values and shares the issue page lists under one
// tag key's heading, as "value share" strings.
func tagShares(t *testing.T, body, key string) []string {
	t.Helper()
	i := strings.Index(body, "<h3>"+key+"</h3>")
	if i < 0 {
		t.Fatalf("no tag distribution for %q:\n%s", key, body)
	}
	list := body[i:]
	list = list[:strings.Index(list, "</ul>")]
	var out []string
	for _, m := range tagRow.FindAllStringSubmatch(list, -1) {
		out = append(out, m[1]+" "+m[2])
	}
	return out
}

var tagRow = regexp.MustCompile(`<span class="tv">([^<]*)</span> <span class="share">([^<]*)</span>`)

// TestIssueTagsOverAllEvents: the tag distribution of the issue page
// counts every event of the issue (the issue_tags counts the writer
// keeps), as its event count does, not the events still stored: with 100
// of 150 events kept (the project's event cap), a value only the 10
// oldest carried keeps its 7% share; and the values past those kept per
// key are shown as other values.
func TestIssueTagsOverAllEvents(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "p.db"))
	a, b := signedIn(t, db, "member", web.Options{})
	p := storetest.MustCreateProject(t, db, "tags")
	var issueID int64
	const n = 150
	for i := 0; i < n; i += 50 { // in batches, so the bound of kept values applies
		var batch []*core.Event
		for j := i; j < i+50; j++ {
			e := storetest.NewEvent(p.ID, "tagged")
			e.Payload, e.Data = nil, nil
			plan := "new"
			if j < 10 {
				plan = "old"
			}
			e.Tags = []core.Tag{{Key: "plan", Value: plan}, {Key: "request_id", Value: fmt.Sprintf("r%05d", j)}}
			batch = append(batch, e)
		}
		issueID = storetest.MustWrite(t, db, batch...)[0].IssueID
	}
	if k, err := db.CapEvents(context.Background(), p.ID, 100, 1000); err != nil || k != 50 {
		t.Fatalf("CapEvents: %d, %v; want the 50 oldest deleted", k, err)
	}
	body := b.page(a, fmt.Sprintf("/issues/%d", issueID))
	if got, want := strings.Join(tagShares(t, body, "plan"), ", "), "new 93%, old 7%"; got != want {
		t.Errorf("plan shares: got %s, want %s", got, want)
	}
	if !strings.Contains(body, "Over all 150 events") {
		t.Errorf("the note does not say the shares are over all 150 events:\n%s", body)
	}
	// request_id has a value per event: those past the ones kept count as
	// other values, the largest share.
	ids := tagShares(t, body, "request_id")
	if len(ids) == 0 || ids[0] != "(other values) 33%" {
		t.Errorf("request_id shares: got %v, want (other values) first with 33%%", ids)
	}
}

// TestWhyShowsNonContributing: the grouping explanation of the issue page
// shows the whole component tree the default grouping stored, the frames
// that did not contribute greyed with Sentry's reason, the layers in
// order with the one that decided, and every variant computed.
func TestWhyShowsNonContributing(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "p.db"))
	a, b := signedIn(t, db, "member", web.Options{})
	p := storetest.MustCreateProject(t, db, "why")
	yes, no := true, false
	data := core.EventData{EventID: storetest.NewEventID(), Platform: "python", Level: core.LevelError,
		Exceptions: []core.Exception{{Type: "KeyError", Value: "'sku'", Stacktrace: &core.Stacktrace{Frames: []core.Frame{
			{Function: "run_worker", Module: "celery.worker", Filename: "celery/worker.py", InApp: &no},
			{Function: "checkout", Module: "shop.orders", Filename: "shop/orders.py", InApp: &yes},
		}}}}}
	e := storetest.NewEvent(p.ID, "x")
	e.EventID = data.EventID
	e.Grouping = rules.DefaultGrouping(&data)
	dj, _ := json.Marshal(&data)
	e.Data, e.Payload = dj, nil
	issueID := storetest.MustWrite(t, db, e)[0].IssueID
	body := b.page(a, fmt.Sprintf("/issues/%d", issueID))
	why := body[strings.Index(body, `id="why-h"`):]
	why = why[:strings.Index(why, "</section>")]
	for _, want := range []*regexp.Regexp{
		// The library frame is in the tree, greyed, with why.
		regexp.MustCompile(`<li class="ignored">\s*<span class="cid">frame</span> <span class="tag-no">non-contributing: marked out of app by the client</span>`),
		regexp.MustCompile(`<code>run_worker</code>`),
		// The in-app frame contributes.
		regexp.MustCompile(`<li class="contributes">\s*<span class="cid">frame</span> <span class="tag-yes">contributes</span>`),
		// The layers, in order; the default grouping decided.
		regexp.MustCompile(`(?s)Grouping rules</td><td>no rule matched</td>.*SDK fingerprint</td><td>none sent</td>.*Default grouping <strong class="tag-yes">decided</strong></td><td>decided \(app variant, newstyle:2023-01-11\)`),
		// Every variant: app decides, system lost.
		regexp.MustCompile(`<td>app</td><td><code>` + e.Grouping.Hash + `</code></td><td>decides the group</td>`),
		regexp.MustCompile(`<tr class="ignored"><td>system</td>`),
	} {
		if !want.MatchString(why) {
			t.Errorf("the explanation lacks %s:\n%s", want, why)
		}
	}
}

// TestWhyNamesTheLayer: an event grouped by the SDK's fingerprint and one
// grouped by a rule say so, and the layers before and after what they
// did; an event stored when only the contributing components were kept
// says that its tree is partial.
func TestWhyNamesTheLayer(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "p.db"))
	a, b := signedIn(t, db, "member", web.Options{})
	p := storetest.MustCreateProject(t, db, "why")

	sdk := core.EventData{EventID: storetest.NewEventID(), Platform: "python", Level: core.LevelError, Fingerprint: []string{"payments", "{{ default }}"},
		Exceptions: []core.Exception{{Type: "KeyError", Value: "'sku'"}}}
	rule := core.Grouping{DecidedBy: "rule", Name: "database-down", Config: "newstyle:2023-01-11", Hash: strings.Repeat("b", 32),
		Components: json.RawMessage(`{"rule":"database-down","fingerprint":["database-down","db-7"]}`)}
	// An event stored before the whole tree was kept says so.
	old := core.Grouping{DecidedBy: "default", Name: "app", Config: "newstyle:2023-01-11", Hash: strings.Repeat("c", 32),
		Components: json.RawMessage(`{"variant":"app","component":{"id":"app","contributes":true,"values":[{"id":"type","contributes":true,"values":["KeyError"]}]},"values":["KeyError"]}`)}
	for _, c := range []struct {
		data     core.EventData
		grouping *core.Grouping
		want     []string
	}{
		{core.EventData{EventID: storetest.NewEventID(), Platform: "python", Level: core.LevelError}, &old, []string{
			"This event was stored when only the contributing components were kept.",
			`<span class="cid">type</span> <span class="tag-yes">contributes</span>`}},
		{sdk, nil, []string{"Grouping rules</td><td>no rule matched</td>",
			"SDK fingerprint <strong class=\"tag-yes\">decided</strong></td><td>decided (app variant): payments, {{ default }}</td>",
			"Default grouping</td><td>not used</td>"}},
		{core.EventData{EventID: storetest.NewEventID(), Platform: "python", Level: core.LevelError}, &rule, []string{
			"Grouping rules <strong class=\"tag-yes\">decided</strong></td><td>rule database-down matched and decided</td>",
			"SDK fingerprint</td><td>not consulted: a rule decided</td>",
			"<p>Fingerprint: <code>database-down</code> <code>db-7</code> </p>"}},
	} {
		e := storetest.NewEvent(p.ID, "x")
		e.EventID = c.data.EventID
		if c.grouping != nil {
			e.Grouping = *c.grouping
		} else {
			e.Grouping = rules.DefaultGrouping(&c.data)
		}
		dj, _ := json.Marshal(&c.data)
		e.Data, e.Payload = dj, nil
		issueID := storetest.MustWrite(t, db, e)[0].IssueID
		body := b.page(a, fmt.Sprintf("/issues/%d", issueID))
		for _, want := range c.want {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the explanation lacks %s\n%s", e.Grouping.DecidedBy, want, body[strings.Index(body, `id="why-h"`):])
			}
		}
	}
}
