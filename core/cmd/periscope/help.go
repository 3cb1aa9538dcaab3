package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// helpError answers -h/--help: run prints it on stdout and exits 0. The
// parser that saw the flag fills flags (the flag list); whoever knows the
// command's usage line (dispatch, run) fills head.
type helpError struct {
	head  string
	flags string
}

func (e *helpError) Error() string { return "help requested" }
func (e *helpError) Unwrap() error { return flag.ErrHelp }

// String is the whole help text.
func (e *helpError) String() string {
	var b strings.Builder
	b.WriteString(e.head)
	if e.flags != "" {
		b.WriteString("\nFlags:\n")
		b.WriteString(e.flags)
	}
	return b.String()
}

// parseFlags parses flags and positional arguments in any order. -h or
// --help gives a *helpError holding the flag list; a bad flag gives an
// exitUsage error that names it and points at --help.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	pos, err := parseInterspersed(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		var defaults bytes.Buffer
		fs.SetOutput(&defaults)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
		return nil, &helpError{flags: defaults.String()}
	case err != nil:
		return nil, withCode(exitUsage, fmt.Errorf("%v (see 'periscope %s --help')", err, fs.Name()))
	}
	return pos, nil
}

// capitalize upper-cases the first letter of s.
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
