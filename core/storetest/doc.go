// Package storetest is the one behavioural suite of core.Store: every
// backend runs Run from its own tests, so SQLite and Postgres keep the same
// contract. It also holds helpers for tests elsewhere that need data in a
// real store (MustCreateProject, NewEvent, MustWrite) and the shared body of
// the backends' WriteEvents benchmarks (BenchmarkWriteEvents).
//
// The suite only uses the core.Store interface. Each subtest opens a fresh,
// empty store, so the subtests are independent of each other and of their
// order.
package storetest
