package main

import (
	"context"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/periscope-hq/periscope/plugins/email/smtptest"
	"github.com/periscope-hq/periscope/sdk"
	"github.com/periscope-hq/periscope/sdk/sdktest"
)

// countingListener accepts and counts connections on 127.0.0.1 and closes
// them at once.
func countingListener(tb testing.TB) (int, *atomic.Int64) {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	var n atomic.Int64
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port, &n
}

// TestPrivateRelayRefused checks the outbound guard: without an explicit
// allow-list, a private or loopback host is refused when validated, and a
// name that resolves to one is refused at dial time, with one message
// whatever the port, so nobody can tell open ports from closed ones; the
// open port never sees a connection.
func TestPrivateRelayRefused(t *testing.T) {
	ctx := context.Background()
	open, conns := countingListener(t)
	closed := smtptest.FreePort(t)
	e := &email{}
	for _, host := range []string{"127.0.0.1", "10.0.0.5", "::1", "169.254.169.254", "localhost", "LocalHost."} {
		cfg := sdk.Config{"host": host, "port": open, "tls": "none", "from": "a@example.com", "to": "b@example.com"}
		if ce := sdk.AsConfigError(e.Validate(ctx, cfg)); ce == nil || ce.Field != "host" {
			t.Errorf("Validate(host %s) = %v, want a ConfigError for host", host, ce)
		}
		// Even allow_private_networks (meant for HTTP plugins) does not
		// open SMTP to private addresses: only the explicit list does.
		cfg[sdk.AllowPrivateNetworksKey] = true
		if ce := sdk.AsConfigError(e.Validate(ctx, cfg)); ce == nil || ce.Field != "host" {
			t.Errorf("Validate(host %s, allow_private_networks) = %v, want a ConfigError for host", host, ce)
		}
	}

	// "localhost" resolves to loopback: the dial-time check refuses it
	// whatever the port, with the same message.
	var msgs []string
	for _, port := range []int{open, closed} {
		cfg := &config{host: "localhost", port: port, mode: modeNone, helo: "localhost", timeout: 5e9}
		cfg.from, _ = mail.ParseAddress("a@example.com")
		to, _ := mail.ParseAddress("b@example.com")
		cfg.to = append(cfg.to, to)
		err := classify(send(ctx, cfg, []byte("x")))
		if err == nil || !sdk.IsPermanent(err) {
			t.Fatalf("send to localhost:%d = %v, want a permanent refusal", port, err)
		}
		msgs = append(msgs, strings.ReplaceAll(err.Error(), strconv.Itoa(port), "PORT"))
	}
	if msgs[0] != msgs[1] {
		t.Errorf("open and closed ports answer differently:\n%s\n%s", msgs[0], msgs[1])
	}
	if strings.Contains(msgs[0], "PORT") {
		t.Errorf("the refusal names the port: %s", msgs[0])
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("the guarded plugin connected %d times to the private port", n)
	}
}

// TestAllowListedRelay checks that the operator's allow-list opens exactly
// the listed relay: the listed port delivers, another port of the same
// host is still refused.
func TestAllowListedRelay(t *testing.T) {
	ctx := context.Background()
	srv := smtptest.Start(t, smtptest.Options{TLS: "none"})
	allowed := sdk.Config{"host": "127.0.0.1", "port": srv.Port, "tls": "none", "from": "a@example.com", "to": "b@example.com",
		sdk.AllowPrivateHostsKey: []any{"127.0.0.1:" + strconv.Itoa(srv.Port)}}
	e := &email{}
	if err := e.Configure(ctx, allowed); err != nil {
		t.Fatalf("Configure(allow-listed relay) = %v", err)
	}
	if err := e.Notify(ctx, sdktest.SampleNotification(0)); err != nil {
		t.Fatalf("Notify through the allow-listed relay = %v", err)
	}
	srv.Wait(t, 1)

	other := sdk.Config{"host": "127.0.0.1", "port": srv.Port + 1, "tls": "none", "from": "a@example.com", "to": "b@example.com",
		sdk.AllowPrivateHostsKey: []any{"127.0.0.1:" + strconv.Itoa(srv.Port)}}
	if ce := sdk.AsConfigError(e.Validate(ctx, other)); ce == nil || ce.Field != "host" {
		t.Errorf("Validate(another port) = %v, want a ConfigError for host", ce)
	}
	bad := sdk.Config{"host": "smtp.example.com", "from": "a@example.com", "to": "b@example.com", sdk.AllowPrivateHostsKey: []any{"relay.internal"}}
	if ce := sdk.AsConfigError(e.Validate(ctx, bad)); ce == nil || ce.Field != sdk.AllowPrivateHostsKey {
		t.Errorf("Validate(a malformed allow-list) = %v, want a ConfigError for %s", ce, sdk.AllowPrivateHostsKey)
	}
}
