package sdk

import (
	"log/slog"
	"os"
	"strings"
)

// stderr is the process's stderr as it was before go-plugin redirected
// os.Stderr; lines written here reach the host's log.
var stderr = os.Stderr

// hclogTime is the timestamp layout go-plugin's host expects in a plugin's
// JSON log lines.
const hclogTime = "2006-01-02T15:04:05.000000Z07:00"

// Logger returns a logger for a plugin's own messages. It writes JSON lines
// in the format go-plugin's host understands (@level, @message,
// @timestamp) to stderr, so Periscope logs them at their level, tagged with
// the plugin. Never log secrets from the config.
func Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.TimeKey:
				return slog.String("@timestamp", a.Value.Time().Format(hclogTime))
			case slog.LevelKey:
				lvl := strings.ToLower(a.Value.String())
				if i := strings.IndexAny(lvl, "+-"); i > 0 {
					lvl = lvl[:i]
				}
				return slog.String("@level", lvl)
			case slog.MessageKey:
				return slog.String("@message", a.Value.String())
			}
			return a
		},
	}))
}
