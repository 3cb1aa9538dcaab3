// Package sdk is everything needed to write a Periscope notifier plugin: a
// separate program that Periscope starts and calls whenever an alert must
// reach a destination (a chat, a pager, a ticket system, a file).
//
// A complete plugin (sdk/examples/jsonl) appends each notification to a
// file:
//
//	package main
//
//	import (
//		"context"
//		"encoding/json"
//		"os"
//
//		"github.com/periscope-hq/periscope/sdk"
//	)
//
//	type jsonl struct{ path string }
//
//	func (j *jsonl) Info(context.Context) (sdk.Info, error) {
//		return sdk.Info{Name: "jsonl", Version: "1.0.0"}, nil
//	}
//
//	func (j *jsonl) Validate(_ context.Context, c sdk.Config) error {
//		_, err := c.String("path", true)
//		return err
//	}
//
//	func (j *jsonl) Configure(_ context.Context, c sdk.Config) (err error) {
//		j.path, err = c.String("path", true)
//		return err
//	}
//
//	func (j *jsonl) Notify(_ context.Context, n sdk.Notification) error {
//		f, err := os.OpenFile(j.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
//		if err != nil {
//			return err
//		}
//		defer f.Close()
//		return json.NewEncoder(f).Encode(n)
//	}
//
//	func main() { sdk.Serve(&jsonl{}) }
//
// Build it with `go build -o periscope-plugin-jsonl .`, put the binary next
// to the periscope binary (or in notify.plugin_dir, or anywhere and give
// its path), and name it in config.yaml:
//
//	notify:
//	  destinations:
//	    - name: audit-log
//	      plugin: jsonl            # or /opt/plugins/periscope-plugin-jsonl
//	      config:
//	        path: /var/log/periscope/alerts.jsonl
//
// # Lifecycle
//
// The host starts one plugin process per (binary, config) pair the first
// time it needs it, with go-plugin's handshake cookie (MagicCookieKey) and
// automatic mutual TLS, over gRPC only. It calls Configure once on that
// process, then Notify for each notification, possibly concurrently. Info
// and Validate may come at any time, on a process configured for another
// destination: Validate must not change state. A process that crashes or
// exits is restarted on next use, and the notification it was delivering
// is retried. Plugins are stopped when Periscope stops.
//
// # Delivery contract
//
// Delivery is at least once. Notify returning nil means delivered. An error
// is retried with exponential backoff up to the host's limit, unless it is
// marked with Permanent (the receiver said no for good); RetryAfter asks
// for a minimum delay. Notification.IdempotencyKey is the same on every
// retry: pass it on where the receiver can deduplicate. Configuration
// problems are reported with FieldError so that the admin API answers 400
// naming the field ("config.url").
//
// # Logging and outbound safety
//
// stdout belongs to the go-plugin handshake; log with Logger, which writes
// JSON lines to stderr that the host re-logs at their level. Plugins that
// send HTTP should use package sdk/httpclient, which refuses loopback,
// private and link-local addresses unless the host's configuration allows
// them (Config.AllowPrivateNetworks), checking the address actually dialed.
//
// # Testing
//
// Package sdk/sdktest serves a Notifier in-process over real gRPC, and its
// Conformance function is the check every plugin should pass.
//
// The wire protocol is proto/notifier/v1/notifier.proto, frozen; a plugin
// in another language implements that service with go-plugin's handshake.
package sdk
