package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// apiIssue is an issue as the admin API returns it.
type apiIssue struct {
	ID          int64      `json:"id"`
	ProjectID   int64      `json:"project_id"`
	Fingerprint string     `json:"fingerprint"`
	Title       string     `json:"title"`
	Culprit     string     `json:"culprit"`
	Level       string     `json:"level"`
	Platform    string     `json:"platform"`
	Status      string     `json:"status"`
	FirstSeen   time.Time  `json:"first_seen"`
	LastSeen    time.Time  `json:"last_seen"`
	Count       int64      `json:"count"`
	ResolvedAt  *time.Time `json:"resolved_at"`
	IgnoreUntil *time.Time `json:"ignore_until"`
	IgnoreCount int64      `json:"ignore_count"`
	LastEventID string     `json:"last_event_id"`
	Stats       struct {
		Hours []apiBucket `json:"24h"`
		Days  []apiBucket `json:"30d"`
	} `json:"stats"`
}

type apiBucket struct {
	Start time.Time `json:"start"`
	Count int64     `json:"count"`
}

var issueOrder = []string{"list", "show", "resolve", "unresolve", "ignore", "merge", "delete"}

var issueVerbs = map[string]subcommand{
	"list":      {"list --project ID [--status unresolved|resolved|ignored|all] [--level L] [--environment E] [--release R] [--query TEXT] [--sort last_seen|first_seen|count] [--limit N] [--cursor C]", "list a project's issues (unresolved ones unless --status says otherwise)", runIssueList},
	"show":      {"show ID", "show an issue: status, counts, first and last seen, the last 24 hours and 30 days", runIssueShow},
	"resolve":   {"resolve ID", "mark an issue resolved (a new event reopens it as a regression)", statusVerb("resolved")},
	"unresolve": {"unresolve ID", "mark an issue unresolved again", statusVerb("unresolved")},
	"ignore":    {"ignore ID [--until TIME | --for DURATION | --count N]", "ignore an issue: no alerts, forever or until a time or a number of events", runIssueIgnore},
	"merge":     {"merge ID OTHER_ID...", "merge the other issues into ID; their future events follow", runIssueMerge},
	"delete":    {"delete ID", "delete an issue and its events", runIssueDelete},
}

// runIssue is `periscope issue ...`.
func runIssue(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, "issue", issueVerbs, issueOrder, apiNote, args, stdout, stderr)
}

func runIssueList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, af := newFlags("issue list", stderr)
	project := projectFlag(fs)
	q := url.Values{}
	status := fs.String("status", "unresolved", "unresolved, resolved, ignored, or all")
	for _, name := range []string{"level", "environment", "release", "query", "sort", "cursor",
		"first_seen_from", "first_seen_to", "last_seen_from", "last_seen_to"} {
		fs.Func(strings.ReplaceAll(name, "_", "-"), "filter: "+name, func(v string) error { q.Set(name, v); return nil })
	}
	lim := fs.Int("limit", 25, "issues per page (1..1000)")
	c, err := projectClient(fs, af, project, args, "periscope issue list --project ID [filters]")
	if err != nil {
		return err
	}
	// Like Sentry, the list shows what needs attention unless asked for
	// more; "all" sends no status filter. Other values are the server's
	// to check, so its error names the field.
	if *status != "all" {
		q.Set("status", *status)
	}
	q.Set("limit", strconv.Itoa(*lim))
	var out struct {
		Issues     []apiIssue `json:"issues"`
		NextCursor string     `json:"next_cursor"`
	}
	raw, err := c.call(ctx, "GET", fmt.Sprintf("/api/admin/projects/%d/issues?%s", *project, q.Encode()), nil, &out)
	if err != nil || af.json {
		return orJSON(stdout, raw, err)
	}
	var rows [][]string
	for _, is := range out.Issues {
		rows = append(rows, []string{strconv.FormatInt(is.ID, 10), is.Status, is.Level, strconv.FormatInt(is.Count, 10),
			when(&is.LastSeen), truncate(is.Title, 70)})
	}
	table(stdout, "ID\tSTATUS\tLEVEL\tEVENTS\tLAST SEEN\tTITLE", rows)
	if out.NextCursor != "" {
		fmt.Fprintf(stderr, "more: add --cursor %s\n", out.NextCursor)
	}
	return nil
}

func runIssueShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, af := newFlags("issue show", stderr)
	c, id, err := idClient(fs, af, args, "periscope issue show ID", "issue id")
	if err != nil {
		return err
	}
	var is apiIssue
	raw, err := c.call(ctx, "GET", fmt.Sprintf("/api/admin/issues/%d", id), nil, &is)
	if err != nil || af.json {
		return orJSON(stdout, raw, err)
	}
	fmt.Fprintf(stdout, "Issue %d (project %d): %s\n", is.ID, is.ProjectID, is.Title)
	fmt.Fprintf(stdout, "  culprit      %s\n", is.Culprit)
	fmt.Fprintf(stdout, "  status       %s%s\n", is.Status, ignoreNote(&is))
	fmt.Fprintf(stdout, "  level        %s   platform %s\n", is.Level, is.Platform)
	fmt.Fprintf(stdout, "  events       %d   first seen %s   last seen %s\n", is.Count, when(&is.FirstSeen), when(&is.LastSeen))
	fmt.Fprintf(stdout, "  fingerprint  %s\n", is.Fingerprint)
	fmt.Fprintf(stdout, "  last event   %s\n", is.LastEventID)
	fmt.Fprintf(stdout, "  last 24h     %s  (%d)\n", sparkline(is.Stats.Hours), sum(is.Stats.Hours))
	fmt.Fprintf(stdout, "  last 30d     %s  (%d)\n", sparkline(is.Stats.Days), sum(is.Stats.Days))
	return nil
}

