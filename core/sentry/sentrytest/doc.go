// Package sentrytest helps tests speak the Sentry protocol: it finds the
// conformance corpus (real Sentry SDK traffic and the test inputs of Sentry
// and other Sentry-compatible servers, kept in shared/corpus beside the
// repository on the developers' machines and never part of a clone), and
// it writes the MessagePack that sentry-native's crash files hold.
package sentrytest
