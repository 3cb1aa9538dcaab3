// Package sdktest lets a plugin author test a notifier the way Periscope
// runs it: in-process, but over real gRPC through go-plugin, so every value
// crosses the protocol's conversion code.
//
//	func TestConformance(t *testing.T) {
//		srv := httptest.NewServer(...) // your fake receiver
//		sdktest.Conformance(t, &myNotifier{}, sdk.Config{"url": srv.URL, "allow_private_networks": true})
//	}
//
// Serve gives a host-side sdk.Notifier for your own checks; Conformance runs
// the checks every notifier must pass; SampleNotification is the payload
// Conformance sends.
package sdktest
