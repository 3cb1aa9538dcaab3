// Package a is a fixture for TestIgnoredByNameFindsSuffixes.
package a
