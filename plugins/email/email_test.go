package main

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/plugins/email/smtptest"
	"github.com/periscope-hq/periscope/sdk"
	"github.com/periscope-hq/periscope/sdk/sdktest"
)

// parsed is a received message taken apart.
type parsed struct {
	header mail.Header
	plain  string
	html   string
}

// mustParse parses raw as a multipart/alternative message with a
// text/plain and a text/html part.
func mustParse(tb testing.TB, raw []byte) parsed {
	tb.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		tb.Fatalf("parse message: %v\n%s", err, raw)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		tb.Fatalf("Content-Type = %q (%v), want multipart/alternative", m.Header.Get("Content-Type"), err)
	}
	p := parsed{header: m.Header}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextRawPart()
		if err == io.EOF {
			break
		} else if err != nil {
			tb.Fatal(err)
		}
		if part.Header.Get("Content-Transfer-Encoding") != "quoted-printable" {
			tb.Errorf("part encoding = %q", part.Header.Get("Content-Transfer-Encoding"))
		}
		body, err := io.ReadAll(quotedprintable.NewReader(part))
		if err != nil {
			tb.Fatal(err)
		}
		switch ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type")); ct {
		case "text/plain":
			p.plain = string(body)
		case "text/html":
			p.html = string(body)
		default:
			tb.Errorf("unexpected part %q", ct)
		}
	}
	if p.plain == "" || p.html == "" {
		tb.Fatalf("message lacks a part: plain %d bytes, html %d bytes", len(p.plain), len(p.html))
	}
	return p
}

func decodedSubject(tb testing.TB, h mail.Header) string {
	tb.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestConformancePlainRelay(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{TLS: "none"})
	sdktest.Conformance(t, &email{}, sdk.Config{
		"host": "127.0.0.1", sdk.AllowPrivateHostsKey: localRelay, "port": srv.Port, "tls": "none",
		"from": "Periscope <alerts@example.com>", "to": []any{"ops@example.com", "dev@example.com"},
		"subject_prefix": "[P] ", "timeout": "10s",
	})
	raws, envs := srv.Wait(t, 5)
	if len(raws) != 5 {
		t.Fatalf("server got %d messages, want one per notification (5)", len(raws))
	}
	ids := map[string]bool{}
	for i, raw := range raws {
		m := mustParse(t, raw)
		ids[m.header.Get("Message-ID")] = true
		if envs[i].MailFrom != "alerts@example.com" || strings.Join(envs[i].RcptTos, ",") != "ops@example.com,dev@example.com" {
			t.Errorf("envelope = %+v", envs[i])
		}
	}
	if len(ids) != 5 {
		t.Errorf("Message-IDs %v, want 5 distinct", ids)
	}
}

func TestSTARTTLSWithAuth(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{TLS: "starttls", Auth: "periscope:hunter2"})
	remote := sdktest.Serve(t, &email{})
	ctx := context.Background()
	cfg := sdk.Config{
		"host": "127.0.0.1", sdk.AllowPrivateHostsKey: localRelay, "port": float64(srv.Port), "ca_file": srv.CAFile,
		"username": "periscope", "password": "hunter2",
		"from": "alerts@example.com", "to": "Ops Team <ops@example.com>",
	}
	if err := remote.Configure(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	n := sdktest.SampleNotification(0)
	n.Alert.Kind = sdk.KindRegression
	n.Issue.Title = "KeyError: 'café' <b>bold</b>"
	if err := remote.Notify(ctx, n); err != nil {
		t.Fatal(err)
	}
	raws, envs := srv.Wait(t, 1)
	if !envs[0].TLS || !envs[0].Authenticated {
		t.Errorf("envelope = %+v, want TLS and authenticated", envs[0])
	}
	m := mustParse(t, raws[0])
	if got, want := decodedSubject(t, m.header), "[Periscope] Regression in checkout: KeyError: 'café' <b>bold</b>"; got != want {
		t.Errorf("Subject = %q, want %q", got, want)
	}
	if got := m.header.Get("To"); got != `"Ops Team" <ops@example.com>` {
		t.Errorf("To = %q", got)
	}
	if got := m.header.Get("Message-ID"); got != "<periscope.sdktest-0@example.com>" {
		t.Errorf("Message-ID = %q", got)
	}
	if _, err := m.header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	for _, want := range []string{
		"Regression in checkout", "KeyError: 'café' <b>bold</b>", "app.views in divide",
		"Level:        error", "Environment:  production", "Release:      checkout@1.4.2", "Events:       3",
		"Open the issue: https://periscope.example.com/issues/42", "browser: Firefox 128",
	} {
		if !strings.Contains(m.plain, want) {
			t.Errorf("text part lacks %q:\n%s", want, m.plain)
		}
	}
	for _, want := range []string{
		`<a href="https://periscope.example.com/issues/42"`,
		"KeyError: &#39;café&#39; &lt;b&gt;bold&lt;/b&gt;",
		"production", "checkout@1.4.2",
	} {
		if !strings.Contains(m.html, want) {
			t.Errorf("HTML part lacks %q:\n%s", want, m.html)
		}
	}
	if strings.Contains(m.html, "<b>bold</b>") {
		t.Error("HTML part does not escape the title")
	}
}

