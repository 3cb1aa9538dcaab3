//go:build sentrygen

package sentry

// Regenerates testdata/sdk/go/*.http by running the real sentry-go SDK
// against an httptest server and saving every request it sends:
//
//	go test -tags sentrygen -run TestGenerateSDKFixtures ./core/sentry/
//
// Each file holds the request line, the headers that matter, a blank line
// and the body exactly as sent.

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	sentrygo "github.com/getsentry/sentry-go"
)

type orderError struct{ ID string }

func (e *orderError) Error() string { return "order " + e.ID + " not found" }

func lookupOrder(id string) error { return &orderError{ID: id} }

func loadUser(id int) error {
	return fmt.Errorf("load user %d: %w", id, errors.New("connection refused"))
}

func TestGenerateSDKFixtures(t *testing.T) {
	dir := filepath.Join("testdata", "sdk", "go")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var name string
	seq := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seq[name]++
		file := filepath.Join(dir, fmt.Sprintf("%s-%d.http", name, seq[name]))
		mu.Unlock()
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s\n", r.Method, r.URL.RequestURI())
		for _, h := range []string{"X-Sentry-Auth", "Content-Type", "Content-Encoding", "User-Agent"} {
			if v := r.Header.Get(h); v != "" {
				fmt.Fprintf(&b, "%s: %s\n", h, v)
			}
		}
		b.WriteString("\n")
		b.Write(body)
		if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	dsn := strings.Replace(srv.URL, "http://", "http://0123456789abcdef0123456789abcdef@", 1) + "/42"

	run := func(caseName string, opts sentrygo.ClientOptions, fn func(h *sentrygo.Hub)) {
		t.Helper()
		mu.Lock()
		name = caseName
		mu.Unlock()
		opts.Dsn = dsn
		opts.Release = "periscope-fixtures@1.0.0"
		opts.Environment = "fixtures"
		opts.ServerName = "fixture-host"
		opts.DisableClientReports = true
		client, err := sentrygo.NewClient(opts)
		if err != nil {
			t.Fatal(err)
		}
		scope := sentrygo.NewScope()
		scope.SetTag("fixture.case", caseName)
		scope.SetUser(sentrygo.User{ID: "u-1", Email: "jane@example.com", IPAddress: "{{auto}}"})
		hub := sentrygo.NewHub(client, scope)
		fn(hub)
		if !hub.Flush(5 * time.Second) {
			t.Errorf("%s: flush timed out", caseName)
		}
	}

	run("error-chain", sentrygo.ClientOptions{}, func(h *sentrygo.Hub) {
		h.CaptureException(fmt.Errorf("handle GET /users/42: %w", loadUser(42)))
	})
	run("error-custom-type", sentrygo.ClientOptions{}, func(h *sentrygo.Hub) {
		h.WithScope(func(s *sentrygo.Scope) {
			s.SetLevel(sentrygo.LevelWarning)
			s.SetFingerprint([]string{"{{ default }}", "tenant-7"})
			s.SetTags(map[string]string{"region": "eu-west-1", "environment": "ignored-tag"})
			h.CaptureException(lookupOrder("ord_1"))
		})
	})
	run("errors-join", sentrygo.ClientOptions{}, func(h *sentrygo.Hub) {
		h.CaptureException(errors.Join(errors.New("disk full"), lookupOrder("ord_2")))
	})
	run("message", sentrygo.ClientOptions{}, func(h *sentrygo.Hub) {
		h.CaptureMessage("cache warmed in 42ms")
	})
	run("message-stacktrace", sentrygo.ClientOptions{AttachStacktrace: true}, func(h *sentrygo.Hub) {
		h.CaptureMessage("user 1234 exceeded quota")
	})
	run("panic", sentrygo.ClientOptions{}, func(h *sentrygo.Hub) {
		func() {
			defer func() {
				if r := recover(); r != nil {
					h.Recover(r)
				}
			}()
			var m map[string]int
			m["boom"]++
		}()
	})
	run("capture-event", sentrygo.ClientOptions{}, func(h *sentrygo.Hub) {
		ev := sentrygo.NewEvent()
		ev.Level = sentrygo.LevelFatal
		ev.Message = "manual event"
		ev.Logger = "fixtures.manual"
		ev.Transaction = "GET /checkout"
		ev.Contexts = map[string]sentrygo.Context{"attempt": {"n": 3}}
		h.CaptureEvent(ev)
	})
	run("attachment", sentrygo.ClientOptions{}, func(h *sentrygo.Hub) {
		h.WithScope(func(s *sentrygo.Scope) {
			s.AddAttachment(&sentrygo.Attachment{Filename: "log.txt", ContentType: "text/plain", Payload: []byte("line 1\nline 2\n")})
			s.AddAttachment(&sentrygo.Attachment{Filename: "empty.bin", Payload: []byte{}})
			h.CaptureException(errors.New("with attachments"))
		})
	})
	run("transaction", sentrygo.ClientOptions{EnableTracing: true, TracesSampleRate: 1}, func(h *sentrygo.Hub) {
		ctx := sentrygo.SetHubOnContext(t.Context(), h)
		span := sentrygo.StartTransaction(ctx, "GET /orders")
		child := span.StartChild("db.query")
		child.Finish()
		span.Finish()
	})
}

