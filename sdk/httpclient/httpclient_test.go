package httpclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/sdk/notifier"
)

func TestForbidden(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1":                true,
		"127.8.9.10":               true,
		"10.1.2.3":                 true,
		"172.16.0.1":               true,
		"172.31.255.255":           true,
		"192.168.1.1":              true,
		"169.254.169.254":          true,
		"0.0.0.0":                  true,
		"0.1.2.3":                  true,
		"100.64.0.1":               true,
		"224.0.0.1":                true,
		"255.255.255.255":          true,
		"::1":                      true,
		"::":                       true,
		"fe80::1":                  true,
		"fc00::1":                  true,
		"fd12:3456::1":             true,
		"::ffff:127.0.0.1":         true,
		"::ffff:10.0.0.1":          true,
		"64:ff9b::a00:1":           true, // NAT64 of 10.0.0.1
		"2002:c0a8:101::1":         true, // 6to4 of 192.168.1.1
		"93.184.215.14":            false,
		"1.1.1.1":                  false,
		"172.32.0.1":               false,
		"2606:4700:4700::1111":     false,
		"::ffff:93.184.215.14":     false,
		"64:ff9b::5db8:d70e":       false, // NAT64 of a public address
		"2a00:1450:4001:82a::200e": false,
	} {
		if got := Forbidden(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Forbidden(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestControl(t *testing.T) {
	deny := Control(false)
	for _, addr := range []string{"127.0.0.1:80", "[::1]:443", "[::ffff:169.254.169.254]:80", "10.0.0.5:25"} {
		var fe *ForbiddenAddressError
		if err := deny("tcp", addr, nil); !errors.As(err, &fe) {
			t.Errorf("Control(false)(%s) = %v, want ForbiddenAddressError", addr, err)
		}
	}
	if err := deny("tcp", "93.184.215.14:443", nil); err != nil {
		t.Errorf("public address refused: %v", err)
	}
	if err := Control(true)("tcp", "127.0.0.1:80", nil); err != nil {
		t.Errorf("Control(true) refused loopback: %v", err)
	}
}

// TestRefusesResolvedLoopback dials a name, not an IP: the check must see
// the address the name resolved to, as it would after DNS rebinding.
func TestRefusesResolvedLoopback(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer srv.Close()
	u := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/token/abc"

	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, u, nil)
	err := Send(New(Options{}), req)
	var fe *ForbiddenAddressError
	if !errors.As(err, &fe) || !notifier.IsPermanent(err) {
		t.Fatalf("Send to localhost = %v, want a permanent ForbiddenAddressError", err)
	}
	if hits != 0 {
		t.Errorf("receiver was reached %d times", hits)
	}

	req, _ = http.NewRequestWithContext(context.Background(), http.MethodPost, u, nil)
	if err := Send(New(Options{AllowPrivateNetworks: true}), req); err != nil {
		t.Fatalf("with private networks allowed: %v", err)
	}
	if hits != 1 {
		t.Errorf("receiver hits = %d, want 1", hits)
	}
}

func TestNoRedirects(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("redirect was followed")
	}))
	defer target.Close()
	srv := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusTemporaryRedirect))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL, nil)
	err := Send(New(Options{AllowPrivateNetworks: true}), req)
	if !notifier.IsPermanent(err) || !strings.Contains(err.Error(), "307") {
		t.Errorf("Send = %v, want a permanent error naming 307", err)
	}
}

func TestClassify(t *testing.T) {
	now := time.Now()
	h := http.Header{}
	h.Set("Retry-After", now.Add(90*time.Second).UTC().Format(http.TimeFormat))
	err := Classify(503, h, []byte("  down\nfor\tmaintenance "))
	if d, ok := notifier.RetryAfterOf(err); !ok || d < 80*time.Second || d > 91*time.Second {
		t.Errorf("Retry-After date: delay %v %v, want about 90s", d, ok)
	}
	if !strings.HasSuffix(err.Error(), "HTTP 503: down for maintenance") {
		t.Errorf("message = %q", err)
	}
	if err := Classify(299, nil, nil); err != nil {
		t.Errorf("299 = %v", err)
	}
	if err := Classify(418, http.Header{}, nil); !notifier.IsPermanent(err) {
		t.Errorf("418 = %v, want permanent", err)
	}
}

func TestValidateURL(t *testing.T) {
	for raw, bad := range map[string]bool{
		"https://hooks.example.com/x": false,
		"http://example.com":          false,
		"example.com/hook":            true,
		"https://":                    true,
		"javascript:alert(1)":         true,
		"http://10.0.0.1/":            true,
		"http://app.localhost/":       true,
		"http://[fe80::1%25eth0]/":    true,
	} {
		_, err := ValidateURL("url", raw, false)
		if (err != nil) != bad {
			t.Errorf("ValidateURL(%q) = %v, want error %v", raw, err, bad)
		}
		if ce := notifier.AsConfigError(err); err != nil && (ce == nil || ce.Field != "url") {
			t.Errorf("ValidateURL(%q) error %v does not name the field", raw, err)
		}
	}
}

func TestRedact(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL + "/services/T000/B000/XXXXSECRET?token=abc"
	srv.Close()
	req, _ := http.NewRequest(http.MethodPost, u, nil)
	err := Send(New(Options{AllowPrivateNetworks: true}), req)
	if err == nil || strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "token") {
		t.Errorf("error %q leaks the URL", err)
	}
}
