package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/periscope-hq/periscope/core"
)

// errNoStock is the first cause of the chain the test captures.
var errNoStock = errors.New("no stock for sku 42")

//go:noinline
func reserve() error { return fmt.Errorf("reserve order 7: %w", errNoStock) }

//go:noinline
func checkout() error {
	if err := reserve(); err != nil {
		return fmt.Errorf("checkout failed: %w", err)
	}
	return nil
}

// TestEventShowReadsLikeAnIssuePage: an error captured by the official
// sentry-go SDK, with user, request and twelve breadcrumbs, stored by a
// real server; `event show` prints the exception chain with in-app frames
// and their source line, user, request URL, the last ten breadcrumbs,
// tags, release and environment, and the grouping components only with
// --grouping.
func TestEventShowReadsLikeAnIssuePage(t *testing.T) {
	s := MustRunMain(t)
	pid, dsn := s.project("shop")
	client, err := sentry.NewClient(sentry.ClientOptions{Dsn: dsn, Release: "shop@2.3.4", Environment: "staging", AttachStacktrace: true})
	if err != nil {
		t.Fatal(err)
	}
	hub := sentry.NewHub(client, sentry.NewScope())
	hub.ConfigureScope(func(sc *sentry.Scope) {
		sc.SetUser(sentry.User{ID: "u-17", Email: "ada@example.com"})
		req, _ := http.NewRequest("POST", "https://shop.example.com/cart/checkout?step=pay", nil)
		sc.SetRequest(req)
		sc.SetTag("region", "eu-west")
	})
	for i := 1; i <= 12; i++ {
		hub.AddBreadcrumb(&sentry.Breadcrumb{Category: "cart", Message: fmt.Sprintf("step %02d", i), Level: sentry.LevelInfo,
			Timestamp: time.Date(2026, 12, 4, 10, 0, i, 0, time.UTC)}, nil)
	}
	hub.CaptureException(checkout())
	if !hub.Flush(10 * time.Second) {
		t.Fatal("sentry-go did not flush")
	}
	waitFor(t, "the issue", func() bool { return len(s.issues(pid)) == 1 })
	issue := fmt.Sprint(s.issues(pid)[0].ID)

	out, errOut, code := s.cli("event", "show", "--issue", issue, "--latest")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"Exception\n  *fmt.wrapError: checkout failed: reserve order 7: no stock for sku 42",
		"Caused by\n  *errors.errorString: no stock for sku 42",
		"Caused by\n  *fmt.wrapError: reserve order 7: no stock for sku 42",
		"User\n  id=u-17 email=ada@example.com",
		// sentry-go reports the URL as http:// for a request without TLS.
		"Request\n  POST http://shop.example.com/cart/checkout?step=pay",
		"Breadcrumbs (last 10 of 12, oldest first)",
		"10:00:03.000 info    cart: step 03",
		"10:00:12.000 info    cart: step 12",
		"region", "eu-west",
		"release shop@2.3.4", "environment staging",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("event show lacks %q", want)
		}
	}
	// sentry-go attaches the stack of the CaptureException call (a wrapped
	// error carries none), and sends no source lines.
	if !regexp.MustCompile(`\n    at \S*cli_event_test\.go:\d+ in TestEventShowReadsLikeAnIssuePage\n`).MatchString(out) {
		t.Errorf("no in-app frame 'cli_event_test.go:LINE in TestEventShowReadsLikeAnIssuePage'")
	}
	for _, gone := range []string{"step 01", "step 02", "components"} {
		if strings.Contains(out, gone) {
			t.Errorf("event show prints %q", gone)
		}
	}
	if t.Failed() {
		t.Fatalf("output:\n%s", out)
	}
	if out, _, _ := s.cli("event", "show", "--issue", issue, "--latest", "--grouping"); !strings.Contains(out, "components") {
		t.Errorf("--grouping does not explain the grouping:\n%s", out)
	}
	out, _, _ = s.cli("event", "show", "--issue", issue, "--latest", "--json")
	var ev core.Event
	if err := json.Unmarshal([]byte(out), &ev); err != nil || ev.IssueID == 0 || len(ev.Payload) == 0 {
		t.Errorf("--json is not the API's JSON: %v\n%s", err, out)
	}
}

// TestEventShowNodeEvent: an event as @sentry/node 11 sent it (captured
// on the wire: an unhandled rejection with source context and 24
// breadcrumbs as a list) shows its in-app frames with their source line
// and the newest ten breadcrumbs.
func TestEventShowNodeEvent(t *testing.T) {
	payload, err := os.ReadFile("testdata/node-unhandled-rejection.json")
	if err != nil {
		t.Fatal(err)
	}
	s := MustRunMain(t)
	pid, dsn := s.project("node")
	s.store(dsn, string(payload))
	waitFor(t, "the issue", func() bool { return len(s.issues(pid)) == 1 })
	out, errOut, code := s.cli("event", "show", "--project", fmt.Sprint(pid), "4c36e553c33f4b3187486f8136c45a62")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"Exception\n  Error: unhandled rejection: token refresh failed\n" +
			"    at /srv/app/js/node-sender.cjs:224 in runMain\n" +
			"         Promise.reject(new Error('unhandled rejection: token refresh failed'));\n" +
			"    at /srv/app/js/node-sender.cjs:281 in ?\n" +
			"         if (scenario === 'main') await runMain();\n",
		"User\n  id=u-2002 email=sam@example.com username=sam ip_address=198.51.100.23",
		"Breadcrumbs (last 10 of 24, oldest first)",
		// The SDK's "log" level is Relay's alias of info in the normalized
		// event the CLI reads.
		"info    console: nodesender: step 21 transaction (span) ->  startSpan + child span (matched by trace_id)\n",
		"release sdk-capture-node@2.3.1", "environment capture-test",
		"team", "storefront",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("event show lacks %q", want)
		}
	}
	if strings.Contains(out, "GET /cart -> /checkout") {
		t.Errorf("event show prints a breadcrumb older than the last ten")
	}
	if t.Failed() {
		t.Fatalf("output:\n%s", out)
	}
}

// TestEventBreadcrumbSources: breadcrumbs come from the normalized event
// when it has them, else from the payload in either shape SDKs use.
func TestEventBreadcrumbSources(t *testing.T) {
	for _, c := range []struct {
		name, data, payload, want string
	}{
		{"normalized first", `{"breadcrumbs":{"values":[{"timestamp":"2026-12-04T10:00:00Z","category":"db","level":"warning","message":"from data"}]}}`,
			`{"breadcrumbs":[{"message":"from payload"}]}`, "10:00:00.000 warning db: from data"},
		{"payload list", `{}`, `{"breadcrumbs":[{"timestamp":1764842400.5,"type":"http","data":{"method":"GET","url":"/x","status_code":500}}]}`,
			"10:00:00.500 info    http: method=GET url=/x status_code=500"},
		{"payload values", `{}`, `{"breadcrumbs":{"values":[{"message":"only message"}]}}`, "--:--:--.--- info    only message"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ev := &core.Event{Data: json.RawMessage(c.data), Payload: json.RawMessage(c.payload)}
			crumbs := breadcrumbs(ev)
			if len(crumbs) != 1 || crumbs[0].String() != c.want {
				t.Fatalf("got %v, want [%s]", crumbs, c.want)
			}
		})
	}
}
