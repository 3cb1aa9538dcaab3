// Package itest holds Periscope's end-to-end tests: the real periscope
// binary and plugin binaries, built once per run, driven over HTTP by the
// official Sentry SDKs, on a real SQLite file and a real Postgres (a
// throwaway cluster from core/postgres/pgtest unless
// PERISCOPE_TEST_POSTGRES_URL names one).
package itest
