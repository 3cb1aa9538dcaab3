package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/adminclient"
)

// tokenCmd is `periscope token ...`: API tokens for sentry-cli.
var tokenCmd = &resource{name: "token", note: apiNote, verbs: []subcommand{
	{"create --project ID [--scope SCOPE]... [--name NAME]", "create an API token for sentry-cli (SENTRY_AUTH_TOKEN); the secret is printed once", runTokenCreate},
	{"list --project ID", "list a project's API tokens, revoked ones included (never their secrets)",
		projectVerb("token list", (*apiClient).listTokens, printTokens)},
	{"revoke --project ID TOKEN_ID", "revoke an API token: sentry-cli with it is refused", runTokenRevoke},
}}

// scopeFlags collects repeated --scope flags.
type scopeFlags []string

func (s *scopeFlags) String() string     { return strings.Join(*s, ",") }
func (s *scopeFlags) Set(v string) error { *s = append(*s, v); return nil }

func runTokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, af := newFlags("token create", stderr)
	project := projectFlag(fs)
	name := fs.String("name", "", "what the token is for")
	var scopes scopeFlags
	fs.Var(&scopes, "scope", "a scope the token holds (repeatable; default "+core.ScopeReleases+", which sentry-cli needs)")
	c, err := projectClient(fs, af, project, args, "periscope token create --project ID [--scope SCOPE]... [--name NAME]")
	if err != nil {
		return err
	}
	t, err := c.CreateToken(ctx, *project, adminclient.TokenInput{Name: *name, Scopes: scopes})
	return c.show(stdout, t, err, func() {
		fmt.Fprintf(stdout, "Created API token %d for project %d with scopes %s.\n", t.ID, t.ProjectID, strings.Join(t.Scopes, " "))
		fmt.Fprintf(stdout, "Token (shown once, stored hashed; use it as SENTRY_AUTH_TOKEN): %s\n", t.Token)
	})
}

func (c *apiClient) listTokens(ctx context.Context, project int64) (adminclient.TokenList, error) {
	ts, err := c.ListTokens(ctx, project)
	return adminclient.TokenList{Tokens: ts}, err
}

// printTokens writes tokens as a table.
func printTokens(stdout io.Writer, ts adminclient.TokenList) {
	var rows [][]string
	for _, t := range ts.Tokens {
		state := "active"
		if t.RevokedAt != nil {
			state = "revoked " + when(t.RevokedAt)
		}
		rows = append(rows, []string{strconv.FormatInt(t.ID, 10), t.Name, strings.Join(t.Scopes, " "), when(&t.CreatedAt), state})
	}
	table(stdout, "ID\tNAME\tSCOPES\tCREATED\tSTATE", rows)
}

func runTokenRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, af := newFlags("token revoke", stderr)
	project := projectFlag(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(pos, 1, "periscope token revoke --project ID TOKEN_ID"); err != nil {
		return err
	}
	if err := needProject(*project); err != nil {
		return err
	}
	id, err := idArg(pos[0], "token id")
	if err != nil {
		return err
	}
	c, err := af.client()
	if err != nil {
		return err
	}
	if err := c.RevokeToken(ctx, *project, id); err != nil {
		return apiErr(err)
	}
	if af.json {
		return printJSON(stdout, []byte(fmt.Sprintf(`{"revoked":%d}`, id)))
	}
	fmt.Fprintf(stdout, "Revoked API token %d: sentry-cli with it is refused from now on.\n", id)
	return nil
}
