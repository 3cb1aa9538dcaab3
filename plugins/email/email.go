package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/periscope-hq/periscope/sdk"
	"github.com/periscope-hq/periscope/sdk/httpclient"
)

const version = "1.0.0"

// email sends one message per notification. Safe for concurrent Notify
// calls after Configure; each call has its own SMTP connection.
type email struct {
	cfg atomic.Pointer[config]
}

func (e *email) Info(context.Context) (sdk.Info, error) {
	return sdk.Info{Name: "email", Version: version, Description: "SMTP (STARTTLS or implicit TLS), plain text and HTML"}, nil
}

func (e *email) Validate(_ context.Context, c sdk.Config) error {
	_, err := parseConfig(c)
	return err
}

func (e *email) Configure(_ context.Context, c sdk.Config) error {
	cfg, err := parseConfig(c)
	if err != nil {
		return err
	}
	e.cfg.Store(cfg)
	return nil
}

func (e *email) Notify(ctx context.Context, n sdk.Notification) error {
	cfg := e.cfg.Load()
	if cfg == nil {
		return sdk.Permanent(errors.New("email: Notify before Configure"))
	}
	msg, err := buildMessage(cfg, n, time.Now())
	if err != nil {
		return sdk.Permanent(err)
	}
	return classify(send(ctx, cfg, msg))
}

// send runs one SMTP conversation, bounded by cfg.timeout and ctx.
func send(ctx context.Context, cfg *config, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	addr := net.JoinHostPort(cfg.host, strconv.Itoa(cfg.port))
	// The guard judges every address dialed (after DNS); the SMTP plugin
	// ignores allow_private_networks, which is for HTTP plugins: only the
	// operator's explicit list opens a private relay.
	dialer := &net.Dialer{Control: httpclient.ControlAllowing(false, cfg.allow)}
	var conn net.Conn
	var err error
	if cfg.mode == modeTLS {
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: cfg.tlsConfig()}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", addr)
	}
	var fe *httpclient.ForbiddenAddressError
	if errors.As(err, &fe) {
		// One message per address, never the port or the dial error, so a
		// refusal tells nothing about which ports are open.
		return sdk.Permanent(fmt.Errorf("email: refusing to connect to %s: loopback, private and link-local addresses are refused unless the operator lists them in notify.allow_private_hosts", fe.Addr))
	} else if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()

	c, err := smtp.NewClient(conn, cfg.host)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello(cfg.helo); err != nil {
		return err
	}
	if cfg.mode == modeStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return sdk.Permanent(fmt.Errorf("server %s does not offer STARTTLS (set tls to \"tls\" for implicit TLS)", addr))
		}
		if err := c.StartTLS(cfg.tlsConfig()); err != nil {
			return err
		}
	}
	if cfg.username != "" {
		if err := c.Auth(chooseAuth(c, cfg)); err != nil {
			return err
		}
	}
	if err := c.Mail(cfg.from.Address); err != nil {
		return err
	}
	for _, to := range cfg.to {
		if err := c.Rcpt(to.Address); err != nil {
			return fmt.Errorf("recipient %s: %w", to.Address, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// classify marks SMTP 5xx replies permanent; 4xx replies and network
// errors stay retryable.
func classify(err error) error {
	var te *textproto.Error
	if err != nil && errors.As(err, &te) && te.Code >= 500 {
		return sdk.Permanent(err)
	}
	return err
}

// chooseAuth picks PLAIN when the server offers it, LOGIN otherwise.
func chooseAuth(c *smtp.Client, cfg *config) smtp.Auth {
	_, mechs := c.Extension("AUTH")
	for _, m := range strings.Fields(strings.ToUpper(mechs)) {
		if m == "PLAIN" {
			return smtp.PlainAuth("", cfg.username, cfg.password, cfg.host)
		}
	}
	for _, m := range strings.Fields(strings.ToUpper(mechs)) {
		if m == "LOGIN" {
			return &loginAuth{user: cfg.username, pass: cfg.password}
		}
	}
	return smtp.PlainAuth("", cfg.username, cfg.password, cfg.host)
}

// loginAuth is the LOGIN mechanism (RFC-less but ubiquitous), used only
// over TLS.
type loginAuth struct{ user, pass string }

func (a *loginAuth) Start(s *smtp.ServerInfo) (string, []byte, error) {
	if !s.TLS {
		return "", nil, errors.New("LOGIN authentication needs TLS")
	}
	return "LOGIN", nil, nil
}

func (a *loginAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	switch strings.ToLower(strings.TrimSpace(string(fromServer))) {
	case "username:", "user name", "username":
		return []byte(a.user), nil
	case "password:", "password":
		return []byte(a.pass), nil
	}
	return nil, fmt.Errorf("unexpected LOGIN challenge %q", fromServer)
}
