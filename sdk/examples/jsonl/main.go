// Command periscope-plugin-jsonl is a complete Periscope notifier: it
// appends every notification to a file as one JSON line.
package main

import (
	"context"
	"encoding/json"
	"os"

	"github.com/periscope-hq/periscope/sdk"
)

type jsonl struct{ path string }

func (j *jsonl) Info(context.Context) (sdk.Info, error) {
	return sdk.Info{Name: "jsonl", Version: "1.0.0"}, nil
}

func (j *jsonl) Validate(_ context.Context, c sdk.Config) error {
	_, err := c.String("path", true)
	return err
}

func (j *jsonl) Configure(_ context.Context, c sdk.Config) (err error) {
	j.path, err = c.String("path", true)
	return err
}

func (j *jsonl) Notify(_ context.Context, n sdk.Notification) error {
	f, err := os.OpenFile(j.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	return json.NewEncoder(f).Encode(n)
}

func main() { sdk.Serve(&jsonl{}) }
