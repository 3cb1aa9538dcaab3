package main

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/mail"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/periscope-hq/periscope/sdk"
	"github.com/periscope-hq/periscope/sdk/httpclient"
)

// TLS modes.
const (
	modeStartTLS = "starttls"
	modeTLS      = "tls"
	modeNone     = "none"
)

// config is a parsed, valid e-mail configuration.
type config struct {
	host, helo         string
	port               int
	mode               string
	username, password string
	from               *mail.Address
	to                 []*mail.Address
	subjectPrefix      string
	timeout            time.Duration
	rootCAs            *x509.CertPool // nil: the system's
	// allow lists the internal addresses the operator lets plugins reach
	// (notify.allow_private_hosts); every other loopback, private or
	// link-local address is refused, checked on the address dialed.
	allow httpclient.AllowList
}

func parseConfig(c sdk.Config) (*config, error) {
	err := c.CheckKeys("host", "port", "tls", "username", "password", "from", "to", "subject_prefix", "timeout", "ca_file", "helo")
	if err != nil {
		return nil, err
	}
	cfg := &config{}
	if cfg.allow, err = httpclient.ParseAllowList(c.AllowPrivateHosts()); err != nil {
		return nil, sdk.FieldError(sdk.AllowPrivateHostsKey, "(notify.allow_private_hosts) %v", err)
	}
	if cfg.host, err = c.String("host", true); err != nil {
		return nil, err
	} else if net.ParseIP(cfg.host) == nil && strings.ContainsAny(cfg.host, " /:@\r\n") {
		return nil, sdk.FieldError("host", "must be a host name or IP address, without port")
	}
	if cfg.mode, err = c.String("tls", false); err != nil {
		return nil, err
	}
	switch cfg.mode {
	case "":
		cfg.mode = modeStartTLS
	case modeStartTLS, modeTLS, modeNone:
	default:
		return nil, sdk.FieldError("tls", `must be "starttls", "tls" or "none"`)
	}
	defPort := map[string]int{modeStartTLS: 587, modeTLS: 465, modeNone: 25}[cfg.mode]
	if cfg.port, err = c.Int("port", defPort); err != nil {
		return nil, err
	} else if cfg.port < 1 || cfg.port > 65535 {
		return nil, sdk.FieldError("port", "must be between 1 and 65535")
	}
	if !cfg.hostAllowed() {
		return nil, sdk.FieldError("host", "is a loopback, private or link-local address; to use a local relay, the operator lists it in notify.allow_private_hosts (as IP or IP:port)")
	}
	if cfg.username, err = c.String("username", false); err != nil {
		return nil, err
	}
	if cfg.password, err = c.String("password", false); err != nil {
		return nil, err
	}
	if cfg.password != "" && cfg.username == "" {
		return nil, sdk.FieldError("username", "is required with password")
	} else if cfg.username != "" && cfg.mode == modeNone {
		return nil, sdk.FieldError("tls", `must be "starttls" or "tls" to authenticate; credentials are never sent in clear`)
	}
	from, err := c.String("from", true)
	if err != nil {
		return nil, err
	}
	if cfg.from, err = mail.ParseAddress(from); err != nil {
		return nil, sdk.FieldError("from", "is not an e-mail address: %v", err)
	}
	to, err := c.StringList("to")
	if err != nil {
		return nil, err
	} else if len(to) == 0 {
		return nil, sdk.FieldError("to", "is required")
	}
	for i, s := range to {
		a, err := mail.ParseAddress(s)
		if err != nil {
			return nil, sdk.FieldError("to["+strconv.Itoa(i)+"]", "is not an e-mail address: %v", err)
		}
		cfg.to = append(cfg.to, a)
	}
	cfg.subjectPrefix = "[Periscope] "
	if _, ok := c["subject_prefix"]; ok {
		if cfg.subjectPrefix, err = c.String("subject_prefix", false); err != nil {
			return nil, err
		} else if strings.ContainsAny(cfg.subjectPrefix, "\r\n") {
			return nil, sdk.FieldError("subject_prefix", "must not contain line breaks")
		}
	}
	if cfg.timeout, err = c.Duration("timeout", 30*time.Second); err != nil {
		return nil, err
	} else if cfg.timeout <= 0 || cfg.timeout > 5*time.Minute {
		return nil, sdk.FieldError("timeout", "must be between 1ms and 5m")
	}
	if cfg.helo, err = c.String("helo", false); err != nil {
		return nil, err
	} else if cfg.helo == "" {
		cfg.helo = "localhost"
	} else if strings.ContainsAny(cfg.helo, " \r\n") {
		return nil, sdk.FieldError("helo", "must be a host name")
	}
	caFile, err := c.String("ca_file", false)
	if err != nil {
		return nil, err
	} else if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, sdk.FieldError("ca_file", "cannot be read: %v", err)
		}
		cfg.rootCAs = x509.NewCertPool()
		if !cfg.rootCAs.AppendCertsFromPEM(pem) {
			return nil, sdk.FieldError("ca_file", "holds no PEM certificate")
		}
	}
	return cfg, nil
}

// hostAllowed is the validation-time half of the outbound guard: a literal
// internal IP, or localhost, must be on the allow-list with this port.
// Names are checked again on the address actually dialed (send).
func (c *config) hostAllowed() bool {
	name := strings.TrimSuffix(strings.ToLower(c.host), ".")
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(name); err == nil {
		ips = append(ips, ip)
	} else if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		ips = append(ips, netip.MustParseAddr("127.0.0.1"))
	}
	for _, ip := range ips {
		if httpclient.Forbidden(ip) && !c.allow.Allows(netip.AddrPortFrom(ip, uint16(c.port))) {
			return false
		}
	}
	return true
}

// tlsConfig is the client TLS configuration for the server.
func (c *config) tlsConfig() *tls.Config {
	return &tls.Config{ServerName: c.host, RootCAs: c.rootCAs, MinVersion: tls.VersionTLS12}
}
