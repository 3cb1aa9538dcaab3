// Package adminclient is a typed client of Periscope's admin API
// (core/http/openapi.json): one method per operation, answering core types,
// or small types declared here where the API adds fields core has none for.
//
// Every error an answer carries comes back as a *core.Error whose Code is
// the API's error code (or, for an answer without one, the code of its HTTP
// status), so callers branch on core.ErrorCode: the CLI's exit codes derive
// from it. A server that cannot be reached gives an EINTERNAL *core.Error.
//
// The package imports core and the standard library only; it knows nothing
// of the server's implementation.
package adminclient
