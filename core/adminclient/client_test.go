package adminclient_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/adminclient"
)

// TestErrorCodes: every error answer becomes a *core.Error carrying the
// body's code, message and field, or the status's code when the body has
// none.
func TestErrorCodes(t *testing.T) {
	cases := []struct {
		status           int
		body             string
		code, msg, field string
	}{
		{400, `{"error":{"code":"invalid","message":"status must be one of x","field":"status"}}`, core.EINVALID, "status must be one of x", "status"},
		{401, `{"error":{"code":"unauthorized","message":"bad key"}}`, core.EUNAUTHORIZED, "bad key", ""},
		{404, `{"error":{"code":"not_found","message":"issue 9 not found"}}`, core.ENOTFOUND, "issue 9 not found", ""},
		{409, `{"error":{"code":"conflict","message":"exists"}}`, core.ECONFLICT, "exists", ""},
		{413, ``, core.ETOOLARGE, "GET /api/admin/issues/9: 413 Request Entity Too Large", ""},
		{429, `{}`, core.ERATELIMITED, "GET /api/admin/issues/9: 429 Too Many Requests", ""},
		{403, `not json`, core.EFORBIDDEN, "GET /api/admin/issues/9: 403 Forbidden", ""},
		{502, `<html>bad gateway</html>`, core.EINTERNAL, "GET /api/admin/issues/9: 502 Bad Gateway", ""},
	}
	for _, c := range cases {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(c.status)
			io.WriteString(w, c.body)
		}))
		_, err := adminclient.New(srv.URL, "k", nil).GetIssue(context.Background(), 9)
		srv.Close()
		var e *core.Error
		if !errors.As(err, &e) || e.Code != c.code || e.Message != c.msg || e.Field != c.field {
			t.Errorf("status %d: got %#v, want code %q message %q field %q", c.status, err, c.code, c.msg, c.field)
		}
	}
}

// TestUnreachable: a server that does not answer is an EINTERNAL error
// naming the address.
func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	_, err := adminclient.New(url, "k", nil).ListProjects(context.Background())
	if core.ErrorCode(err) != core.EINTERNAL || !contains(core.ErrorMessage(err), "cannot reach "+url) {
		t.Fatalf("got %v, want EINTERNAL naming %s", err, url)
	}
}

// TestRequest: a typed call sends the bearer key, the method, the path
// with its query and the JSON body the API documents.
func TestRequest(t *testing.T) {
	var got struct{ method, uri, auth, ctype, body string }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.method, got.uri, got.auth, got.ctype, got.body = r.Method, r.URL.RequestURI(), r.Header.Get("Authorization"), r.Header.Get("Content-Type"), string(b)
		io.WriteString(w, `{"id":3,"status":"ignored","ignore_count":5}`)
	}))
	defer srv.Close()
	c := adminclient.New(srv.URL+"/", "sekret", nil)
	st, n := core.StatusIgnored, int64(5)
	is, err := c.UpdateIssue(context.Background(), 3, core.IssueUpdate{Status: &st, IgnoreCount: &n})
	if err != nil || is.ID != 3 || is.Status != "ignored" || is.IgnoreCount != 5 {
		t.Fatalf("UpdateIssue: %+v, %v", is, err)
	}
	if got.method != "PATCH" || got.uri != "/api/admin/issues/3" || got.auth != "Bearer sekret" ||
		got.ctype != "application/json" || got.body != `{"status":"ignored","ignore_count":5}` {
		t.Errorf("request %+v", got)
	}
	if _, err := c.ListIssues(context.Background(), core.IssueFilter{ProjectID: 7, Status: "resolved", Query: "a b", Limit: 10}); err != nil {
		t.Fatal(err)
	}
	if got.method != "GET" || got.uri != "/api/admin/projects/7/issues?limit=10&query=a+b&status=resolved" || got.body != "" {
		t.Errorf("request %+v", got)
	}
}

// TestListFingerprints: the issue's fingerprints come from its
// fingerprints route, decoded as core.Fingerprint.
func TestListFingerprints(t *testing.T) {
	var uri string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uri = r.URL.RequestURI()
		io.WriteString(w, `{"fingerprints":[{"hash":"ab12","config":"newstyle:2026-01-20","created_at":"2026-01-02T03:04:05Z"}]}`)
	}))
	defer srv.Close()
	fps, err := adminclient.New(srv.URL, "k", nil).ListFingerprints(context.Background(), 9)
	if err != nil || len(fps) != 1 || fps[0].Hash != "ab12" || fps[0].Config != core.GroupingConfig2026 || fps[0].CreatedAt.Day() != 2 {
		t.Fatalf("ListFingerprints: %+v, %v", fps, err)
	}
	if uri != "/api/admin/issues/9/fingerprints" {
		t.Errorf("asked %s", uri)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
