// Command periscope is the Periscope server and its command-line tools.
//
//	periscope serve            run the server (ingestion, admin API, alerts)
//	periscope migrate          apply database migrations and exit
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

const usage = `Usage: periscope <command> [flags]

Commands:
  serve             run the server (the default when no command is given)
  migrate           apply pending database migrations and exit
  project create    create a project and print its DSN (--name NAME; on the
                    database directly unless --url or PERISCOPE_URL is set)
  project list|update|delete
  key create|list|update|revoke
  issue list|show|resolve|unresolve|ignore|merge|delete
  event show
  alert list
  destination list|test
  rules test        show how an event would be grouped (--event FILE)
  rules diff        replay stored events through new rules (--rules FILE)
  bench             load-test a running server (--dsn DSN)

Every command reads config.yaml from the working directory unless --config
PATH (or PERISCOPE_CONFIG) names another. Run 'periscope <command> -h' for
its flags.

The project, key, issue, event, alert and destination commands call the
admin API of a running server: --url (or PERISCOPE_URL; default: the
configured listen address) and --admin-key (or API_SECRET_KEY_ADMIN). They
print tables, or the API's JSON with --json. Exit codes: 0 done, 1 failed,
2 bad usage or a request the server calls invalid, 3 bad configuration,
4 database unreachable, 5 not found, 6 admin key missing or wrong,
7 server unreachable or failing, 8 conflict (exists already, or the state
forbids it).
`

// run dispatches a command line and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = runServe(ctx, args, stdout, stderr)
	case "migrate":
		err = runMigrate(ctx, args, stdout, stderr)
	case "project":
		err = runProjectCmd(ctx, args, stdout, stderr)
	case "key":
		err = runKey(ctx, args, stdout, stderr)
	case "issue":
		err = runIssue(ctx, args, stdout, stderr)
	case "event":
		err = runEvent(ctx, args, stdout, stderr)
	case "alert":
		err = runAlert(ctx, args, stdout, stderr)
	case "destination":
		err = runDestination(ctx, args, stdout, stderr)
	case "rules":
		err = runRules(ctx, args, stdout, stderr)
	case "bench":
		err = runBench(ctx, args, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "periscope: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var ex *exitError_
	if errors.As(err, &ex) {
		fmt.Fprintf(stderr, "periscope %s: %v\n", cmd, ex.err)
		return ex.code
	}
	fmt.Fprintf(stderr, "periscope %s: %v\n", cmd, err)
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
