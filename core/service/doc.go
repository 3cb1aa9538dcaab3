// Package service holds Periscope's admin use cases over a core.Store:
// create a project or key, resolve, ignore, merge or delete issues,
// create, change and test notification destinations, acknowledge alerts.
//
// Every adapter that lets a person change Periscope (the admin API in
// core/http, the CLI in core/cmd/periscope, the web UI) calls these
// methods, so that one input is accepted or refused the same way
// everywhere. A method takes a context and a typed input, validates it and
// answers *core.Error codes: EINVALID naming the field, ENOTFOUND,
// ECONFLICT; the adapter maps them to an HTTP status or an exit code.
// Decoding (JSON, query strings, flags) stays in the adapters; what a
// stored value must be is decided here.
//
// The package imports core and the standard library only. What it needs of
// the notifier plugins (checking a destination's config, sending a test
// notification) comes through the Notifier interface, which core/notify's
// Host implements.
package service
