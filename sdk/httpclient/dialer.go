package httpclient

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ForbiddenAddressError is returned when a connection to an internal
// address is refused.
type ForbiddenAddressError struct {
	Addr netip.Addr
}

// Error implements error.
func (e *ForbiddenAddressError) Error() string {
	return fmt.Sprintf("refusing to connect to %s: loopback, private and link-local addresses are not allowed (set notify.allow_private_networks to allow them)", e.Addr)
}

// special lists ranges refused on top of what netip.Addr's predicates
// cover: "this network", carrier-grade NAT, IETF protocol assignments,
// benchmarking, reserved, IPv6 site-local, and translation prefixes whose
// embedded IPv4 address is checked separately.
var special = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("fec0::/10"),
}

// Forbidden reports whether ip is an address a plugin must not connect to
// without allow_private_networks: loopback, private (RFC 1918, fc00::/7),
// link-local, unspecified, multicast, broadcast, and the special ranges
// above. IPv4-mapped, NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses
// are judged by the IPv4 address they carry.
func Forbidden(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() {
		return true
	}
	if ip.Is6() {
		b := ip.As16()
		if netip.MustParsePrefix("64:ff9b::/96").Contains(ip) {
			return Forbidden(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		}
		if netip.MustParsePrefix("2002::/16").Contains(ip) {
			return Forbidden(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		}
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() ||
		ip.IsMulticast() || ip.IsUnspecified() || ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return true
	}
	for _, p := range special {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// Control returns a net.Dialer Control function that refuses forbidden
// addresses unless allowPrivate. It sees the resolved address of every
// connection attempt.
func Control(allowPrivate bool) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		if allowPrivate {
			return nil
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("refusing to connect to unparseable address %q", address)
		}
		if Forbidden(ap.Addr()) {
			return &ForbiddenAddressError{Addr: ap.Addr().Unmap()}
		}
		return nil
	}
}

// Options configure New.
type Options struct {
	// Timeout bounds a whole request; 0 means 30 seconds.
	Timeout time.Duration
	// AllowPrivateNetworks lets the client connect to internal addresses;
	// pass sdk.Config.AllowPrivateNetworks().
	AllowPrivateNetworks bool
}

// New returns a client that applies the outbound safety rules: internal
// addresses refused at dial time, no redirects followed, no proxy.
func New(o Options) *http.Client {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	dialer := &net.Dialer{
		Timeout:   10 * time.Second,
		KeepAlive: 30 * time.Second,
		Control:   Control(o.AllowPrivateNetworks),
	}
	return &http.Client{
		Timeout: o.Timeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          16,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
