// Package sentry speaks Sentry's wire protocol: it parses the credentials
// of an ingestion request (ParseAuth, ParseDSN), undoes the body's
// Content-Encoding under a hard size limit (Decompress, DecodeStoreBody),
// splits envelopes into items (ParseEnvelope), and turns one event payload
// into Periscope's model (Normalize), from which Title and Culprit derive
// what an issue list shows. The other ingestion formats become event
// payloads here too: crash report uploads (ReadMinidumpUpload, then
// MinidumpUpload.Event, with sentry-native's MessagePack files read by
// DecodeMsgpackValues) and browser security reports (SecurityEvents).
// core/http only authenticates, limits and submits.
//
// The package follows ../shared/docs/sentry-protocol.md (Relay's behaviour)
// and is deliberately lenient where Relay is: a field of the wrong type is
// dropped or coerced and recorded in core.EventData.Errors, never fatal.
// Errors returned to callers are *core.Error values: EINVALID for malformed
// input, EUNAUTHORIZED for unusable credentials, ETOOLARGE for limits.
//
// Everything here is pure (no I/O, no globals that change) and safe for
// concurrent use. Normalize decodes a payload in one pass with a small
// purpose-built JSON parser (jsontree.go) so that the hot path neither
// reflects nor decodes twice.
package sentry
