package main

import (
	"bytes"
	"fmt"
	"html/template"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/periscope-hq/periscope/sdk"
)

// oneLine removes line breaks (header injection) and bounds s to max runes.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max-1]) + "…"
	}
	return s
}

// subject is the Subject line: prefix, kind, project and title.
func subject(cfg *config, n sdk.Notification) string {
	test := ""
	if n.Test {
		test = "[test] "
	}
	title := n.Issue.Title
	if title == "" {
		title = "(no title)"
	}
	return oneLine(fmt.Sprintf("%s%s%s in %s: %s", cfg.subjectPrefix, test, n.Alert.Label(), n.Project.Name, title), 200)
}

// row is one labelled line of the message body.
type row struct{ Label, Value string }

func rows(n sdk.Notification) []row {
	var out []row
	add := func(label, value string) {
		if value != "" {
			out = append(out, row{label, value})
		}
	}
	add("Project", n.Project.Name)
	add("Level", n.Issue.Level)
	add("Environment", n.Event.Environment)
	add("Release", n.Event.Release)
	add("Events", strconv.FormatInt(n.Issue.Count, 10))
	if !n.Issue.FirstSeen.IsZero() {
		add("First seen", n.Issue.FirstSeen.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	if !n.Issue.LastSeen.IsZero() {
		add("Last seen", n.Issue.LastSeen.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	add("Platform", n.Issue.Platform)
	add("Event ID", n.Event.ID)
	if n.Issue.ID != 0 {
		add("Issue", "#"+strconv.FormatInt(n.Issue.ID, 10))
	}
	return out
}

// issueURL is where the message links: the payload's issue_url, or the
// issue's url from a host that predates it.
func issueURL(n sdk.Notification) string {
	if n.IssueURL != "" {
		return n.IssueURL
	}
	return n.Issue.URL
}

// exceptionLine is "Type: value" of the event's exception, "" without one.
func exceptionLine(x *sdk.Exception) string {
	if x == nil {
		return ""
	}
	switch {
	case x.Type == "":
		return x.Value
	case x.Value == "":
		return x.Type
	}
	return x.Type + ": " + x.Value
}

// frameLines are the exception's top frames as "file:line in function".
func frameLines(x *sdk.Exception) []string {
	if x == nil {
		return nil
	}
	out := make([]string, 0, len(x.Frames))
	for _, f := range x.Frames {
		if l := f.Location(); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func plainBody(n sdk.Notification) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s in %s\n\n", n.Alert.Label(), n.Project.Name)
	fmt.Fprintf(&b, "%s\n", n.Issue.Title)
	if n.Issue.Culprit != "" {
		fmt.Fprintf(&b, "%s\n", n.Issue.Culprit)
	}
	if ex := exceptionLine(n.Event.Exception); ex != "" {
		fmt.Fprintf(&b, "\n%s\n", ex)
		for _, l := range frameLines(n.Event.Exception) {
			fmt.Fprintf(&b, "  at %s\n", l)
		}
	} else if n.Event.Message != "" {
		fmt.Fprintf(&b, "\n%s\n", n.Event.Message)
	}
	b.WriteString("\n")
	for _, r := range rows(n) {
		fmt.Fprintf(&b, "%-13s %s\n", r.Label+":", r.Value)
	}
	if link := issueURL(n); link != "" {
		fmt.Fprintf(&b, "\nOpen the issue: %s\n", link)
	}
	if len(n.Event.Tags) > 0 {
		b.WriteString("\nTags:\n")
		for _, t := range n.Event.Tags {
			fmt.Fprintf(&b, "  %s: %s\n", t.Key, t.Value)
		}
	}
	if n.Test {
		b.WriteString("\nThis is a test notification sent from Periscope's admin API.\n")
	}
	fmt.Fprintf(&b, "\n-- \nSent by Periscope. Idempotency key: %s\n", n.IdempotencyKey)
	return b.String()
}

var htmlTmpl = template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html><body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:15px;color:#1f2328;margin:0;padding:16px">
<p style="margin:0 0 4px;color:#59636e">{{.Kind}} in <strong>{{.N.Project.Name}}</strong>{{if .N.Test}} (test){{end}}</p>
<h1 style="font-size:19px;margin:0 0 4px;word-break:break-word">{{if .Link}}<a href="{{.Link}}" style="color:#0969da;text-decoration:none">{{.N.Issue.Title}}</a>{{else}}{{.N.Issue.Title}}{{end}}</h1>
{{if .N.Issue.Culprit}}<p style="margin:0 0 12px;font-family:monospace;color:#59636e;word-break:break-all">{{.N.Issue.Culprit}}</p>{{end}}
{{with .N.Event.Exception}}<p style="margin:12px 0 4px;word-break:break-word"><strong>{{.Type}}</strong>{{if and .Type .Value}}: {{end}}{{.Value}}</p>{{else}}{{if .N.Event.Message}}<p style="margin:12px 0 4px;word-break:break-word">{{.N.Event.Message}}</p>{{end}}{{end}}
{{if .Frames}}<pre style="margin:0 0 12px;padding:8px;background:#f6f8fa;border-radius:6px;font-size:13px;white-space:pre-wrap;word-break:break-all">{{range .Frames}}{{.}}
{{end}}</pre>{{end}}
<table style="border-collapse:collapse;margin:8px 0">
{{range .Rows}}<tr><td style="padding:2px 12px 2px 0;color:#59636e;white-space:nowrap">{{.Label}}</td><td style="padding:2px 0">{{.Value}}</td></tr>
{{end}}</table>
{{if .N.Event.Tags}}<p style="margin:12px 0 4px;color:#59636e">Tags</p>
<p style="margin:0">{{range .N.Event.Tags}}<span style="display:inline-block;background:#eef1f4;border-radius:4px;padding:1px 6px;margin:0 4px 4px 0;font-size:13px">{{.Key}}: {{.Value}}</span>{{end}}</p>{{end}}
{{if .Link}}<p style="margin:16px 0"><a href="{{.Link}}" style="background:#1f883d;color:#fff;padding:8px 14px;border-radius:6px;text-decoration:none">Open issue</a></p>{{end}}
<p style="margin:16px 0 0;font-size:12px;color:#818b98">Sent by Periscope{{if .N.Test}} as a test notification{{end}}.</p>
</body></html>
`))

func htmlBody(n sdk.Notification) (string, error) {
	var b strings.Builder
	err := htmlTmpl.Execute(&b, struct {
		Kind   string
		N      sdk.Notification
		Rows   []row
		Link   string
		Frames []string
	}{n.Alert.Label(), n, rows(n), issueURL(n), frameLines(n.Event.Exception)})
	return b.String(), err
}

// messageID derives a stable Message-ID from the idempotency key, so a
// retried delivery is recognisable as the same message.
func messageID(cfg *config, n sdk.Notification) string {
	domain := "periscope.invalid"
	if at := strings.LastIndexByte(cfg.from.Address, '@'); at >= 0 && at < len(cfg.from.Address)-1 {
		domain = cfg.from.Address[at+1:]
	}
	key := strings.Map(func(r rune) rune {
		if r < 128 && (r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '-'
	}, n.IdempotencyKey)
	return "<periscope." + key + "@" + domain + ">"
}

// buildMessage renders the whole RFC 5322 message with CRLF line endings.
func buildMessage(cfg *config, n sdk.Notification, now time.Time) ([]byte, error) {
	html, err := htmlBody(n)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	to := make([]string, len(cfg.to))
	for i, a := range cfg.to {
		to[i] = a.String()
	}
	header := func(k, v string) { fmt.Fprintf(&buf, "%s: %s\r\n", k, v) }
	header("From", cfg.from.String())
	header("To", strings.Join(to, ", "))
	header("Subject", mime.QEncoding.Encode("utf-8", subject(cfg, n)))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", messageID(cfg, n))
	header("MIME-Version", "1.0")
	header("Content-Type", `multipart/alternative; boundary="`+mw.Boundary()+`"`)
	header("Auto-Submitted", "auto-generated")
	header("X-Periscope-Idempotency-Key", oneLine(n.IdempotencyKey, 200))
	buf.WriteString("\r\n")

	for _, part := range []struct{ ctype, body string }{
		{"text/plain; charset=utf-8", plainBody(n)},
		{"text/html; charset=utf-8", html},
	} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.ctype},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(w)
		if _, err := qp.Write([]byte(part.body)); err != nil {
			return nil, err
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
