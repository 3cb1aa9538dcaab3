package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/adminclient"
	"github.com/periscope-hq/periscope/core/search"
)

// issueCmd is `periscope issue ...`: its verbs in the order help lists them.
var issueCmd = &resource{name: "issue", note: apiNote, verbs: []subcommand{
	{"list --project ID [--status unresolved|resolved|ignored|all] [--level L] [--environment E] [--release R] [--query 'SEARCH'] [--sort last_seen|first_seen|count] [--limit N] [--cursor C]", "list a project's issues (unresolved ones unless --status or an is: in --query says otherwise); --query takes Sentry's search syntax: is:resolved level:error release:1.2.3 browser.name:Chrome !level:info firstSeen:-24h times_seen:>100 \"free text\"", runIssueList},
	{"show ID", "show an issue: status, counts, first and last seen, the last 24 hours and 30 days",
		idVerb("issue show", "issue id", (*apiClient).getIssue, printIssue)},
	{"resolve ID", "mark an issue resolved (a new event reopens it as a regression)",
		idVerb("issue resolve", "issue id", setStatus(core.StatusResolved), printIssueStatus)},
	{"unresolve ID", "mark an issue unresolved again",
		idVerb("issue unresolve", "issue id", setStatus(core.StatusUnresolved), printIssueStatus)},
	{"ignore ID [--until TIME | --for DURATION | --count N]", "ignore an issue: no alerts, forever or until a time or a number of events", runIssueIgnore},
	{"merge ID OTHER_ID...", "merge the other issues into ID; their future events follow", runIssueMerge},
	{"delete ID", "delete an issue and its events",
		idVerb("issue delete", "issue id", (*apiClient).deleteIssue, func(w io.Writer, d deletedIssue) {
			fmt.Fprintf(w, "Deleted issue %d and its events.\n", d.Deleted)
		})},
}}

func runIssueList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, af := newFlags("issue list", stderr)
	project := projectFlag(fs)
	f := core.IssueFilter{}
	status := fs.String("status", "unresolved", "unresolved, resolved, ignored, or all")
	for name, p := range map[string]*string{"level": &f.Level, "environment": &f.Environment, "release": &f.Release,
		"query": &f.Query, "sort": &f.Sort, "cursor": &f.Cursor} {
		fs.StringVar(p, name, "", "filter: "+name)
	}
	for name, p := range map[string]*time.Time{"first_seen_from": &f.FirstSeenGE, "first_seen_to": &f.FirstSeenLT,
		"last_seen_from": &f.LastSeenGE, "last_seen_to": &f.LastSeenLT} {
		fs.Func(strings.ReplaceAll(name, "_", "-"), "filter: "+name+" (RFC 3339 time)", func(v string) error {
			t, err := time.Parse(time.RFC3339, v)
			*p = t
			return err
		})
	}
	fs.IntVar(&f.Limit, "limit", 25, "issues per page (1..1000)")
	c, err := projectClient(fs, af, project, args, "periscope issue list --project ID [filters]")
	if err != nil {
		return err
	}
	// Like Sentry, the list shows what needs attention unless asked for
	// more; "all" sends no status filter. Other values are the server's
	// to check, so its error names the field.
	if *status != "all" && (flagSet(fs, "status") || !queryHasStatus(f.Query)) {
		f.Status = *status
	}
	f.ProjectID = *project
	out, err := c.ListIssues(ctx, f)
	return c.show(stdout, out, err, func() {
		var rows [][]string
		for _, is := range out.Issues {
			rows = append(rows, []string{strconv.FormatInt(is.ID, 10), is.Status, is.Level, strconv.FormatInt(is.Count, 10),
				when(&is.LastSeen), truncate(is.Title, 70)})
		}
		table(stdout, "ID\tSTATUS\tLEVEL\tEVENTS\tLAST SEEN\tTITLE", rows)
		if out.NextCursor != "" {
			fmt.Fprintf(stderr, "more: add --cursor %s\n", out.NextCursor)
		}
	})
}

