// Command periscope-plugin-email sends each notification as one e-mail over
// SMTP, with a plain-text and an HTML part (multipart/alternative).
//
// Config:
//
//	host            required SMTP server name
//	port            default 587 (starttls), 465 (tls) or 25 (none)
//	tls             "starttls" (default: plain connect, then STARTTLS, required),
//	                "tls" (implicit TLS, "SMTPS") or "none" (local relays only)
//	username        optional; with password, authenticates (PLAIN or LOGIN); needs tls or starttls
//	password        optional
//	from            required sender address ("Periscope <alerts@example.com>")
//	to              required recipients: a list, or one comma-separated string
//	subject_prefix  default "[Periscope] "
//	timeout         whole SMTP conversation ("30s", or seconds), default 30s, at most 5m
//	ca_file         optional PEM file of CAs to trust instead of the system's
//	helo            optional name to greet with, default "localhost"
//
// The SMTP server is usually a relay on the local network, so the
// private-network rule of the HTTP plugins does not apply here.
//
// SMTP 4xx replies and network errors are retried; 5xx replies fail for
// good. The Message-ID is derived from the notification's idempotency key,
// so a retried delivery carries the same Message-ID.
package main

import "github.com/periscope-hq/periscope/sdk"

func main() { sdk.Serve(&email{}) }
