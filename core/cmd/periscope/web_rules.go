package main

import (
	"context"
	"fmt"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/config"
	"github.com/periscope-hq/periscope/core/web"
	"github.com/periscope-hq/periscope/rules"
)

// webRules gives the web UI the rules in force and `rules diff` over a
// pasted grouping section.
type webRules struct {
	c      *config.Config
	holder *rules.Holder
	store  core.Store
}

// previewPerIssue is how many newest events of each issue the preview
// replays.
const previewPerIssue = 20

func (w webRules) Current() ([]web.RuleView, []string) {
	var out []web.RuleView
	for _, r := range w.c.Grouping.Rules {
		out = append(out, web.RuleView{Name: r.Name, When: r.When, Title: r.Title, Fingerprint: r.Fingerprint})
	}
	var files []string
	for _, f := range []string{w.c.Grouping.RulesFile, w.c.Grouping.SentryRulesFile} {
		if f != "" {
			files = append(files, f)
		}
	}
	return out, files
}

func (w webRules) Preview(ctx context.Context, projectID int64, text string) (string, error) {
	cfg, err := rules.ParseConfig([]byte(text), "the pasted rules")
	if err != nil {
		return "", core.Errorf(core.EINVALID, "%v", err)
	}
	// Pasted text names no files: the server's files are not for reading
	// from a browser.
	if cfg.RulesFile != "" || cfg.SentryRulesFile != "" {
		return "", core.Errorf(core.EINVALID, "rules_file and sentry_rules_file cannot be previewed here: paste the rules themselves")
	}
	if cfg.GroupingConfig == "" {
		cfg.GroupingConfig = w.c.Grouping.DefaultConfig
	}
	next, err := rules.Load(cfg)
	if err != nil {
		return "", core.Errorf(core.EINVALID, "%v", err)
	}
	if _, err := w.store.FindProjectByID(ctx, projectID); err != nil {
		return "", err
	}
	events, err := storedEvents(ctx, w.store, projectID, previewPerIssue)
	if err != nil {
		return "", err
	}
	rep := rules.Diff(w.holder.Engine(), next, events).String()
	return fmt.Sprintf("(the newest %d events of each issue)\n%s", previewPerIssue, rep), nil
}
