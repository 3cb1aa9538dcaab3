package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/sentry"
	"github.com/periscope-hq/periscope/rules"
)

// rulesCmd is `periscope rules ...`: its verbs in the order help lists them.
var rulesCmd = &resource{name: "rules", note: "They read the rules of --rules, else of the configuration (--config).", verbs: []subcommand{
	{"test --event FILE [--rules FILE] [--json]", "show how an event (JSON as an SDK sends it) would be grouped and titled",
		func(_ context.Context, args []string, stdout, stderr io.Writer) error {
			return runRulesTest(args, stdout, stderr)
		}},
	{"diff --rules FILE | --grouping-config ID [--project ID] [--per-issue N]", "replay stored events through new rules or another Sentry grouping configuration and show which issues would split or merge", runRulesDiff},
}}

// loadRules compiles the rules of --rules, else the grouping section of
// the configuration (file and environment).
func loadRules(rulesPath, cfgPath string) (*rules.Engine, error) {
	if rulesPath == "" {
		c, err := loadConfig(cfgPath)
		if err != nil {
			return nil, err
		}
		e, err := rules.Load(groupingConfig(c))
		if err != nil {
			return nil, withCode(exitConfig, err)
		}
		return e, nil
	}
	e, err := rules.LoadFile(rulesPath)
	if err != nil {
		return nil, withCode(exitConfig, err)
	}
	return e, nil
}

func runRulesTest(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rules test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	eventPath := fs.String("event", "", "event JSON file, as an SDK sends it (required)")
	rulesPath := fs.String("rules", "", "rules file (default: the configuration's grouping section)")
	asJSON := fs.Bool("json", false, "print the grouping as JSON")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *eventPath == "" {
		return withCode(exitUsage, fmt.Errorf("--event is required"))
	}
	data, err := os.ReadFile(*eventPath)
	if err != nil {
		return withCode(exitUsage, err)
	}
	ev, err := sentry.Normalize(data, sentry.NormalizeOptions{Received: time.Now()})
	if err != nil {
		return withCode(exitUsage, fmt.Errorf("%s: %s", *eventPath, core.ErrorMessage(err)))
	}
	e, err := loadRules(*rulesPath, *cfgPath)
	if err != nil {
		return err
	}
	x := rules.Explain(ev, e)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(x.Grouping)
	}
	fmt.Fprintf(stdout, "title:      %s\n", sentry.Title(ev))
	fmt.Fprint(stdout, x.String())
	return nil
}

func runRulesDiff(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rules diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	rulesPath := fs.String("rules", "", "the new rules file (default: the configuration's rules)")
	newConfig := fs.String("grouping-config", "", "preview moving the projects to this Sentry grouping configuration ("+core.GroupingConfig2023+" or "+core.GroupingConfig2026+")")
	project := fs.Int64("project", 0, "replay only this project's events (default: every project)")
	perIssue := fs.Int("per-issue", 50, "newest events replayed per issue")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *rulesPath == "" && *newConfig == "" {
		return withCode(exitUsage, fmt.Errorf("--rules or --grouping-config is required"))
	}
	if *newConfig != "" && !core.KnownGroupingConfig(*newConfig) {
		return withCode(exitUsage, fmt.Errorf("--grouping-config %q is not %s or %s", *newConfig, core.GroupingConfig2023, core.GroupingConfig2026))
	}
	c, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	oldE, err := loadRules("", c.Path)
	if err != nil {
		return err
	}
	newE := oldE
	if *rulesPath != "" {
		if newE, err = loadRules(*rulesPath, ""); err != nil {
			return err
		}
	}
	store, desc, err := openStore(ctx, c, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Ping(ctx); err != nil {
		return withCode(exitDatabase, fmt.Errorf("%s: %w", desc, err))
	}
	events, err := storedEvents(ctx, store, *project, *perIssue)
	if err != nil {
		return err
	}
	for i := range events {
		events[i].NewConfig = *newConfig
	}
	fmt.Fprint(stdout, rules.Diff(oldE, newE, events).String())
	if *newConfig != "" {
		fmt.Fprintf(stdout, "(after the change, during grouping.transition, an event whose %s hash is new still joins the issue its old hash names)\n", *newConfig)
	}
	return nil
}

// storedEvents reads up to perIssue newest events of every issue of every
// project (of project alone when not 0), normalized again from their raw
// payloads, each with its project's grouping configuration.
func storedEvents(ctx context.Context, store core.Store, project int64, perIssue int) ([]rules.DiffEvent, error) {
	projects, err := store.FindProjects(ctx)
	if err != nil {
		return nil, err
	}
	if project != 0 {
		p, err := store.FindProjectByID(ctx, project)
		if err != nil {
			return nil, err
		}
		projects = []*core.Project{p}
	}
	var out []rules.DiffEvent
	for _, p := range projects {
		cursor := ""
		for {
			issues, next, err := store.FindIssues(ctx, core.IssueFilter{ProjectID: p.ID, Limit: 500, Cursor: cursor})
			if err != nil {
				return nil, err
			}
			for _, is := range issues {
				evs, _, err := store.FindEvents(ctx, core.EventFilter{IssueID: is.ID, Limit: perIssue})
				if err != nil {
					return nil, err
				}
				for _, e := range evs {
					full, err := store.FindEventByID(ctx, p.ID, e.EventID)
					if err != nil {
						return nil, err
					}
					data, err := sentry.Normalize(full.Payload, sentry.NormalizeOptions{Received: full.Received, EventID: full.EventID, ForceEventID: true})
					if err != nil {
						continue // kept as stored; it cannot be regrouped
					}
					if len(full.Data) > 0 {
						// Processing changed it (source maps): regroup
						// what was grouped.
						var processed core.EventData
						if json.Unmarshal(full.Data, &processed) == nil {
							data = &processed
						}
					}
					out = append(out, rules.DiffEvent{IssueID: is.ID, Event: data, Config: p.GroupingConfig})
				}
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	return out, nil
}
