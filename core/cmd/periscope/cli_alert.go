package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"time"
)

// apiAlert is an alert as the admin API returns it.
type apiAlert struct {
	ID             int64      `json:"id"`
	IssueID        int64      `json:"issue_id"`
	Kind           string     `json:"kind"`
	Rule           string     `json:"rule"`
	EventID        string     `json:"event_id"`
	CreatedAt      time.Time  `json:"created_at"`
	AcknowledgedAt *time.Time `json:"acknowledged_at"`
	Notifications  []struct {
		DestinationID int64      `json:"destination_id"`
		State         string     `json:"state"`
		Attempts      int        `json:"attempts"`
		LastError     string     `json:"last_error"`
		DeliveredAt   *time.Time `json:"delivered_at"`
	} `json:"notifications"`
}

var alertOrder = []string{"list"}

var alertVerbs = map[string]subcommand{
	"list": {"list --project ID [--kind new_issue|regression|threshold] [--issue ID] [--since TIME] [--limit N] [--cursor C]", "list a project's alerts, newest first, with their deliveries", runAlertList},
}

// runAlert is `periscope alert ...`.
func runAlert(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, "alert", alertVerbs, alertOrder, apiNote, args, stdout, stderr)
}

func runAlertList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, af := newFlags("alert list", stderr)
	project := projectFlag(fs)
	q := url.Values{}
	for flagName, param := range map[string]string{"kind": "kind", "issue": "issue_id", "since": "since", "cursor": "cursor"} {
		fs.Func(flagName, "filter: "+param, func(v string) error { q.Set(param, v); return nil })
	}
	lim := fs.Int("limit", 25, "alerts per page (1..1000)")
	c, err := projectClient(fs, af, project, args, "periscope alert list --project ID")
	if err != nil {
		return err
	}
	q.Set("limit", strconv.Itoa(*lim))
	var out struct {
		Alerts     []apiAlert `json:"alerts"`
		NextCursor string     `json:"next_cursor"`
	}
	raw, err := c.call(ctx, "GET", fmt.Sprintf("/api/admin/projects/%d/alerts?%s", *project, q.Encode()), nil, &out)
	if err != nil || af.json {
		return orJSON(stdout, raw, err)
	}
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
	return nil
}

// apiDestination is a destination as the admin API returns it.
type apiDestination struct {
	ID        int64          `json:"id"`
	ProjectID int64          `json:"project_id"`
	Name      string         `json:"name"`
	Plugin    string         `json:"plugin"`
	Config    map[string]any `json:"config"`
	When      string         `json:"when"`
	Source    string         `json:"source"`
}

var destinationOrder = []string{"list", "test"}

var destinationVerbs = map[string]subcommand{
	"list": {"list --project ID", "list the destinations a project's alerts go to", runDestinationList},
	"test": {"test --project ID DESTINATION_ID", "send a test notification to a destination", runDestinationTest},
}

// runDestination is `periscope destination ...`.
func runDestination(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, "destination", destinationVerbs, destinationOrder, apiNote, args, stdout, stderr)
}

func runDestinationList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, af := newFlags("destination list", stderr)
	project := projectFlag(fs)
	c, err := projectClient(fs, af, project, args, "periscope destination list --project ID")
	if err != nil {
		return err
	}
	var out struct {
		Destinations []apiDestination `json:"destinations"`
	}
	raw, err := c.call(ctx, "GET", fmt.Sprintf("/api/admin/projects/%d/alert_notification_destinations", *project), nil, &out)
	if err != nil || af.json {
		return orJSON(stdout, raw, err)
	}
	var rows [][]string
	for _, d := range out.Destinations {
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
	return nil
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
	raw, err := c.call(ctx, "POST", fmt.Sprintf("/api/admin/projects/%d/alert_notification_destinations/%d/test", *project, id), nil, nil)
	if err != nil || af.json {
		return orJSON(stdout, raw, err)
	}
	fmt.Fprintf(stdout, "Sent a test notification through destination %d.\n", id)
	return nil
}
