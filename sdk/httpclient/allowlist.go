package httpclient

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
)

// AllowList is the operator's list of internal addresses a plugin may
// reach although Forbidden refuses them (notify.allow_private_hosts). The
// zero value allows nothing.
type AllowList struct {
	entries []allowEntry
}

type allowEntry struct {
	prefix netip.Prefix
	port   uint16 // 0: any port
}

// ParseAllowList parses entries of the form "IP", "IP:port" ("[IPv6]:port")
// or a CIDR prefix ("10.1.0.0/16"). Host names are refused: the guard
// judges the address actually dialed, so the list names addresses.
func ParseAllowList(entries []string) (AllowList, error) {
	var a AllowList
	for _, raw := range entries {
		s := strings.TrimSpace(raw)
		e, err := parseAllowEntry(s)
		if err != nil {
			return AllowList{}, fmt.Errorf("%q: %v", raw, err)
		}
		a.entries = append(a.entries, e)
	}
	return a, nil
}

func parseAllowEntry(s string) (allowEntry, error) {
	const want = `want an IP address, "IP:port" or a CIDR prefix (host names are not allowed)`
	if p, err := netip.ParsePrefix(s); err == nil {
		return allowEntry{prefix: p.Masked()}, nil
	} else if strings.Contains(s, "/") {
		return allowEntry{}, fmt.Errorf("bad prefix: %s", want)
	}
	if ip, err := netip.ParseAddr(s); err == nil {
		ip = ip.Unmap()
		return allowEntry{prefix: netip.PrefixFrom(ip, ip.BitLen())}, nil
	}
	host, port, ok := cutPort(s)
	if !ok {
		return allowEntry{}, fmt.Errorf("%s", want)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return allowEntry{}, fmt.Errorf("%s", want)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return allowEntry{}, fmt.Errorf("port must be between 1 and 65535")
	}
	ip = ip.Unmap()
	return allowEntry{prefix: netip.PrefixFrom(ip, ip.BitLen()), port: uint16(n)}, nil
}

// cutPort splits "host:port" and "[host]:port".
func cutPort(s string) (host, port string, ok bool) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return "", "", false
	}
	host, port = s[:i], s[i+1:]
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	} else if strings.Contains(host, ":") {
		return "", "", false // a bare IPv6 address needs brackets with a port
	}
	return host, port, true
}

// Allows reports whether ap is on the list (an IPv4-mapped address is
// judged by the IPv4 address it carries).
func (a AllowList) Allows(ap netip.AddrPort) bool {
	ip := ap.Addr().Unmap()
	for _, e := range a.entries {
		if e.prefix.Contains(ip) && (e.port == 0 || e.port == ap.Port()) {
			return true
		}
	}
	return false
}

// ControlAllowing is Control with an allow-list: a forbidden address is
// still dialed when allow lists it (with its port).
func ControlAllowing(allowPrivate bool, allow AllowList) func(network, address string, c syscall.RawConn) error {
	deny := Control(allowPrivate)
	return func(network, address string, c syscall.RawConn) error {
		if ap, err := netip.ParseAddrPort(address); err == nil && allow.Allows(ap) {
			return nil
		}
		return deny(network, address, c)
	}
}
