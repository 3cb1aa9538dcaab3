// Package smtptest runs a real SMTP server for tests: aiosmtpd (Debian's
// python3-aiosmtpd) driven by smtpd.py, which stores each accepted message
// as NNNN.eml with its envelope beside it as NNNN.json. The e-mail plugin's
// tests and the end-to-end tests in itest share it.
package smtptest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	_ "embed"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

//go:embed smtpd.py
var script []byte

// Server is a running SMTP server.
type Server struct {
	Port   int
	Dir    string // where the messages are stored
	CAFile string // the server certificate, for a client's ca_file; "" without TLS
}

// Envelope is what the server saw of a message besides its bytes.
type Envelope struct {
	MailFrom      string   `json:"mail_from"`
	RcptTos       []string `json:"rcpt_tos"`
	TLS           bool     `json:"tls"`
	Authenticated bool     `json:"authenticated"`
}

// Options configure Start.
type Options struct {
	TLS  string // "none" (the default), "starttls" or "tls"
	Auth string // "user:password" to require authentication; "" for none
}

// Start starts a server on a free loopback port and stops it at the end of
// the test. Without aiosmtpd it fails the test, saying how to install it.
func Start(tb testing.TB, o Options) *Server {
	tb.Helper()
	py := python(tb)
	if o.TLS == "" {
		o.TLS = "none"
	}
	dir := tb.TempDir()
	s := &Server{Dir: filepath.Join(dir, "mail"), Port: FreePort(tb)}
	if err := os.Mkdir(s.Dir, 0o700); err != nil {
		tb.Fatal(err)
	}
	prog := filepath.Join(dir, "smtpd.py")
	if err := os.WriteFile(prog, script, 0o600); err != nil {
		tb.Fatal(err)
	}
	args := []string{prog, "--dir", s.Dir, "--port", strconv.Itoa(s.Port), "--tls", o.TLS}
	if o.TLS != "none" {
		cert, key := writeCert(tb, dir)
		s.CAFile = cert
		args = append(args, "--cert", cert, "--key", key)
	}
	if o.Auth != "" {
		args = append(args, "--auth", o.Auth)
	}
	cmd := exec.Command(py, args...)
	stdin, err := cmd.StdinPipe() // smtpd.py stops when its stdin closes
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- line
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case line := <-ready:
		if strings.TrimSpace(line) != "READY" {
			tb.Fatalf("smtpd.py did not start: %q", line)
		}
	case <-time.After(30 * time.Second):
		tb.Fatal("smtpd.py did not start within 30s")
	}
	return s
}

// Messages returns the messages stored so far and their envelopes, in
// arrival order.
func (s *Server) Messages(tb testing.TB) ([][]byte, []Envelope) {
	tb.Helper()
	names, err := filepath.Glob(filepath.Join(s.Dir, "*.eml"))
	if err != nil {
		tb.Fatal(err)
	}
	sort.Strings(names)
	var raws [][]byte
	var envs []Envelope
	for _, name := range names {
		raw, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		meta, err := os.ReadFile(strings.TrimSuffix(name, ".eml") + ".json")
		if err != nil {
			tb.Fatal(err)
		}
		var env Envelope
		if err := json.Unmarshal(meta, &env); err != nil {
			tb.Fatal(err)
		}
		raws, envs = append(raws, raw), append(envs, env)
	}
	return raws, envs
}

// Wait waits until the server has stored n messages (15 s at most) and
// returns them as Messages does.
func (s *Server) Wait(tb testing.TB, n int) ([][]byte, []Envelope) {
	tb.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		names, _ := filepath.Glob(filepath.Join(s.Dir, "*.eml"))
		if len(names) >= n {
			return s.Messages(tb)
		}
		if time.Now().After(deadline) {
			tb.Fatalf("SMTP server has %d messages, want %d", len(names), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// python returns an interpreter that has aiosmtpd.
func python(tb testing.TB) string {
	tb.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(py, "-c", "import aiosmtpd").Run() == nil {
			return py
		}
	}
	tb.Fatal("aiosmtpd is not installed; the e-mail tests need a real SMTP server: apt-get install -y python3-aiosmtpd")
	return ""
}

// FreePort returns a loopback TCP port that nothing listens on at the
// moment (a connection to it is refused).
func FreePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// writeCert writes a self-signed certificate for 127.0.0.1 and localhost
// into dir and returns the certificate and key file names.
func writeCert(tb testing.TB, dir string) (string, string) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "periscope test smtp"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		tb.Fatal(err)
	}
	return certFile, keyFile
}
