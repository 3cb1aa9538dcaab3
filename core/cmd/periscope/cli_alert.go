package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/adminclient"
)

// alertCmd is `periscope alert ...`: its verbs in the order help lists them.
var alertCmd = &resource{name: "alert", note: apiNote, verbs: []subcommand{
	{"list --project ID [--kind new_issue|regression|threshold] [--issue ID] [--since TIME] [--limit N] [--cursor C]", "list a project's alerts, newest first, with their deliveries", runAlertList},
}}

func runAlertList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, af := newFlags("alert list", stderr)
	project := projectFlag(fs)
	f := core.AlertFilter{}
	fs.StringVar(&f.Kind, "kind", "", "filter: kind")
	fs.Int64Var(&f.IssueID, "issue", 0, "filter: issue_id")
	fs.Func("since", "filter: since (RFC 3339 time)", func(v string) error {
		t, err := time.Parse(time.RFC3339, v)
		f.Since = t
		return err
	})
	fs.StringVar(&f.Cursor, "cursor", "", "filter: cursor")
	fs.IntVar(&f.Limit, "limit", 25, "alerts per page (1..1000)")
	c, err := projectClient(fs, af, project, args, "periscope alert list --project ID")
	if err != nil {
		return err
	}
	f.ProjectID = *project
	out, err := c.ListAlerts(ctx, f)
	return c.show(stdout, out, err, func() { printAlerts(stdout, stderr, out) })
}

// printAlerts writes a page of alerts as a table.
func printAlerts(stdout, stderr io.Writer, out *adminclient.AlertPage) {
	var rows [][]string
	for _, a := range out.Alerts {
		delivered, pending, failed := 0, 0, 0
		for _, n := range a.Notifications {
			switch n.State {
			case "delivered", "skipped":
				delivered++
			case "pending":
				pending++
			default:
				failed++
			}
		}
		kind := a.Kind
		if a.Rule != "" {
			kind += " (" + a.Rule + ")"
		}
		ack := "-"
		if a.AcknowledgedAt != nil {
			ack = when(a.AcknowledgedAt)
		}
		rows = append(rows, []string{strconv.FormatInt(a.ID, 10), when(&a.CreatedAt), kind, strconv.FormatInt(a.IssueID, 10),
			fmt.Sprintf("%d delivered, %d pending, %d failed", delivered, pending, failed), ack})
	}
	table(stdout, "ID\tCREATED\tKIND\tISSUE\tNOTIFICATIONS\tACKNOWLEDGED", rows)
	if out.NextCursor != "" {
		fmt.Fprintf(stderr, "more: add --cursor %s\n", out.NextCursor)
	}
}

// destinationCmd is `periscope destination ...`: its verbs in the order help lists them.
var destinationCmd = &resource{name: "destination", note: apiNote, verbs: []subcommand{
	{"list --project ID", "list the destinations a project's alerts go to",
		projectVerb("destination list", (*apiClient).listDestinations, printDestinations)},
	{"test --project ID DESTINATION_ID", "send a test notification to a destination", runDestinationTest},
}}

// printDestinations writes destinations as a table.
func printDestinations(stdout io.Writer, ds adminclient.DestinationList) {
	var rows [][]string
	for _, d := range ds.Destinations {
		scope := "project"
		if d.ProjectID == 0 {
			scope = "all projects"
		}
		keys := make([]string, 0, len(d.Config))
		for k := range d.Config {
			keys = append(keys, k)
		}
		cfg, _ := json.Marshal(keys) // config values may hold secrets: names only
		rows = append(rows, []string{strconv.FormatInt(d.ID, 10), d.Name, d.Plugin, scope, d.Source, dash(d.When), string(cfg)})
	}
	table(stdout, "ID\tNAME\tPLUGIN\tSCOPE\tSOURCE\tWHEN\tCONFIG KEYS", rows)
}

func runDestinationTest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, af := newFlags("destination test", stderr)
	project := projectFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(pos, 1, "periscope destination test --project ID DESTINATION_ID"); err != nil {
		return err
	}
	if err := needProject(*project); err != nil {
		return err
	}
	id, err := idArg(pos[0], "destination id")
	if err != nil {
		return err
	}
	c, err := af.client()
	if err != nil {
		return err
	}
	r, err := c.TestDestination(ctx, *project, id)
	return c.show(stdout, r, err, func() {
		fmt.Fprintf(stdout, "Sent a test notification through destination %d.\n", id)
	})
}

func (c *apiClient) listDestinations(ctx context.Context, project int64) (adminclient.DestinationList, error) {
	ds, err := c.ListDestinations(ctx, project)
	return adminclient.DestinationList{Destinations: ds}, err
}
