// Package repo holds tests about the repository itself rather than about
// Periscope's behaviour: that every test file the tree holds is one the go
// tool compiles, unless the file says otherwise.
package repo
