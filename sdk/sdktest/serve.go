package sdktest

import (
	"testing"

	"github.com/hashicorp/go-plugin"
	"github.com/periscope-hq/periscope/sdk"
)

// Serve serves n over a real gRPC connection (go-plugin's in-process test
// transport) and returns the host's view of it: every call goes through
// the protocol. The connection is closed when tb ends.
func Serve(tb testing.TB, n sdk.Notifier) sdk.Notifier {
	tb.Helper()
	client, _ := plugin.TestPluginGRPCConn(tb, false, sdk.VersionedPlugins(n)[sdk.ProtocolVersion])
	// Close asks the server to stop through go-plugin's controller service,
	// as the host does with a real plugin process.
	tb.Cleanup(func() { _ = client.Close() })
	raw, err := client.Dispense(sdk.PluginName)
	if err != nil {
		tb.Fatalf("dispense %q: %v", sdk.PluginName, err)
	}
	remote, ok := raw.(sdk.Notifier)
	if !ok {
		tb.Fatalf("dispensed %T, want sdk.Notifier", raw)
	}
	return remote
}
