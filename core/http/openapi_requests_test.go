package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	phttp "github.com/periscope-hq/periscope/core/http"
	"github.com/periscope-hq/periscope/core/pipeline"
	"github.com/periscope-hq/periscope/core/storetest"
)

// fixture is what the generated requests refer to.
type fixture struct {
	project, issue, other, attachment, destination, alert, token int64
	key, eventID                                                 string
}

// stubNotifier accepts every destination and test notification.
type stubNotifier struct{}

func (stubNotifier) ValidateDestination(context.Context, *core.Destination) error { return nil }
func (stubNotifier) SendTest(context.Context, *core.Destination, *core.Project) error {
	return nil
}

func newFixture(t *testing.T, ts *testServer) fixture {
	t.Helper()
	ctx := context.Background()
	f := fixture{project: ts.Project.ID, key: ts.Key}
	d := &core.Destination{ProjectID: ts.Project.ID, Name: "hook", Plugin: "webhook", Config: map[string]any{"url": "https://example.com/h"}}
	if err := ts.Store.CreateDestination(ctx, d); err != nil {
		t.Fatal(err)
	}
	f.destination = d.ID
	tok := &core.APIToken{ProjectID: ts.Project.ID, Name: "ci", Scopes: []string{core.ScopeReleases}, Hash: "fixture", CreatedAt: time.Now()}
	if err := ts.Store.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	f.token = tok.ID
	e := storetest.NewEvent(ts.Project.ID, "aaaa")
	e.Attachments = []*core.Attachment{{Filename: "log.txt", ContentType: "text/plain", Data: []byte("hello")}}
	res := storetest.MustWrite(t, ts.Store, e, storetest.NewEvent(ts.Project.ID, "bbbb"), storetest.NewEvent(ts.Project.ID, "cccc"))
	f.issue, f.other, f.eventID = res[0].IssueID, res[1].IssueID, e.EventID
	got, err := ts.Store.FindEventByID(ctx, ts.Project.ID, e.EventID)
	if err != nil {
		t.Fatal(err)
	}
	f.attachment = got.Attachments[0].ID
	f.alert = res[0].AlertID
	if f.alert == 0 {
		t.Fatal("writing a new issue created no alert")
	}
	return f
}

// url fills a documented path with the fixture's ids.
func (f fixture) url(path string) string {
	r := strings.NewReplacer("{key}", f.key, "{event_id}", f.eventID, "{attachment_id}", fmt.Sprint(f.attachment),
		"{dest_id}", fmt.Sprint(f.destination), "{token_id}", fmt.Sprint(f.token))
	p := r.Replace(path)
	switch {
	case strings.HasPrefix(p, "/api/admin/issues/{id}"):
		p = strings.Replace(p, "{id}", fmt.Sprint(f.issue), 1)
	case strings.HasPrefix(p, "/api/admin/alerts/{id}"):
		p = strings.Replace(p, "{id}", fmt.Sprint(f.alert), 1)
	default:
		p = strings.Replace(p, "{id}", fmt.Sprint(f.project), 1)
	}
	return p
}

// badCase is a request the document calls invalid, and the field the
// server must name in its 400.
type badCase struct {
	what  string
	query string
	body  any // nil: the operation's example
	field string
}

// wrongType returns a JSON value that is not of type t.
func wrongType(t string) any {
	if t == "string" {
		return 12345
	}
	return "not-a-" + t
}

func schemaType(s map[string]any) string {
	ty, _ := s["type"].(string)
	return ty
}

