// Command periscope is the Periscope server and its command-line tools.
//
//	periscope serve            run the server (ingestion, admin API, alerts)
//	periscope migrate          apply database migrations and exit
//	periscope backup|restore   copy the SQLite database, put a copy back
//	periscope project create   create a project and print its DSN
//	periscope project|key|issue|event|alert|destination ...
//	                           manage through the admin API
//	periscope rules test       show how an event would be grouped
//	periscope bench            load-test a running server
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
)

// Exit codes that mean something to scripts.
const (
	exitOK       = 0
	exitError    = 1 // the command failed
	exitUsage    = 2 // bad flags or arguments
	exitConfig   = 3 // invalid configuration
	exitDatabase = 4 // the database is unreachable or its schema is wrong
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// command is one top-level command of `periscope`.
type command struct {
	name     string
	synopsis string   // its arguments, for its usage line
	summary  string   // one line for `periscope --help`
	verbs    []string // its subcommands, in the order help lists them
	run      func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands lists every command, in the order `periscope --help` shows them.
var commands = []command{
	{"serve", "[--config FILE]", "run the server: ingestion, admin API, alerts (the default command)", nil, runServe},
	{"migrate", "[--config FILE]", "apply pending database migrations and exit", nil, runMigrate},
	{"healthcheck", "[--url URL] [--config FILE]", "exit 0 when the server's /readyz answers 200 (container health checks)", nil, runHealthcheck},
	{"backup", "--to FILE [--config FILE]", "copy the SQLite database consistently, even while the server runs", nil, runBackup},
	{"restore", "--from FILE [--force] [--config FILE]", "check a backup and put it in place of the SQLite database (server stopped)", nil, runRestore},
	{"project", "<command> [flags]", "create, list, update and delete projects; create prints the DSN", projectCmd.order(), projectCmd.run},
	{"key", "<command> [flags]", "create, list, update and revoke the DSN keys of a project", keyCmd.order(), keyCmd.run},
	{"token", "<command> [flags]", "create, list and revoke the API tokens sentry-cli uploads source maps with", tokenCmd.order(), tokenCmd.run},
	{"issue", "<command> [flags]", "list, show, resolve, ignore, merge and delete issues", issueCmd.order(), issueCmd.run},
	{"event", "<command> [flags]", "show an event: exception, stack trace, breadcrumbs, user, request", eventCmd.order(), eventCmd.run},
	{"alert", "<command> [flags]", "list a project's alerts and their deliveries", alertCmd.order(), alertCmd.run},
	{"destination", "<command> [flags]", "list a project's notification destinations, send a test", destinationCmd.order(), destinationCmd.run},
	{"rules", "<command> [flags]", "try grouping rules: how an event groups, what new rules change", rulesCmd.order(), rulesCmd.run},
	{"user", "<command> [flags]", "create, list, delete people who sign in to the web UI; set their passwords", userCmd.order(), userCmd.run},
	{"bench", "--dsn DSN [flags]", "load-test a running server", nil, runBench},
}

// usage is the answer to `periscope --help`.
func usage() string {
	var b strings.Builder
	b.WriteString("Usage: periscope <command> [flags]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-12s %s\n", c.name, c.summary)
	}
	b.WriteString(`  help         this text; 'periscope help COMMAND' is 'periscope COMMAND --help'

Every command reads config.yaml from the working directory unless --config
PATH (or PERISCOPE_CONFIG) names another. 'periscope COMMAND --help' shows a
command's subcommands and flags.

The project, key, issue, event, alert and destination commands call the
admin API of a running server: --url (or PERISCOPE_URL; default: the
configured listen address) and --admin-key (or API_SECRET_KEY_ADMIN). They
print tables, or the API's JSON with --json. Exit codes: 0 done, 1 failed,
2 bad usage or a request the server calls invalid, 3 bad configuration,
4 database unreachable, 5 not found, 6 admin key missing or wrong,
7 server unreachable or failing, 8 conflict (exists already, or the state
forbids it).
`)
	return b.String()
}

// run dispatches a command line and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	name := "serve"
	if len(args) > 0 {
		switch args[0] {
		case "help", "-h", "-help", "--help":
			if len(args) > 1 && args[0] == "help" {
				return run(ctx, []string{args[1], "--help"}, stdout, stderr)
			}
			fmt.Fprint(stdout, usage())
			return exitOK
		}
		if args[0] != "" && args[0][0] != '-' {
			name, args = args[0], args[1:]
		}
	}
	i := slices.IndexFunc(commands, func(c command) bool { return c.name == name })
	if i < 0 {
		fmt.Fprintf(stderr, "periscope: unknown command %q\n\n%s", name, usage())
		return exitUsage
	}
	cmd := commands[i]
	err := cmd.run(ctx, args, stdout, stderr)
	var help *helpError
	if errors.As(err, &help) {
		if help.head == "" {
			help.head = fmt.Sprintf("Usage: periscope %s %s\n\n%s.\n", cmd.name, cmd.synopsis, capitalize(cmd.summary))
		}
		fmt.Fprint(stdout, help.String())
		return exitOK
	}
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var ex *exitError_
	if errors.As(err, &ex) {
		fmt.Fprintf(stderr, "periscope %s: %v\n", name, ex.err)
		return ex.code
	}
	fmt.Fprintf(stderr, "periscope %s: %v\n", name, err)
	return exitError
}

// exitError_ carries an exit code with an error.
type exitError_ struct {
	code int
	err  error
}

func (e *exitError_) Error() string { return e.err.Error() }
func (e *exitError_) Unwrap() error { return e.err }

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError_{code: code, err: err}
}

// configFlag registers --config on fs, defaulting to PERISCOPE_CONFIG or
// ./config.yaml.
func configFlag(fs *flag.FlagSet) *string {
	def := os.Getenv("PERISCOPE_CONFIG")
	return fs.String("config", def, "configuration file (default ./config.yaml when present; env PERISCOPE_CONFIG)")
}
