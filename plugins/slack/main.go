// Command periscope-plugin-slack posts each notification to a Slack
// incoming webhook as a Block Kit message (header, linked title, project,
// level, environment, event count, a button to the issue), with a plain
// `text` fallback that Slack shows in phone notifications.
//
// Config:
//
//	url      required: the incoming webhook URL (https://hooks.slack.com/services/...)
//	headers  optional object of extra request headers (for Slack-compatible receivers)
//	timeout  optional request timeout ("10s", or seconds), default 10s, at most 5m
//
// 2xx is success; 429 and 5xx are retried (honouring Retry-After); any other
// status fails for good. Loopback, private and link-local receivers are
// refused unless Periscope allows private networks.
package main

import "github.com/periscope-hq/periscope/sdk"

func main() { sdk.Serve(&slack{}) }
