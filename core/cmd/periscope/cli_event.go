package main

import (
	"context"
	"fmt"
	"io"

	"github.com/periscope-hq/periscope/core"
)

// eventCmd is `periscope event ...`: its verbs in the order help lists them.
var eventCmd = &resource{name: "event", note: apiNote, verbs: []subcommand{
	{"show --project ID EVENT_ID | show --issue ID --latest  [--grouping] [--raw]", "show an event as an issue page shows it: exception, stack trace, message, user, request, breadcrumbs, tags", runEventShow},
}}

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
	var get func(c *apiClient) (*core.Event, error)
	switch {
	case *latest:
		if *issue <= 0 || len(pos) != 0 {
			return withCode(exitUsage, fmt.Errorf("usage: periscope event show --issue ID --latest"))
		}
		get = func(c *apiClient) (*core.Event, error) { return c.LatestEvent(ctx, *issue) }
	default:
		if err := needArgs(pos, 1, "periscope event show --project ID EVENT_ID"); err != nil {
			return err
		}
		if err := needProject(*project); err != nil {
			return err
		}
		get = func(c *apiClient) (*core.Event, error) { return c.GetEvent(ctx, *project, pos[0]) }
	}
	c, err := af.client()
	if err != nil {
		return err
	}
	ev, err := get(c)
	if err != nil {
		return apiErr(err)
	}
	if *raw {
		return printJSON(stdout, ev.Payload)
	}
	return c.show(stdout, ev, nil, func() { printEvent(stdout, ev, c.BaseURL, *grouping) })
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
