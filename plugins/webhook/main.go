// Command periscope-plugin-webhook is Periscope's generic webhook notifier:
// it POSTs each notification's JSON payload (documented in sdk/README.md)
// to a URL.
//
// Config:
//
//	url      required, http or https
//	headers  optional object of extra request headers
//	secret   optional; signs the raw body: X-Periscope-Signature: sha256=<hex HMAC-SHA256>
//	timeout  optional request timeout ("10s", or seconds), default 10s, at most 5m
//
// Any 2xx answer is success; 429 and 5xx are retried (honouring
// Retry-After); any other status fails for good. Loopback, private and
// link-local receivers are refused unless Periscope allows private networks.
package main

import "github.com/periscope-hq/periscope/sdk"

func main() { sdk.Serve(&webhook{}) }
