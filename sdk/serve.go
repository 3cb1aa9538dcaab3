package sdk

import (
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
)

// Protocol constants. They are part of the frozen protocol: a plugin and a
// host agree on them or refuse to talk. A test guards them.
const (
	// ProtocolVersion is the notifier protocol this SDK speaks
	// (proto/notifier/v1). A breaking change is a new version served
	// alongside this one.
	ProtocolVersion = 1
	// MagicCookieKey and MagicCookieValue are go-plugin's handshake
	// cookie: the host sets the variable when it launches a plugin, and a
	// plugin binary run by hand sees it missing and explains itself instead
	// of waiting on stdin.
	MagicCookieKey   = "PERISCOPE_NOTIFIER_PLUGIN"
	MagicCookieValue = "5f1b7d0e93c44a2b8f6e0d2a71c3b9e4"
	// PluginName is the name the notifier is dispensed under.
	PluginName = "notifier"
)

// Handshake returns the go-plugin handshake both sides use.
func Handshake() plugin.HandshakeConfig {
	return plugin.HandshakeConfig{
		ProtocolVersion:  ProtocolVersion,
		MagicCookieKey:   MagicCookieKey,
		MagicCookieValue: MagicCookieValue,
	}
}

// VersionedPlugins returns the plugin sets by protocol version, serving
// impl. The host passes nil for impl (it only needs the client side).
func VersionedPlugins(impl Notifier) map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{
		1: {PluginName: &GRPCPlugin{Impl: impl}},
	}
}

// Serve runs n as a Periscope notifier plugin and is meant to be the whole
// body of a plugin's main. It speaks go-plugin over gRPC only, with the
// handshake cookie and automatic mutual TLS (the host's AutoMTLS), and logs
// to stderr as JSON, which the host reads into its own log with each line's
// level. stdout belongs to the handshake: never write to it. Serve returns
// when the host ends the plugin; run by hand, it prints a note and exits.
func Serve(n Notifier) {
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  Handshake(),
		VersionedPlugins: VersionedPlugins(n),
		GRPCServer:       plugin.DefaultGRPCServer,
		Logger: hclog.New(&hclog.LoggerOptions{
			Name:       "plugin",
			Output:     stderr,
			JSONFormat: true,
			Level:      hclog.Info,
		}),
	})
}
