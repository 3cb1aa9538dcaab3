// Package notify delivers alerts: Host runs notifier plugins (separate
// binaries built with package sdk, spoken to with go-plugin over gRPC), and
// Dispatcher drains the notification outbox through them.
//
// # Plugin lifecycle (Host)
//
//   - A destination names its plugin by name ("webhook" is
//     <plugin_dir>/periscope-plugin-webhook, plugin_dir defaulting to the
//     folder of the periscope binary) or by path (anything with a "/").
//   - The host starts a plugin with go-plugin's handshake cookie and
//     protocol version negotiation (sdk.VersionedPlugins), gRPC only, with
//     AutoMTLS, and an environment without Periscope's secrets
//     (API_SECRET_KEY*, POSTGRES_*, PERISCOPE_*). The plugin's stderr lines
//     reach the host's logger at their own level.
//   - There is one process per (binary, config) pair, configured once with
//     Configure; the config always carries allow_private_networks as the
//     host's Config says, whatever the destination set. One unconfigured
//     process per binary answers Info and Validate.
//   - A process that exited, or that failed a call at the transport level
//     (it crashed mid-delivery), is stopped and replaced on the next call;
//     the failed call returns an *sdk.TransportError, which is retryable.
//   - Processes idle for Config.IdleTimeout are stopped; Close stops all.
//
// # Delivery (Dispatcher)
//
//   - The loop claims due notifications with core.AlertStore's
//     ClaimNotifications for Config.Lease, no more than there are free
//     workers, so a claimed row is worked on at once and never held by two
//     nodes.
//   - For each: build the payload (BuildPayload, with the event looked up
//     through Events), evaluate the destination's when filter (CompileWhen;
//     no match records a skipped attempt), call the plugin with
//     Config.AttemptTimeout, and record the attempt with RecordAttempt:
//     success; a retry after Config.Backoff's exponential delay (or later, when the plugin
//     asked with sdk.RetryAfter); or a permanent failure, when the plugin
//     said so (sdk.Permanent, a bad config) or MaxAttempts is reached.
//   - Delivery is at least once: a node that dies mid-delivery leaves the
//     row to be claimed again when its lease runs out; the payload's
//     idempotency key lets receivers drop the duplicate.
//   - Stop finishes and records in-flight deliveries; if its context ends
//     first, they are cancelled and left to their lease.
//
// Threshold alerts are raised by package core/threshold; they reach the
// outbox like every other alert and are delivered here.
//
// Host.SendTest delivers a made-up notification at once for the admin
// API's test route, and Host.ValidateDestination checks a destination
// (name, plugin, config through the plugin, when) for the admin API and
// the config loader, with errors naming the field.
package notify
