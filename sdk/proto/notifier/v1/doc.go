// Package notifierv1 is the generated Go code of notifier.proto, protocol
// version 1 between Periscope and its notifier plugins. The .proto file is
// frozen (see its header); the generated files are committed so that
// `go build` never needs protoc. Plugin authors do not use this package:
// package sdk speaks it for them.
package notifierv1
