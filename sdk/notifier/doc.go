// Package notifier declares the values a Periscope notifier plugin works
// with: the Notifier interface, its Config, the Notification payload and
// the errors that tell the host whether to retry.
//
// Plugin authors normally use these through package sdk, which re-exports
// every name declared here; this package exists so that the module-internal
// protobuf conversion code (sdk/internal/toproto and fromproto) can depend on
// the types without depending on the gRPC server in package sdk.
//
// The JSON form of Notification (its struct tags) is a stable, documented
// contract: the webhook plugin posts it as is. Fields are only ever added.
package notifier
