package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"time"
)

// apiEvent is an event as the admin API returns it.
type apiEvent struct {
	ProjectID   int64     `json:"project_id"`
	IssueID     int64     `json:"issue_id"`
	EventID     string    `json:"event_id"`
	Timestamp   time.Time `json:"timestamp"`
	Received    time.Time `json:"received"`
	Title       string    `json:"title"`
	Culprit     string    `json:"culprit"`
	Level       string    `json:"level"`
	Platform    string    `json:"platform"`
	Release     string    `json:"release"`
	Environment string    `json:"environment"`
	Tags        []struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	} `json:"tags"`
	SDKName    string `json:"sdk_name"`
	SDKVersion string `json:"sdk_version"`
	Grouping   struct {
		DecidedBy  string          `json:"decided_by"`
		Name       string          `json:"name"`
		Config     string          `json:"config"`
		Hash       string          `json:"hash"`
		Components json.RawMessage `json:"components"`
	} `json:"grouping"`
	// Data is the normalized event (core.EventData's JSON).
	Data        json.RawMessage `json:"data"`
	Payload     json.RawMessage `json:"payload"`
	Attachments []struct {
		ID          int64  `json:"id"`
		Filename    string `json:"filename"`
		ContentType string `json:"content_type"`
		Size        int64  `json:"size"`
	} `json:"attachments"`
}

var eventOrder = []string{"show"}

var eventVerbs = map[string]subcommand{
	"show": {"show --project ID EVENT_ID | show --issue ID --latest  [--grouping] [--raw]", "show an event as an issue page shows it: exception, stack trace, message, user, request, breadcrumbs, tags", runEventShow},
}

// runEvent is `periscope event ...`.
func runEvent(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch(ctx, "event", eventVerbs, eventOrder, apiNote, args, stdout, stderr)
}

func runEventShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, af := newFlags("event show", stderr)
	project := projectFlag(fs)
	issue := fs.Int64("issue", 0, "with --latest: the issue whose latest event to show")
	latest := fs.Bool("latest", false, "show the latest event of --issue")
	raw := fs.Bool("raw", false, "print only the payload exactly as the SDK sent it")
	grouping := fs.Bool("grouping", false, "also explain the grouping: what decided it and the components hashed")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	var path string
	switch {
	case *latest:
		if *issue <= 0 || len(pos) != 0 {
			return withCode(exitUsage, fmt.Errorf("usage: periscope event show --issue ID --latest"))
		}
		path = fmt.Sprintf("/api/admin/issues/%d/events/latest", *issue)
	default:
		if err := needArgs(pos, 1, "periscope event show --project ID EVENT_ID"); err != nil {
			return err
		}
		if err := needProject(*project); err != nil {
			return err
		}
		path = fmt.Sprintf("/api/admin/projects/%d/events/%s", *project, url.PathEscape(pos[0]))
	}
	c, err := af.client()
	if err != nil {
		return err
	}
	var ev apiEvent
	body, err := c.call(ctx, "GET", path, nil, &ev)
	if err != nil {
		return err
	}
	if *raw {
		return printJSON(stdout, ev.Payload)
	}
	if af.json {
		return printJSON(stdout, body)
	}
	printEvent(stdout, &ev, c.base, *grouping)
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
