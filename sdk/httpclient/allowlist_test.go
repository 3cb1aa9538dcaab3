package httpclient

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/periscope-hq/periscope/sdk/notifier"
)

func TestParseAllowList(t *testing.T) {
	a, err := ParseAllowList([]string{"127.0.0.1:2525", "10.1.0.0/16", "::1", "[fd00::5]:25"})
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{
		"127.0.0.1:2525":          true,
		"127.0.0.1:2526":          false, // another port of an allowed host
		"127.0.0.2:2525":          false,
		"10.1.200.3:25":           true, // any port in the prefix
		"10.2.0.1:25":             false,
		"[::1]:587":               true,
		"[fd00::5]:25":            true,
		"[fd00::5]:26":            false,
		"[::ffff:127.0.0.1]:2525": true, // judged by the IPv4 address it carries
	} {
		if got := a.Allows(netip.MustParseAddrPort(addr)); got != want {
			t.Errorf("Allows(%s) = %v, want %v", addr, got, want)
		}
	}
	for _, bad := range []string{"localhost", "relay.internal:25", "127.0.0.1:0", "127.0.0.1:99999", "10.0.0.0/33", ""} {
		if _, err := ParseAllowList([]string{bad}); err == nil {
			t.Errorf("ParseAllowList(%q) accepted it", bad)
		}
	}
}

func TestControlAllowing(t *testing.T) {
	a, _ := ParseAllowList([]string{"127.0.0.1:2525"})
	ctl := ControlAllowing(false, a)
	if err := ctl("tcp", "127.0.0.1:2525", nil); err != nil {
		t.Errorf("allowed relay refused: %v", err)
	}
	for _, addr := range []string{"127.0.0.1:22", "127.0.0.1:2526", "10.0.0.1:2525"} {
		var fe *ForbiddenAddressError
		if err := ctl("tcp", addr, nil); !errors.As(err, &fe) {
			t.Errorf("ControlAllowing(%s) = %v, want ForbiddenAddressError", addr, err)
		}
	}
	if err := ControlAllowing(true, AllowList{})("tcp", "127.0.0.1:22", nil); err != nil {
		t.Errorf("allowPrivate refused: %v", err)
	}
}

func TestConfigAllowPrivateHosts(t *testing.T) {
	c := notifier.Config{notifier.AllowPrivateHostsKey: []any{"127.0.0.1:25"}, "url": "x"}
	if err := c.CheckKeys("url"); err != nil {
		t.Errorf("the reserved key is not accepted by CheckKeys: %v", err)
	}
	if got := c.AllowPrivateHosts(); len(got) != 1 || got[0] != "127.0.0.1:25" {
		t.Errorf("AllowPrivateHosts() = %v", got)
	}
}