func TestImplicitTLS(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{TLS: "tls"})
	e := &email{}
	ctx := context.Background()
	if err := e.Configure(ctx, sdk.Config{"host": "127.0.0.1", sdk.AllowPrivateHostsKey: localRelay, "port": srv.Port, "tls": "tls", "ca_file": srv.CAFile, "from": "a@example.com", "to": "b@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := e.Notify(ctx, sdktest.SampleNotification(1)); err != nil {
		t.Fatal(err)
	}
	_, envs := srv.Wait(t, 1)
	if !envs[0].TLS {
		t.Error("message did not travel over TLS")
	}
}

func TestSMTPErrorsClassified(t *testing.T) {
	plain := smtptest.Start(t, smtptest.Options{TLS: "none"})
	withAuth := smtptest.Start(t, smtptest.Options{TLS: "starttls", Auth: "periscope:hunter2"})
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		config    sdk.Config
		permanent bool
		text      string
	}{
		{"450 mailbox busy", sdk.Config{"host": "127.0.0.1", sdk.AllowPrivateHostsKey: localRelay, "port": plain.Port, "tls": "none", "from": "a@example.com", "to": "busy@example.com"}, false, "450"},
		{"550 no such user", sdk.Config{"host": "127.0.0.1", sdk.AllowPrivateHostsKey: localRelay, "port": plain.Port, "tls": "none", "from": "a@example.com", "to": "nobody@example.com"}, true, "550"},
		{"no STARTTLS offered", sdk.Config{"host": "127.0.0.1", sdk.AllowPrivateHostsKey: localRelay, "port": plain.Port, "from": "a@example.com", "to": "b@example.com"}, true, "STARTTLS"},
		{"wrong password", sdk.Config{"host": "127.0.0.1", sdk.AllowPrivateHostsKey: localRelay, "port": withAuth.Port, "ca_file": withAuth.CAFile, "username": "periscope", "password": "wrong", "from": "a@example.com", "to": "b@example.com"}, true, "535"},
		{"untrusted certificate", sdk.Config{"host": "127.0.0.1", sdk.AllowPrivateHostsKey: localRelay, "port": withAuth.Port, "username": "periscope", "password": "hunter2", "from": "a@example.com", "to": "b@example.com"}, false, "certificate"},
		{"connection refused", sdk.Config{"host": "127.0.0.1", sdk.AllowPrivateHostsKey: localRelay, "port": smtptest.FreePort(t), "tls": "none", "from": "a@example.com", "to": "b@example.com", "timeout": "2s"}, false, "refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &email{}
			if err := e.Configure(ctx, tc.config); err != nil {
				t.Fatal(err)
			}
			err := e.Notify(ctx, sdktest.SampleNotification(0))
			if err == nil || sdk.IsPermanent(err) != tc.permanent || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("Notify = %v, want an error mentioning %q with permanent=%v", err, tc.text, tc.permanent)
			}
		})
	}
}

