package main

import (
	"net"
	"net/http"
	"net/url"
	"testing"
)

// TestMainPortZero: Main started on port 0 listens on a port the system
// picks, and the DSNs it answers carry that port, since they are built
// from the listen address when no public URL is configured. Stop stops it.
func TestMainPortZero(t *testing.T) {
	s := MustRunMain(t)
	_, port, _ := net.SplitHostPort(s.HTTP.Addr())
	if port == "0" || s.Config.Server.Port == 0 {
		t.Fatalf("listening on %s, configured port %d", s.HTTP.Addr(), s.Config.Server.Port)
	}
	_, dsn := s.project("zero")
	u, err := url.Parse(dsn)
	if err != nil || u.Port() != port {
		t.Fatalf("DSN %s (%v), want it on the listening port %s", dsn, err, port)
	}
	s.Stop()
	if resp, err := http.Get(s.URL + "/healthz"); err == nil {
		resp.Body.Close()
		t.Fatalf("after Stop, %s answers %s", s.URL, resp.Status)
	}
}
