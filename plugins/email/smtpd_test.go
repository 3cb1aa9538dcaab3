package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
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

// smtpServer is a running aiosmtpd (testdata/smtpd.py).
type smtpServer struct {
	port   int
	dir    string
	caFile string // the server certificate, for ca_file; "" without TLS
}

// envelope is the sidecar smtpd.py writes next to each message.
type envelope struct {
	MailFrom      string   `json:"mail_from"`
	RcptTos       []string `json:"rcpt_tos"`
	TLS           bool     `json:"tls"`
	Authenticated bool     `json:"authenticated"`
}

// findPython returns a Python interpreter that has aiosmtpd, or fails the
// test saying how to install it.
func findPython(tb testing.TB) string {
	tb.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if err := exec.Command(py, "-c", "import aiosmtpd").Run(); err == nil {
			return py
		}
	}
	tb.Fatal("aiosmtpd is not installed; the e-mail tests need a real SMTP server: apt-get install -y python3-aiosmtpd")
	return ""
}

// mustStartSMTP starts smtpd.py with mode "none", "starttls" or "tls" and,
// when auth is "user:pass", required authentication.
func mustStartSMTP(tb testing.TB, mode, auth string) *smtpServer {
	tb.Helper()
	py := findPython(tb)
	s := &smtpServer{dir: tb.TempDir(), port: freePort(tb)}
	args := []string{"testdata/smtpd.py", "--dir", s.dir, "--port", strconv.Itoa(s.port), "--tls", mode}
	if mode != "none" {
		cert, key := mustWriteCert(tb)
		s.caFile = cert
		args = append(args, "--cert", cert, "--key", key)
	}
	if auth != "" {
		args = append(args, "--auth", auth)
	}
	cmd := exec.Command(py, args...)
	stdin, err := cmd.StdinPipe()
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

func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// mustWriteCert writes a self-signed certificate for 127.0.0.1 and
// localhost and returns the certificate and key file names.
func mustWriteCert(tb testing.TB) (string, string) {
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
	dir := tb.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		tb.Fatal(err)
	}
	return certFile, keyFile
}

// waitMessages waits until the server has stored n messages and returns
// their raw bytes and envelopes, in arrival order.
func (s *smtpServer) waitMessages(tb testing.TB, n int) ([][]byte, []envelope) {
	tb.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		names, _ := filepath.Glob(filepath.Join(s.dir, "*.eml"))
		if len(names) >= n {
			sort.Strings(names)
			var raws [][]byte
			var envs []envelope
			for _, name := range names {
				raw, err := os.ReadFile(name)
				if err != nil {
					tb.Fatal(err)
				}
				meta, err := os.ReadFile(strings.TrimSuffix(name, ".eml") + ".json")
				if err != nil {
					tb.Fatal(err)
				}
				var env envelope
				if err := json.Unmarshal(meta, &env); err != nil {
					tb.Fatal(err)
				}
				raws, envs = append(raws, raw), append(envs, env)
			}
			return raws, envs
		}
		if time.Now().After(deadline) {
			tb.Fatalf("SMTP server has %d messages, want %d", len(names), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
