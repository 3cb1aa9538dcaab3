package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/service"
)

// userCmd is `periscope user ...`: people who sign in to the web UI. The
// commands work on the database directly (so the first admin can be
// created before anyone can sign in); /api/admin/users does the same over
// HTTP.
var userCmd = &resource{name: "user", note: userNote, verbs: []subcommand{
	{"create --email EMAIL [--role admin|member] [--password-stdin]", "create a user; the password is read from stdin with --password-stdin, else generated and printed once", runUserCreate},
	{"list", "list the users and their roles", runUserList},
	{"set-password --email EMAIL [--password-stdin]", "replace a user's password (read from stdin, or generated and printed once)", runUserSetPassword},
	{"delete --email EMAIL", "delete a user; their sessions stop working", runUserDelete},
}}

const userNote = "These commands open the configured database directly (--config FILE); the server may be running."

// stdin is where --password-stdin reads (a variable for tests).
var stdin io.Reader = os.Stdin

// userFlags makes the flag set of a user command.
func userFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs, configFlag(fs)
}

// userService opens the configured database, migrated, as a Service.
func userService(ctx context.Context, configPath string) (*service.Service, func(), error) {
	c, err := loadConfig(configPath)
	if err != nil {
		return nil, nil, err
	}
	store, _, err := openMigrated(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	return service.New(store, nil), func() { store.Close() }, nil
}

// openUsers parses a user command's flags, which allow no positional
// argument (usage is the error otherwise), and opens the configured
// database (configPath, set by the flags) as a Service; done closes it.
func openUsers(ctx context.Context, fs *flag.FlagSet, configPath *string, args []string, usage string) (svc *service.Service, done func(), err error) {
	pos, err := parseArgs(fs, args)
	if err != nil {
		return nil, nil, err
	}
	if err := needArgs(pos, 0, usage); err != nil {
		return nil, nil, err
	}
	return userService(ctx, *configPath)
}

// readPassword reads one line from stdin when fromStdin, else generates a
// password; generated reports which.
func readPassword(fromStdin bool) (pw string, generated bool, err error) {
	if !fromStdin {
		return service.GeneratePassword(), true, nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", false, err
	}
	return strings.TrimRight(line, "\r\n"), false, nil
}

// userErr gives a service error its exit code.
func userErr(err error) error {
	switch core.ErrorCode(err) {
	case "":
		return nil
	case core.EINVALID:
		return withCode(exitUsage, fmt.Errorf("%s", core.ErrorMessage(err)))
	case core.ENOTFOUND:
		return withCode(exitNotFound, fmt.Errorf("%s", core.ErrorMessage(err)))
	case core.ECONFLICT:
		return withCode(exitConflict, fmt.Errorf("%s", core.ErrorMessage(err)))
	}
	return err
}

func runUserCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfg := userFlags("user create", stderr)
	email := fs.String("email", "", "the user's email address (required)")
	role := fs.String("role", core.RoleMember, "admin (manages projects, keys, destinations, users) or member (triages issues)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin instead of generating one")
	svc, done, err := openUsers(ctx, fs, cfg, args, "periscope user create --email EMAIL [--role admin|member] [--password-stdin]")
	if err != nil {
		return err
	}
	defer done()
	pw, generated, err := readPassword(*fromStdin)
	if err != nil {
		return err
	}
	u, err := svc.CreateUser(ctx, service.CreateUserInput{Email: *email, Role: *role, Password: pw})
	if err != nil {
		return userErr(err)
	}
	fmt.Fprintf(stdout, "Created %s %s (id %d).\n", u.Role, u.Email, u.ID)
	if generated {
		fmt.Fprintf(stdout, "Password: %s\n(shown once: keep it, or replace it with 'periscope user set-password --email %s --password-stdin')\n", pw, u.Email)
	}
	return nil
}

func runUserList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfg := userFlags("user list", stderr)
	svc, done, err := openUsers(ctx, fs, cfg, args, "periscope user list")
	if err != nil {
		return err
	}
	defer done()
	us, err := svc.FindUsers(ctx)
	if err != nil {
		return err
	}
	var rows [][]string
	for _, u := range us {
		rows = append(rows, []string{strconv.FormatInt(u.ID, 10), u.Email, u.Role, u.CreatedAt.UTC().Format("2006-01-02 15:04")})
	}
	table(stdout, "ID\tEMAIL\tROLE\tCREATED", rows)
	return nil
}

func runUserSetPassword(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfg := userFlags("user set-password", stderr)
	email := fs.String("email", "", "the user's email address (required)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin instead of generating one")
	svc, done, err := openUsers(ctx, fs, cfg, args, "periscope user set-password --email EMAIL [--password-stdin]")
	if err != nil {
		return err
	}
	defer done()
	pw, generated, err := readPassword(*fromStdin)
	if err != nil {
		return err
	}
	u, err := svc.FindUserByEmail(ctx, *email)
	if err != nil {
		return userErr(err)
	}
	if err := svc.SetPassword(ctx, u.ID, pw); err != nil {
		return userErr(err)
	}
	fmt.Fprintf(stdout, "Password of %s replaced.\n", u.Email)
	if generated {
		fmt.Fprintf(stdout, "Password: %s\n(shown once)\n", pw)
	}
	return nil
}

func runUserDelete(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfg := userFlags("user delete", stderr)
	email := fs.String("email", "", "the user's email address (required)")
	svc, done, err := openUsers(ctx, fs, cfg, args, "periscope user delete --email EMAIL")
	if err != nil {
		return err
	}
	defer done()
	u, err := svc.FindUserByEmail(ctx, *email)
	if err != nil {
		return userErr(err)
	}
	if err := svc.DeleteUser(ctx, u.ID); err != nil {
		return userErr(err)
	}
	fmt.Fprintf(stdout, "Deleted user %s.\n", u.Email)
	return nil
}