// TestGenerateFuzzSeeds writes the seed corpora under testdata/fuzz/ from
// the committed fixtures:
//
//	go test -tags sentrygen -run TestGenerateFuzzSeeds ./core/sentry/
func TestGenerateFuzzSeeds(t *testing.T) {
	write := func(target, name string, values ...any) {
		t.Helper()
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		b.WriteString("go test fuzz v1\n")
		for _, v := range values {
			switch v := v.(type) {
			case []byte:
				fmt.Fprintf(&b, "[]byte(%q)\n", v)
			case string:
				fmt.Fprintf(&b, "string(%q)\n", v)
			case uint8:
				fmt.Fprintf(&b, "byte(%q)\n", v)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sdk, _ := filepath.Glob(filepath.Join("testdata", "sdk", "go", "*.http"))
	for _, p := range sdk {
		req := readSDKRequest(t, p)
		base := strings.TrimSuffix(filepath.Base(p), ".http")
		write("FuzzParseEnvelope", "sdk-"+base, req.Body)
		write("FuzzParseAuth", "sdk-"+base, req.Header["X-Sentry-Auth"], "", "")
		env, err := ParseEnvelope(req.Body)
		if err != nil {
			t.Fatal(err)
		}
		for i, it := range env.Items {
			if it.Type == "event" || it.Type == "transaction" {
				write("FuzzNormalize", fmt.Sprintf("sdk-%s-%d", base, i), it.Payload)
			}
		}
		for i, c := range []string{"gzip", "zlib", "br", "zstd"} {
			write("FuzzDecompress", "sdk-"+base+"-"+c, compress(t, c, req.Body), uint8([]int{0, 1, 2, 3}[i]))
		}
	}
	golden, _ := filepath.Glob(filepath.Join("testdata", "normalize", "*.txt"))
	for _, p := range golden {
		_, input, _ := parseGolden(t, p)
		write("FuzzNormalize", "golden-"+strings.TrimSuffix(filepath.Base(p), ".txt"), input)
	}
	envs := map[string]string{
		"implicit":  "{}\n{\"type\":\"event\"}\n{\"message\":\"a\"}",
		"empty":     "{}\n{\"type\":\"attachment\",\"length\":0}\n\n{\"type\":\"session\"}\n\n",
		"crlf":      "{}\r\n{\"type\":\"event\"}\r\n{}\r\n",
		"truncated": "{}\n{\"type\":\"attachment\",\"length\":10}\nabc",
		"unknown":   "{\"dsn\":\"https://k@h/1\"}\n{\"type\":\"x\",\"length\":1}\nz\n",
	}
	for name, body := range envs {
		write("FuzzParseEnvelope", name, []byte(body))
	}
	auths := [][3]string{
		{"Sentry sentry_key=a,sentry_version=7", "", ""},
		{"", "Basic " + "YWJjOmRlZg==", ""},
		{"", "Sentry sentry_key=k, sentry_version=8", ""},
		{"", "", "sentry_version=7&sentry_key=k&sentry_client=sentry.javascript.browser%2F8.1.0"},
		{"Sentry sentry_key=a", "Sentry sentry_key=b", "sentry_key=c"},
	}
	for i, a := range auths {
		write("FuzzParseAuth", fmt.Sprintf("form-%d", i), a[0], a[1], a[2])
	}
	write("FuzzDecompress", "store-base64", []byte("eyJtZXNzYWdlIjoibSJ9"), uint8(7))
	write("FuzzDecompress", "bomb-gzip", gzipBomb(t, 2), uint8(0))
}