// printIssue writes an issue's page.
func printIssue(stdout io.Writer, is *adminclient.IssueDetail) {
	fmt.Fprintf(stdout, "Issue %d (project %d): %s\n", is.ID, is.ProjectID, is.Title)
	fmt.Fprintf(stdout, "  culprit      %s\n", is.Culprit)
	fmt.Fprintf(stdout, "  status       %s%s\n", is.Status, ignoreNote(&is.Issue))
	fmt.Fprintf(stdout, "  level        %s   platform %s\n", is.Level, is.Platform)
	fmt.Fprintf(stdout, "  events       %d   first seen %s   last seen %s\n", is.Count, when(&is.FirstSeen), when(&is.LastSeen))
	fmt.Fprintf(stdout, "  fingerprint  %s\n", is.Fingerprint)
	fmt.Fprintf(stdout, "  last event   %s\n", is.LastEventID)
	fmt.Fprintf(stdout, "  last 24h     %s  (%d)\n", sparkline(is.Stats.Hours), sum(is.Stats.Hours))
	fmt.Fprintf(stdout, "  last 30d     %s  (%d)\n", sparkline(is.Stats.Days), sum(is.Stats.Days))
}

func ignoreNote(is *core.Issue) string {
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
func sparkline(bs []core.Bucket) string {
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

func sum(bs []core.Bucket) int64 {
	var n int64
	for _, b := range bs {
		n += b.Count
	}
	return n
}

// patchIssue sends PATCH /issues/{id} and prints the result.
func patchIssue(ctx context.Context, af *apiFlags, id int64, upd core.IssueUpdate, stdout io.Writer) error {
	c, err := af.client()
	if err != nil {
		return err
	}
	is, err := c.UpdateIssue(ctx, id, upd)
	return c.show(stdout, is, err, func() { printIssueStatus(stdout, is) })
}

// printIssueStatus writes an issue's status after a change.
func printIssueStatus(w io.Writer, is *core.Issue) {
	fmt.Fprintf(w, "Issue %d is %s%s.\n", is.ID, is.Status, ignoreNote(is))
}

// setStatus calls UpdateIssue with status.
func setStatus(status string) func(*apiClient, context.Context, int64) (*core.Issue, error) {
	return func(c *apiClient, ctx context.Context, id int64) (*core.Issue, error) {
		return c.UpdateIssue(ctx, id, core.IssueUpdate{Status: &status})
	}
}

func (c *apiClient) getIssue(ctx context.Context, id int64) (*adminclient.IssueDetail, error) {
	return c.GetIssue(ctx, id)
}

// deletedIssue is what `issue delete --json` prints.
type deletedIssue struct {
	Deleted int64 `json:"deleted"`
}

func (c *apiClient) deleteIssue(ctx context.Context, id int64) (deletedIssue, error) {
	return deletedIssue{id}, c.DeleteIssue(ctx, id)
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
	ignored := core.StatusIgnored
	upd := core.IssueUpdate{Status: &ignored}
	switch {
	case *until != "" && *dur != 0:
		return withCode(exitUsage, fmt.Errorf("give --until or --for, not both"))
	case *until != "":
		t, err := time.Parse(time.RFC3339, *until)
		if err != nil {
			return withCode(exitUsage, fmt.Errorf("--until %q is not an RFC 3339 time like 2030-01-02T15:04:05Z", *until))
		}
		upd.IgnoreUntil = &t
	case *dur < 0:
		return withCode(exitUsage, fmt.Errorf("--for must be positive"))
	case *dur > 0:
		t := time.Now().Add(*dur)
		upd.IgnoreUntil = &t
	}
	if *count != 0 {
		upd.IgnoreCount = count
	}
	return patchIssue(ctx, af, id, upd, stdout)
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
	is, err := c.MergeIssues(ctx, ids[0], ids[1:]...)
	return c.show(stdout, is, err, func() {
		fmt.Fprintf(stdout, "Merged %d issue(s) into issue %d, which now has %d events.\n", len(ids)-1, is.ID, is.Count)
	})
}

// flagSet reports whether the command line set the flag.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// queryHasStatus reports whether a search query has an is: term, which then
// takes the place of the default --status. A query that does not parse is
// the server's to reject, naming the token.
func queryHasStatus(q string) bool {
	parsed, err := search.Parse(q, time.Now())
	if err != nil {
		return false
	}
	for _, t := range parsed.Terms {
		if t.Field == search.Status {
			return true
		}
	}
	return false
}
