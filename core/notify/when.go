package notify

import (
	"fmt"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/sdk"
)

// whenEnv is what a destination's when expression sees:
//
//	alert.kind               "new_issue", "regression" or "threshold"
//	alert.id
//	issue.id, issue.title, issue.culprit, issue.level, issue.platform,
//	issue.status, issue.count, issue.first_seen, issue.last_seen
//	project.id, project.name
//	event.id, event.environment, event.release, event.tags (a map)
//
// for example `issue.level in ["error", "fatal"] && event.environment == "production"`.
type whenEnv struct {
	Alert   whenAlert   `expr:"alert"`
	Issue   whenIssue   `expr:"issue"`
	Project whenProject `expr:"project"`
	Event   whenEvent   `expr:"event"`
}

type whenAlert struct {
	ID   int64  `expr:"id"`
	Kind string `expr:"kind"`
}

type whenIssue struct {
	ID        int64     `expr:"id"`
	Title     string    `expr:"title"`
	Culprit   string    `expr:"culprit"`
	Level     string    `expr:"level"`
	Platform  string    `expr:"platform"`
	Status    string    `expr:"status"`
	Count     int64     `expr:"count"`
	FirstSeen time.Time `expr:"first_seen"`
	LastSeen  time.Time `expr:"last_seen"`
}

type whenProject struct {
	ID   int64  `expr:"id"`
	Name string `expr:"name"`
}

type whenEvent struct {
	ID          string            `expr:"id"`
	Environment string            `expr:"environment"`
	Release     string            `expr:"release"`
	Tags        map[string]string `expr:"tags"`
}

// When is a compiled destination filter.
type When struct {
	src  string
	prog *vm.Program
}

// CompileWhen compiles a destination's when expression against the typed
// environment above, so typos and type errors are found at load time. An
// empty source gives a nil *When, which matches everything. Errors are
// EINVALID naming "when", with expr's line and column.
func CompileWhen(src string) (*When, error) {
	if src == "" {
		return nil, nil
	}
	prog, err := expr.Compile(src, expr.Env(whenEnv{}), expr.AsBool())
	if err != nil {
		return nil, core.FieldErrorf("when", "when must be a boolean expr expression over alert, issue, project and event: %v", err)
	}
	return &When{src: src, prog: prog}, nil
}

// Match reports whether n passes the filter; a nil When matches.
func (w *When) Match(n sdk.Notification) (bool, error) {
	if w == nil {
		return true, nil
	}
	tags := make(map[string]string, len(n.Event.Tags))
	for i := len(n.Event.Tags) - 1; i >= 0; i-- { // the first of duplicate keys wins
		tags[n.Event.Tags[i].Key] = n.Event.Tags[i].Value
	}
	env := whenEnv{
		Alert: whenAlert{ID: n.Alert.ID, Kind: n.Alert.Kind},
		Issue: whenIssue{
			ID: n.Issue.ID, Title: n.Issue.Title, Culprit: n.Issue.Culprit, Level: n.Issue.Level,
			Platform: n.Issue.Platform, Status: n.Issue.Status, Count: n.Issue.Count,
			FirstSeen: n.Issue.FirstSeen, LastSeen: n.Issue.LastSeen,
		},
		Project: whenProject{ID: n.Project.ID, Name: n.Project.Name},
		Event:   whenEvent{ID: n.Event.ID, Environment: n.Event.Environment, Release: n.Event.Release, Tags: tags},
	}
	out, err := expr.Run(w.prog, env)
	if err != nil {
		return false, fmt.Errorf("when %q: %w", w.src, err)
	}
	ok, _ := out.(bool)
	return ok, nil
}

// String returns the source.
func (w *When) String() string {
	if w == nil {
		return ""
	}
	return w.src
}