func TestValidateNamesTheField(t *testing.T) {
	base := func(kv ...any) sdk.Config {
		c := sdk.Config{"host": "smtp.example.com", "from": "a@example.com", "to": "b@example.com"}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(c, kv[i].(string))
			} else {
				c[kv[i].(string)] = kv[i+1]
			}
		}
		return c
	}
	e := &email{}
	for _, tc := range []struct {
		config sdk.Config
		field  string
	}{
		{base("host", nil), "host"},
		{base("host", "smtp.example.com:25"), "host"},
		{base("port", 70000.0), "port"},
		{base("port", "25"), "port"},
		{base("tls", "ssl"), "tls"},
		{base("tls", "none", "username", "u", "password", "p"), "tls"},
		{base("password", "p"), "username"},
		{base("from", nil), "from"},
		{base("from", "not an address"), "from"},
		{base("to", nil), "to"},
		{base("to", []any{"ok@example.com", "bad"}), "to[1]"},
		{base("to", []any{"ok@example.com", 3.0}), "to[1]"},
		{base("subject_prefix", "a\r\nBcc: x@example.com"), "subject_prefix"},
		{base("timeout", "forever"), "timeout"},
		{base("ca_file", "/nonexistent/ca.pem"), "ca_file"},
		{base("helo", "two words"), "helo"},
		{base("smtp_host", "x"), "smtp_host"},
	} {
		err := e.Validate(context.Background(), tc.config)
		if ce := sdk.AsConfigError(err); ce == nil || ce.Field != tc.field {
			t.Errorf("Validate(%v) = %v, want a ConfigError for %q", tc.config, err, tc.field)
		}
	}
	if err := e.Validate(context.Background(), base("port", 2525, "tls", "tls", "to", "a@example.com, b@example.com")); err != nil {
		t.Errorf("Validate(valid) = %v", err)
	}
}

func TestMessageHeadersCannotBeInjected(t *testing.T) {
	cfg, err := parseConfig(sdk.Config{"host": "h", "from": "a@example.com", "to": "b@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	n := sdktest.SampleNotification(0)
	n.Issue.Title = "boom\r\nBcc: victim@example.com"
	n.IdempotencyKey = "k\r\nX-Evil: 1"
	raw, err := buildMessage(cfg, n, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	m := mustParse(t, raw)
	if m.header.Get("Bcc") != "" || m.header.Get("X-Evil") != "" {
		t.Errorf("injected headers: %v", m.header)
	}
	if got := m.header.Get("Message-ID"); got != "<periscope.k--X-Evil--1@example.com>" {
		t.Errorf("Message-ID = %q", got)
	}
}

// localRelay is the operator's allow-list (notify.allow_private_hosts) that
// lets these tests reach their SMTP servers on 127.0.0.1.
var localRelay = []any{"127.0.0.1"}

// TestMessageShowsException checks that both parts carry what a person
// needs to act: the exception type and value, its top frames, the
// culprit, environment, release, event count, and the link to the issue
// page (issue_url); a message event shows its message.
func TestMessageShowsException(t *testing.T) {
	cfg, err := parseConfig(sdk.Config{"host": "smtp.example.com", "from": "a@example.com", "to": "b@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	n := sdktest.SampleNotification(0)
	raw, err := buildMessage(cfg, n, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	m := mustParse(t, raw)
	for _, want := range []string{
		"ZeroDivisionError: division by zero",
		"app/views.py:42 in divide",
		"app/views.py:17 in checkout",
		"app.views in divide",
		"production", "checkout@1.4.2", "Events:       3",
		"Open the issue: https://periscope.example.com/issues/42",
	} {
		if !strings.Contains(m.plain, want) {
			t.Errorf("plain text lacks %q:\n%s", want, m.plain)
		}
	}
	for _, want := range []string{
		"ZeroDivisionError", "division by zero", "app/views.py:42 in divide", "app/views.py:17 in checkout",
		`href="https://periscope.example.com/issues/42"`,
	} {
		if !strings.Contains(m.html, want) {
			t.Errorf("HTML lacks %q:\n%s", want, m.html)
		}
	}
	if strings.Contains(m.plain+m.html, "/api/admin/") {
		t.Error("the message links to the admin API")
	}

	n.Event.Exception = nil
	n.Event.Message = "disk <full> on /var"
	raw, err = buildMessage(cfg, n, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	m = mustParse(t, raw)
	if !strings.Contains(m.plain, "disk <full> on /var") || !strings.Contains(m.html, "disk &lt;full&gt; on /var") {
		t.Errorf("message event: plain %q html %q", m.plain, m.html)
	}
}
