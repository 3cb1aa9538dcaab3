package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestParseInterspersed(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	j := fs.Bool("json", false, "")
	p := fs.Int64("project", 0, "")
	pos, err := parseInterspersed(fs, []string{"42", "--json", "43", "--project", "7", "44"})
	if err != nil || !slices.Equal(pos, []string{"42", "43", "44"}) || !*j || *p != 7 {
		t.Fatalf("got %v %v json=%v project=%d", pos, err, *j, *p)
	}
}

func TestLocalAddr(t *testing.T) {
	for in, want := range map[string]string{
		"0.0.0.0:8000":   "127.0.0.1:8000",
		"[::]:8000":      "127.0.0.1:8000",
		"10.1.2.3:9":     "10.1.2.3:9",
		"localhost:8000": "localhost:8000",
	} {
		if got := localAddr(in); got != want {
			t.Errorf("localAddr(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestAPIExitCodes runs commands against a stub admin API answering each
// status, and checks the exit code and message.
func TestAPIExitCodes(t *testing.T) {
	status := 200
	body := `{"issues":[],"next_cursor":""}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer k" {
			w.WriteHeader(401)
			io.WriteString(w, `{"error":{"code":"unauthorized","message":"bad key"}}`)
			return
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	defer srv.Close()
	cases := []struct {
		status int
		body   string
		code   int
		msg    string
	}{
		{200, `{"issues":[],"next_cursor":""}`, exitOK, "TITLE"},
		{400, `{"error":{"code":"invalid","message":"status must be one of x","field":"status"}}`, exitUsage, "status must be"},
		{404, `{"error":{"code":"not_found","message":"project 9 not found"}}`, exitNotFound, "project 9 not found"},
		{409, `{"error":{"code":"conflict","message":"exists"}}`, exitConflict, "exists"},
		{500, `{"error":{"code":"internal","message":"internal error"}}`, exitUnreachable, "internal error"},
		{502, `<html>bad gateway</html>`, exitUnreachable, "502"},
	}
	for _, c := range cases {
		status, body = c.status, c.body
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{"issue", "list", "--project", "9", "--url", srv.URL, "--admin-key", "k"}, &out, &errOut)
		if code != c.code || !strings.Contains(out.String()+errOut.String(), c.msg) {
			t.Errorf("status %d: exit %d, output %q %q; want exit %d mentioning %q", c.status, code, out.String(), errOut.String(), c.code, c.msg)
		}
	}
	var out bytes.Buffer
	if code := run(context.Background(), []string{"issue", "list", "--project", "9", "--url", srv.URL, "--admin-key", "wrong"}, &out, &out); code != exitAuth {
		t.Errorf("wrong key: exit %d, want %d: %s", code, exitAuth, out.String())
	}
	if code := run(context.Background(), []string{"issue", "list", "--url", srv.URL, "--admin-key", "k"}, &out, &out); code != exitUsage {
		t.Errorf("missing --project: exit %d, want %d", code, exitUsage)
	}
}
