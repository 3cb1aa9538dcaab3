// Package itest holds Periscope's end-to-end tests: the real periscope
// binary and plugin binaries, built once per run, driven over HTTP by the
// official Sentry SDKs, on a real SQLite file and a real Postgres (a
// throwaway cluster from core/postgres/pgtest unless
// PERISCOPE_TEST_POSTGRES_URL names one).
//
// Each test starts its own servers on their own ports, directories and
// databases, so most call t.Parallel. The ones that do not are those that
// load the machine on purpose (the fault, flood and shutdown-under-load
// tests: run beside others they would measure the others) or change
// process-wide state (mounts, RLIMIT_NOFILE); go test runs them first,
// alone, then the parallel ones together.
package itest
