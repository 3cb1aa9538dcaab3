package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/adminclient"
)

// Exit codes of the commands that talk to the admin API, beyond main.go's.
// A request the server calls invalid (400) exits with exitUsage.
const (
	exitNotFound    = 5 // the project, key, issue, event... does not exist (404)
	exitAuth        = 6 // the admin key is missing or wrong (401, 403)
	exitUnreachable = 7 // the server cannot be reached, or failed (5xx)
	exitConflict    = 8 // it already exists, or its state forbids the change (409)
)

// apiFlags are the flags every API command takes.
type apiFlags struct {
	url, key, config string
	json             bool
	timeout          time.Duration
}

func (f *apiFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.url, "url", os.Getenv("PERISCOPE_URL"), "server URL, e.g. http://127.0.0.1:8000 (env PERISCOPE_URL; default: the configured listen address)")
	fs.StringVar(&f.key, "admin-key", os.Getenv("API_SECRET_KEY_ADMIN"), "admin key (env API_SECRET_KEY_ADMIN; default: admin.secret_key of the configuration)")
	fs.StringVar(&f.config, "config", os.Getenv("PERISCOPE_CONFIG"), "configuration file, read only when --url or --admin-key is not given (env PERISCOPE_CONFIG)")
	fs.BoolVar(&f.json, "json", false, "print JSON, for scripts")
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "how long to wait for the server")
}

// parseInterspersed parses flags and positional arguments in any order
// ("issue resolve 42 --json" as well as "issue resolve --json 42").
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// client resolves the server URL and admin key: flags, then environment
// (already the flags' defaults), then the configuration file.
func (f *apiFlags) client() (*apiClient, error) {
	base, key := f.url, f.key
	if base == "" || key == "" {
		c, err := loadConfig(f.config)
		if err != nil {
			return nil, err
		}
		if base == "" {
			base = "http://" + localAddr(c.ListenAddr())
		}
		if key == "" {
			key = c.Admin.SecretKey
		}
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, withCode(exitUsage, fmt.Errorf("--url %q is not an http(s) URL like http://127.0.0.1:8000", base))
	}
	if key == "" {
		return nil, withCode(exitAuth, errors.New("no admin key: pass --admin-key or set API_SECRET_KEY_ADMIN"))
	}
	return &apiClient{adminclient.New(base, key, &http.Client{Timeout: f.timeout}), f.json}, nil
}

// localAddr turns a listen address on every interface into a loopback one
// a client can dial.
func localAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	switch host {
	case "", "0.0.0.0", "::":
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// apiClient is the admin API client of one command, which prints JSON
// when asJSON is set.
type apiClient struct {
	*adminclient.Client
	asJSON bool
}

// apiErr turns an admin client error into the CLI's: its message (with the
// invalid field) and the exit code of its core code.
func apiErr(err error) error {
	var e *core.Error
	if err == nil || !errors.As(err, &e) {
		return err
	}
	msg := e.Message
	if e.Field != "" && !strings.Contains(msg, e.Field) {
		msg += " (field " + e.Field + ")"
	}
	return withCode(exitCodes[e.Code], errors.New(msg))
}

// exitCodes maps core error codes to exit codes; others exit exitError.
var exitCodes = map[string]int{
	core.EINVALID:      exitUsage,
	core.ETOOLARGE:     exitUsage,
	core.EUNAUTHORIZED: exitAuth,
	core.EFORBIDDEN:    exitAuth,
	core.ENOTFOUND:     exitNotFound,
	core.ECONFLICT:     exitConflict,
	core.ERATELIMITED:  exitError,
	core.EINTERNAL:     exitUnreachable,
}

// show prints v as indented JSON with --json, else calls human. err, from
// the call that returned v, is returned as the CLI's error.
func (c *apiClient) show(w io.Writer, v any, err error, human func()) error {
	if err != nil {
		return apiErr(err)
	}
	if c.asJSON {
		return writeJSON(w, v)
	}
	human()
	return nil
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// printJSON writes raw JSON indented.
func printJSON(w io.Writer, raw []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		_, err = w.Write(raw)
		return err
	}
	buf.WriteByte('\n')
	_, err := buf.WriteTo(w)
	return err
}

// table writes aligned columns.
func table(w io.Writer, header string, rows [][]string) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
}

// when formats an API time for a table.
func when(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

// truncate shortens s to n runes for a table cell.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// needArgs checks the number of positional arguments.
func needArgs(pos []string, n int, usage string) error {
	if len(pos) != n {
		return withCode(exitUsage, fmt.Errorf("usage: %s", usage))
	}
	return nil
}

// idArg parses a positional numeric id.
func idArg(s, what string) (int64, error) {
	var id int64
	if _, err := fmt.Sscan(s, &id); err != nil || id <= 0 || fmt.Sprint(id) != s {
		return 0, withCode(exitUsage, fmt.Errorf("%s %q is not a positive number", what, s))
	}
	return id, nil
}

// subcommand is one verb of a resource command.
type subcommand struct {
	usage string // the verb and its arguments
	about string // what it does, one line
	run   runFunc
}

// name is the verb: the first word of its usage.
func (v subcommand) name() string { return strings.Fields(v.usage)[0] }

// resource is a command made of verbs (`periscope issue show ...`). note
// ends its help.
type resource struct {
	name, note string
	verbs      []subcommand
}

// order lists the verbs' names as help shows them.
func (r *resource) order() []string {
	names := make([]string, len(r.verbs))
	for i, v := range r.verbs {
		names[i] = v.name()
	}
	return names
}

func (r *resource) help() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: periscope %s <command> [flags]\n\nCommands:\n", r.name)
	for _, v := range r.verbs {
		fmt.Fprintf(&b, "  periscope %s %s\n      %s\n", r.name, v.usage, v.about)
	}
	fmt.Fprintf(&b, "\n%s\n'periscope %s COMMAND --help' shows a command's flags.\n", r.note, r.name)
	return b.String()
}

// run runs the verb args[0].
func (r *resource) run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		if len(args) == 0 {
			return withCode(exitUsage, errors.New("which command?\n"+r.help()))
		}
		if args[0] == "help" && len(args) > 1 {
			return r.run(ctx, []string{args[1], "--help"}, stdout, stderr)
		}
		return &helpError{head: r.help()}
	}
	i := slices.IndexFunc(r.verbs, func(v subcommand) bool { return v.name() == args[0] })
	if i < 0 {
		return withCode(exitUsage, fmt.Errorf("unknown command %q\n%s", r.name+" "+args[0], r.help()))
	}
	v := r.verbs[i]
	err := v.run(ctx, args[1:], stdout, stderr)
	var h *helpError
	if errors.As(err, &h) && h.head == "" {
		h.head = fmt.Sprintf("Usage: periscope %s %s\n\n%s.\n", r.name, v.usage, capitalize(v.about))
	}
	return err
}

// apiNote ends the help of the commands that call the admin API.
const apiNote = "Every command takes --url, --admin-key, --json and --timeout."

// newFlags makes the flag set of one API command.
func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *apiFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var af apiFlags
	af.register(fs)
	return fs, &af
}

// parseArgs parses flags and positional arguments (parseFlags).
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	return parseFlags(fs, args)
}
