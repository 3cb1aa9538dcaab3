package main

import (
	"context"
	"io"
)

// runFunc runs one verb of a resource command.
type runFunc = func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// idVerb is a verb of the shape "periscope NAME ID": one numeric id (of
// what), the API flags only. It calls call and prints the answer with
// print, or as JSON with --json.
func idVerb[T any](name, what string, call func(*apiClient, context.Context, int64) (T, error), print func(io.Writer, T)) runFunc {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs, af := newFlags(name, stderr)
		c, id, err := idClient(fs, af, args, "periscope "+name+" ID", what)
		if err != nil {
			return err
		}
		v, err := call(c, ctx, id)
		return c.show(stdout, v, err, func() { print(stdout, v) })
	}
}

// projectVerb is a verb of the shape "periscope NAME --project ID": no
// positional argument, the API flags only. It calls call with the project
// and prints the answer with print, or as JSON with --json.
func projectVerb[T any](name string, call func(*apiClient, context.Context, int64) (T, error), print func(io.Writer, T)) runFunc {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs, af := newFlags(name, stderr)
		project := projectFlag(fs)
		c, err := projectClient(fs, af, project, args, "periscope "+name+" --project ID")
		if err != nil {
			return err
		}
		v, err := call(c, ctx, *project)
		return c.show(stdout, v, err, func() { print(stdout, v) })
	}
}