func ignoreNote(is *apiIssue) string {
	var parts []string
	if is.IgnoreUntil != nil {
		parts = append(parts, "until "+when(is.IgnoreUntil))
	}
	if is.IgnoreCount > 0 {
		parts = append(parts, fmt.Sprintf("until %d events (%d more)", is.IgnoreCount, is.IgnoreCount-is.Count))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// sparkline draws counts as block characters.
func sparkline(bs []apiBucket) string {
	const bars = "▁▂▃▄▅▆▇█"
	runes := []rune(bars)
	var top int64
	for _, b := range bs {
		top = max(top, b.Count)
	}
	var sb strings.Builder
	for _, b := range bs {
		switch {
		case b.Count == 0:
			sb.WriteRune('·')
		default:
			sb.WriteRune(runes[int((b.Count*int64(len(runes)-1)+top-1)/top)])
		}
	}
	return sb.String()
}

func sum(bs []apiBucket) int64 {
	var n int64
	for _, b := range bs {
		n += b.Count
	}
	return n
}

// patchIssue sends PATCH /issues/{id} and prints the result.
func patchIssue(ctx context.Context, af *apiFlags, id int64, body map[string]any, stdout io.Writer) error {
	c, err := af.client()
	if err != nil {
		return err
	}
	var is apiIssue
	raw, err := c.call(ctx, "PATCH", fmt.Sprintf("/api/admin/issues/%d", id), body, &is)
	if err != nil || af.json {
		return orJSON(stdout, raw, err)
	}
	fmt.Fprintf(stdout, "Issue %d is %s%s.\n", is.ID, is.Status, ignoreNote(&is))
	return nil
}

// statusVerb is `issue resolve` and `issue unresolve`.
func statusVerb(status string) func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs, af := newFlags("issue "+status, stderr)
		pos, err := parseArgs(fs, args)
		if err != nil {
			return err
		}
		if err := needArgs(pos, 1, "periscope issue resolve|unresolve ID"); err != nil {
			return err
		}
		id, err := idArg(pos[0], "issue id")
		if err != nil {
			return err
		}
		return patchIssue(ctx, af, id, map[string]any{"status": status}, stdout)
	}
}

func runIssueIgnore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, af := newFlags("issue ignore", stderr)
	until := fs.String("until", "", "ignore until this RFC 3339 time")
	dur := fs.Duration("for", 0, "ignore for this long (e.g. 24h)")
	count := fs.Int64("count", 0, "ignore until this many more events")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(pos, 1, "periscope issue ignore ID [--until TIME | --for DURATION | --count N]"); err != nil {
		return err
	}
	id, err := idArg(pos[0], "issue id")
	if err != nil {
		return err
	}
	body := map[string]any{"status": "ignored"}
	switch {
	case *until != "" && *dur != 0:
		return withCode(exitUsage, fmt.Errorf("give --until or --for, not both"))
	case *until != "":
		body["ignore_until"] = *until
	case *dur < 0:
		return withCode(exitUsage, fmt.Errorf("--for must be positive"))
	case *dur > 0:
		body["ignore_until"] = time.Now().Add(*dur).UTC().Format(time.RFC3339)
	}
	if *count != 0 {
		body["ignore_count"] = *count
	}
	return patchIssue(ctx, af, id, body, stdout)
}

func runIssueMerge(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, af := newFlags("issue merge", stderr)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		return withCode(exitUsage, fmt.Errorf("usage: periscope issue merge ID OTHER_ID...  (the others are merged into ID)"))
	}
	ids := make([]int64, len(pos))
	for i, p := range pos {
		if ids[i], err = idArg(p, "issue id"); err != nil {
			return err
		}
	}
	c, err := af.client()
	if err != nil {
		return err
	}
	var is apiIssue
	raw, err := c.call(ctx, "POST", fmt.Sprintf("/api/admin/issues/%d/merge", ids[0]), map[string]any{"issue_ids": ids[1:]}, &is)
	if err != nil || af.json {
		return orJSON(stdout, raw, err)
	}
	fmt.Fprintf(stdout, "Merged %d issue(s) into issue %d, which now has %d events.\n", len(ids)-1, is.ID, is.Count)
	return nil
}

func runIssueDelete(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, af := newFlags("issue delete", stderr)
	c, id, err := idClient(fs, af, args, "periscope issue delete ID", "issue id")
	if err != nil {
		return err
	}
	if _, err := c.call(ctx, "DELETE", fmt.Sprintf("/api/admin/issues/%d", id), nil, nil); err != nil {
		return err
	}
	if af.json {
		return printJSON(stdout, []byte(fmt.Sprintf(`{"deleted":%d}`, id)))
	}
	fmt.Fprintf(stdout, "Deleted issue %d and its events.\n", id)
	return nil
}