// badQueries derives invalid query strings from the parameters' schemas.
func badQueries(d *schemaDoc, o operation) []badCase {
	var out []badCase
	for _, p := range o.params {
		if p["in"] != "query" {
			continue
		}
		name := p["name"].(string)
		s := d.deref(p["schema"].(map[string]any))
		add := func(what, v string) {
			out = append(out, badCase{what: "query " + name + " " + what, query: name + "=" + v, field: name})
		}
		if s["enum"] != nil {
			add("not in enum", "no-such-value")
		}
		if schemaType(s) == "integer" {
			add("not an integer", "abc")
			if m, ok := s["minimum"].(float64); ok {
				add("below minimum", fmt.Sprint(m-1))
			}
			if m, ok := s["maximum"].(float64); ok {
				add("above maximum", fmt.Sprint(m+1))
			}
		}
		if s["format"] == "date-time" {
			add("not a date-time", "yesterday")
		}
	}
	return out
}

// badBodies derives invalid bodies from the request body's schema and the
// operation's example.
func badBodies(d *schemaDoc, o operation) []badCase {
	rb, ok := o.op["requestBody"].(map[string]any)
	if !ok {
		return nil
	}
	mt := rb["content"].(map[string]any)["application/json"].(map[string]any)
	s := d.deref(mt["schema"].(map[string]any))
	example, _ := mt["example"].(map[string]any)
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range example {
			m[kk] = vv
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	var out []badCase
	add := func(what string, body map[string]any, field string) {
		out = append(out, badCase{what: "body " + what, body: body, field: field})
	}
	for _, r := range asList(s["required"]) {
		add(r.(string)+" missing", with(r.(string), nil), r.(string))
	}
	if s["additionalProperties"] == false {
		add("with an unknown field", with("no_such_field", 1), "no_such_field")
	}
	for name, ps := range asMap(s["properties"]) {
		p := d.deref(ps.(map[string]any))
		ty := schemaType(p)
		add(name+" of the wrong type", with(name, wrongType(ty)), name)
		if p["enum"] != nil {
			add(name+" not in enum", with(name, "no-such-value"), name)
		}
		if m, ok := p["minimum"].(float64); ok {
			add(name+" below minimum", with(name, m-1), name)
		}
		if m, ok := p["minLength"].(float64); ok && m > 0 {
			add(name+" too short", with(name, strings.Repeat("x", int(m)-1)), name)
		}
		if m, ok := p["maxLength"].(float64); ok {
			add(name+" too long", with(name, strings.Repeat("x", int(m)+1)), name)
		}
		if p["format"] == "date-time" {
			add(name+" not a date-time", with(name, "not-a-time"), name)
		}
		if ty == "array" {
			items := d.deref(asMap(p["items"]))
			if m, ok := p["minItems"].(float64); ok && m > 0 {
				add(name+" too few items", with(name, []any{}), name)
			}
			if m, ok := p["maxItems"].(float64); ok {
				many := make([]any, int(m)+1)
				for i := range many {
					many[i] = i + 1
				}
				add(name+" too many items", with(name, many), name)
			}
			if p["uniqueItems"] == true {
				add(name+" with a duplicate", with(name, []any{7, 7}), name)
			}
			add(name+" with an item of the wrong type", with(name, []any{wrongType(schemaType(items))}), name)
			if m, ok := items["minimum"].(float64); ok {
				add(name+" with an item below minimum", with(name, []any{m - 1}), name)
			}
		}
	}
	return out
}

// TestOpenAPIInvalidRequestsAreRefused sends, for every operation, the
// requests its parameters' and body's schemas call invalid, and expects
// 400 in the Error shape naming the parameter or field; and a path with a
// non-numeric id, which names nothing, gets 404.
func TestOpenAPIInvalidRequestsAreRefused(t *testing.T) {
	ts := MustOpenServer(t, phttp.Options{}, pipeline.Options{})
	ts.Notify = stubNotifier{}
	f := newFixture(t, ts)
	d := loadDoc(t)
	errSchema := map[string]any{"$ref": "#/components/schemas/Error"}
	total := 0
	for _, o := range d.operations() {
		cases := append(badQueries(d, o), badBodies(d, o)...)
		for _, c := range cases {
			total++
			target := f.url(o.path)
			if c.query != "" {
				target += "?" + c.query
			}
			var body io.Reader
			if c.body != nil {
				b, _ := json.Marshal(c.body)
				body = bytes.NewReader(b)
			}
			req := httptest.NewRequest(o.method, target, body)
			req.Header.Set("Authorization", "Bearer "+adminKey)
			req.Header.Set("Content-Type", "application/json")
			code, resp := ts.Do(t, req)
			var e phttp.ErrorBody
			_ = json.Unmarshal(resp, &e)
			if code != 400 || e.Error.Code != core.EINVALID || e.Error.Field != c.field {
				t.Errorf("%v with %s: got %d %s, want 400 naming %q", o, c.what, code, resp, c.field)
				continue
			}
			for _, problem := range d.validateJSON(errSchema, resp) {
				t.Errorf("%v with %s: the error does not match the Error schema: %s", o, c.what, problem)
			}
		}
		if strings.Contains(o.path, "{id}") && o.path != "/api/admin/openapi.json" {
			total++
			target := strings.Replace(f.url(strings.Replace(o.path, "{id}", "{x}", 1)), "{x}", "not-a-number", 1)
			req := httptest.NewRequest(o.method, target, strings.NewReader("{}"))
			req.Header.Set("Authorization", "Bearer "+adminKey)
			if code, resp := ts.Do(t, req); code != 404 {
				t.Errorf("%v with a non-numeric id: got %d %s, want 404", o, code, resp)
			}
		}
	}
	if total < 60 {
		t.Errorf("only %d invalid requests were derived from the document", total)
	}
	t.Logf("%d invalid requests refused as documented", total)
}

// TestOpenAPIResponsesMatch sends every documented operation a valid
// request (its example body, the fixture's ids) and checks that the
// status is documented and the body satisfies the documented schema.
// Deletions run last.
func TestOpenAPIResponsesMatch(t *testing.T) {
	ts := MustOpenServer(t, phttp.Options{}, pipeline.Options{})
	ts.Notify = stubNotifier{}
	f := newFixture(t, ts)
	d := loadDoc(t)
	ops := d.operations()
	slices.SortStableFunc(ops, func(a, b operation) int {
		rank := func(o operation) int {
			if o.method == "DELETE" {
				if strings.HasSuffix(o.path, "/projects/{id}") {
					return 2
				}
				return 1
			}
			return 0
		}
		return rank(a) - rank(b)
	})
	for _, o := range ops {
		var body io.Reader
		id, _ := o.op["operationId"].(string)
		if rb, ok := o.op["requestBody"].(map[string]any); ok {
			ex := rb["content"].(map[string]any)["application/json"].(map[string]any)["example"]
			switch id {
			case "mergeIssues":
				ex = map[string]any{"issue_ids": []int64{f.other}}
			case "createProject":
				ex = map[string]any{"name": "from the example"}
			}
			b, _ := json.Marshal(ex)
			body = bytes.NewReader(b)
		}
		req := httptest.NewRequest(o.method, f.url(o.path), body)
		req.Header.Set("Authorization", "Bearer "+adminKey)
		code, resp := ts.Do(t, req)
		r, ok := asMap(o.op["responses"])[fmt.Sprint(code)]
		if !ok {
			t.Errorf("%v: status %d is not documented (%s)", o, code, resp)
			continue
		}
		if code >= 300 {
			t.Errorf("%v: a valid request got %d: %s", o, code, resp)
		}
		content := asMap(d.deref(r.(map[string]any))["content"])
		if mt, ok := content["application/json"].(map[string]any); ok {
			for _, problem := range d.validateJSON(mt["schema"], resp) {
				t.Errorf("%v: %d answer does not match the document: %s", o, code, problem)
			}
		} else if len(content) == 0 && len(resp) > 0 {
			t.Errorf("%v: %d answer has a body the document does not describe: %s", o, code, resp)
		}
	}
}
