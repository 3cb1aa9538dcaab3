// Package pgtest gives tests a real, fresh PostgreSQL database.
//
// A package whose tests call URL must run them through Main:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// (or call Run, which returns the exit code instead of exiting, when
// TestMain has clean-up of its own).
//
// URL then returns the address of a new, empty database for the calling
// test, dropped when the test ends. The databases live on the server named
// by PERISCOPE_TEST_POSTGRES_URL when it is set (its role needs CREATEDB);
// otherwise on one throwaway cluster per test binary, which pgtest creates
// with the machine's initdb and postgres (from PATH, or the highest version
// under /usr/lib/postgresql/*/bin) in a temporary directory, listening on
// 127.0.0.1 on a free port with fsync off, and which Main stops and removes
// after the tests. When running as root, the cluster runs as the "postgres"
// OS user, since initdb refuses root.
//
// When no database can be had, URL fails the test with a message saying
// how to fix it. It never skips.
package pgtest
