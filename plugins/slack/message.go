package main

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/periscope-hq/periscope/sdk"
)

// message is a Slack incoming-webhook body.
type message struct {
	Text   string  `json:"text"`
	Blocks []block `json:"blocks"`
}

// block is one Block Kit layout block; only the fields of the kinds used
// here are present.
type block struct {
	Type     string    `json:"type"`
	Text     *textObj  `json:"text,omitempty"`
	Fields   []textObj `json:"fields,omitempty"`
	Elements []element `json:"elements,omitempty"`
}

type textObj struct {
	Type  string `json:"type"` // plain_text or mrkdwn
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

// element is a context element (Type "mrkdwn", Text a string) or an
// actions button (Type "button", Text a plain_text object).
type element struct {
	Type  string `json:"type"`
	Text  any    `json:"text"`
	URL   string `json:"url,omitempty"`
	Style string `json:"style,omitempty"`
}

// Slack's limits: header text 150 characters, section text 3000, field
// text 2000, button url 3000.
const (
	maxHeader = 150
	maxText   = 3000
	maxField  = 2000
)

func levelIcon(level string) string {
	switch level {
	case "fatal":
		return "🟣"
	case "error":
		return "🔴"
	case "warning":
		return "🟠"
	case "info":
		return "🔵"
	default:
		return "⚪"
	}
}

// issueURL is where the message links: the payload's issue_url, or the
// issue's url from a host that predates it.
func issueURL(n sdk.Notification) string {
	if n.IssueURL != "" {
		return n.IssueURL
	}
	return n.Issue.URL
}

// detail is the exception section: "`Type`: value" and the top frames in
// a code block, or the event's message when it has no exception; "" when
// it has neither.
func detail(n sdk.Notification) string {
	x := n.Event.Exception
	if x == nil {
		return escape(truncate(n.Event.Message, 1000))
	}
	var b strings.Builder
	if x.Type != "" {
		// A code span keeps types such as Go's *pkg.Error intact.
		b.WriteString("`" + escape(truncate(strings.ReplaceAll(x.Type, "`", "'"), 200)) + "`")
	}
	if x.Value != "" {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(escape(truncate(x.Value, 1000)))
	}
	if len(x.Frames) > 0 {
		lines := make([]string, len(x.Frames))
		for i, f := range x.Frames {
			// Backticks would close the code block early.
			lines[i] = escape(truncate(strings.ReplaceAll(f.Location(), "`", "'"), 300))
		}
		b.WriteString("\n```" + strings.Join(lines, "\n") + "```")
	}
	return b.String()
}

// buildMessage renders n: a header with the kind and project, the title
// linked to the issue with its culprit, the exception (type, value and top
// in-app frames) or the message, a two-column grid of project, level,
// environment, count and release, a context line, and an "Open issue"
// button. Text is the fallback shown in notifications.
func buildMessage(n sdk.Notification) message {
	link := issueURL(n)
	title := n.Issue.Title
	if title == "" {
		title = "(no title)"
	}
	prefix := ""
	if n.Test {
		prefix = "[test] "
	}
	text := fmt.Sprintf("%s%s in %s: %s", prefix, n.Alert.Label(), n.Project.Name, title)

	headline := "*" + escape(truncate(title, 500)) + "*"
	if link != "" {
		headline = "*<" + link + "|" + escape(truncate(title, 500)) + ">*"
	}
	if n.Issue.Culprit != "" {
		headline += "\n`" + escape(truncate(strings.ReplaceAll(n.Issue.Culprit, "`", "'"), 500)) + "`"
	}

	fields := []textObj{
		mrkdwn("*Project*\n" + escape(orDash(n.Project.Name))),
		mrkdwn("*Level*\n" + escape(orDash(n.Issue.Level))),
		mrkdwn("*Environment*\n" + escape(orDash(n.Event.Environment))),
		mrkdwn("*Events*\n" + strconv.FormatInt(n.Issue.Count, 10)),
	}
	if n.Event.Release != "" {
		fields = append(fields, mrkdwn("*Release*\n"+escape(truncate(n.Event.Release, 200))))
	}

	var ctx []string
	if n.Issue.ID != 0 {
		ctx = append(ctx, "Issue #"+strconv.FormatInt(n.Issue.ID, 10))
	}
	if n.Issue.Platform != "" {
		ctx = append(ctx, escape(n.Issue.Platform))
	}
	if !n.Issue.FirstSeen.IsZero() {
		ctx = append(ctx, "first seen "+n.Issue.FirstSeen.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if n.Test {
		ctx = append(ctx, "test notification")
	}

	blocks := []block{
		{Type: "header", Text: &textObj{Type: "plain_text", Text: truncate(levelIcon(n.Issue.Level)+" "+prefix+n.Alert.Label()+" in "+orDash(n.Project.Name), maxHeader), Emoji: true}},
		{Type: "section", Text: &textObj{Type: "mrkdwn", Text: truncate(headline, maxText)}},
	}
	if d := detail(n); d != "" {
		blocks = append(blocks, block{Type: "section", Text: &textObj{Type: "mrkdwn", Text: truncate(d, maxText)}})
	}
	blocks = append(blocks, block{Type: "section", Fields: fields})
	if len(ctx) > 0 {
		blocks = append(blocks, block{Type: "context", Elements: []element{{Type: "mrkdwn", Text: truncate(strings.Join(ctx, " · "), maxField)}}})
	}
	if link != "" && len(link) <= maxText {
		blocks = append(blocks, block{Type: "actions", Elements: []element{{
			Type: "button", Text: &textObj{Type: "plain_text", Text: "Open issue"}, URL: link, Style: "primary",
		}}})
	}
	return message{Text: truncate(text, maxText), Blocks: blocks}
}

func mrkdwn(s string) textObj { return textObj{Type: "mrkdwn", Text: truncate(s, maxField)} }

// escape makes s safe inside mrkdwn: Slack requires &, < and > escaped.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// truncate shortens s to at most max characters (runes), ending with "…".
func truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}
