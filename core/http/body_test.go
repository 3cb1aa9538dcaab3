package http_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	nethttp "net/http"
	"testing"
	"time"

	phttp "github.com/periscope-hq/periscope/core/http"
	"github.com/periscope-hq/periscope/core/pipeline"
)

// listen serves s on a real socket on 127.0.0.1 and returns its address.
func listen(tb testing.TB, s *testServer) string {
	tb.Helper()
	if err := s.Listen("127.0.0.1:0"); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return s.Addr()
}

// partialRequest opens a connection, sends an envelope request declaring
// declared bytes and sends the first sent of them.
func partialRequest(tb testing.TB, addr, path, auth string, declared, sent int) net.Conn {
	tb.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: %s\r\nX-Sentry-Auth: %s\r\nContent-Length: %d\r\n\r\n", path, addr, auth, declared)
	if _, err := c.Write(bytes.Repeat([]byte("{"), sent)); err != nil {
		tb.Fatal(err)
	}
	return c
}

func readResponse(tb testing.TB, c net.Conn) *nethttp.Response {
	tb.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := nethttp.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		tb.Fatalf("no answer: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// The bytes of bodies being read are bounded across all connections: past
// the budget a request is answered 429 with Retry-After before its body is
// read, and the budget comes back when the holder's request ends.
func TestBodyBudgetRefusesWithRetryAfter(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{BodyBudget: 256 << 10}, pipeline.Options{})
	addr := listen(t, s)
	path := fmt.Sprintf("/api/%d/envelope/", s.Project.ID)

	// A valid key sends 200 KiB of a declared 1 MiB and stalls: the
	// server holds what arrived (buffers of 16, 32, 64, 128 KiB: 256 KiB
	// taken), which spends the budget.
	holder := partialRequest(t, addr, path, s.auth(), 1<<20, 200<<10)
	other := func() *nethttp.Response {
		body := envelope(s.Key, s.Project.ID, eventItem(errorPayload))
		req, _ := nethttp.NewRequest("POST", "http://"+addr+path, bytes.NewReader(body))
		req.Header.Set("X-Sentry-Auth", s.auth())
		resp, err := nethttp.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	// Wait until the server holds the holder's bytes: other requests sent
	// before that could take budget the holder then misses.
	waitHeld(t, s, func(n int64) bool { return n == 256<<10 }, "the holder's 256 KiB")
	resp := other()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("with the budget spent: status %d Retry-After %q, want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// The holder gives up; its bytes go back to the budget.
	holder.Close()
	waitHeld(t, s, func(n int64) bool { return n == 0 }, "nothing")
	if code := other().StatusCode; code != 200 {
		t.Fatalf("after the holder left: status %d, want 200", code)
	}
}

// waitHeld waits until what the server holds of its body budget satisfies
// ok; the bound is generous because it only matters when the code is wrong.
func waitHeld(t *testing.T, s *testServer, ok func(int64) bool, what string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for n := s.BodyBytesHeld(); !ok(n); n = s.BodyBytesHeld() {
		if time.Now().After(deadline) {
			t.Fatalf("the server holds %d bytes of its body budget, want %s", n, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A body that never arrives is cut by the read timeout: the connection is
// closed and what it held is released.
func TestSlowBodyTimesOut(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{BodyBudget: 128 << 10, ReadTimeout: 300 * time.Millisecond}, pipeline.Options{})
	addr := listen(t, s)
	path := fmt.Sprintf("/api/%d/envelope/", s.Project.ID)
	slow := partialRequest(t, addr, path, s.auth(), 1<<20, 100<<10)
	_ = slow.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.Copy(io.Discard, slow); err != nil {
		t.Fatalf("the slow connection was not closed by the server: %v", err)
	}
	body := envelope(s.Key, s.Project.ID, eventItem(errorPayload))
	req, _ := nethttp.NewRequest("POST", "http://"+addr+path, bytes.NewReader(body))
	req.Header.Set("X-Sentry-Auth", s.auth())
	resp, err := nethttp.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("after the slow body was cut: status %d, want 200 (its budget released)", resp.StatusCode)
	}
}

// A wrong key is refused from the headers, before the body is read, and
// an oversized declared body is refused before it is read.
func TestRefusedBeforeTheBody(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{}, pipeline.Options{})
	addr := listen(t, s)
	path := fmt.Sprintf("/api/%d/envelope/", s.Project.ID)
	wrong := partialRequest(t, addr, path, "Sentry sentry_key=0123456789abcdef0123456789abcdef", 20<<20, 16<<10)
	if resp := readResponse(t, wrong); resp.StatusCode != 401 {
		t.Fatalf("wrong key: status %d, want 401 before the body", resp.StatusCode)
	}
	huge := partialRequest(t, addr, path, s.auth(), 1<<30, 16<<10)
	if resp := readResponse(t, huge); resp.StatusCode != 413 {
		t.Fatalf("1 GiB declared: status %d, want 413 before the body", resp.StatusCode)
	}
	unknownProject := partialRequest(t, addr, "/api/999/envelope/", s.auth(), 20<<20, 16<<10)
	if resp := readResponse(t, unknownProject); resp.StatusCode != 403 {
		t.Fatalf("key of another project: status %d, want 403 before the body", resp.StatusCode)
	}
}

// With no credentials in the headers, only the envelope header's line is
// read to find the dsn: an unknown key there is refused while the rest of
// the declared body is still owed; a good one is served as before.
func TestEnvelopeDSNRefusedBeforeTheBody(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{}, pipeline.Options{})
	addr := listen(t, s)
	path := fmt.Sprintf("/api/%d/envelope/", s.Project.ID)
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	header := fmt.Sprintf(`{"event_id":"%s","dsn":"http://0123456789abcdef0123456789abcdef@%s/%d"}`+"\n", eventID, addr, s.Project.ID)
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n%s", path, addr, 20<<20, header)
	c.Write(bytes.Repeat([]byte(" "), 16<<10))
	if resp := readResponse(t, c); resp.StatusCode != 401 {
		t.Fatalf("unknown key in the envelope dsn: status %d, want 401 before the body", resp.StatusCode)
	}
	for _, gzipped := range []bool{false, true} {
		body := envelope(s.Key, s.Project.ID, eventItem(errorPayload))
		req, _ := nethttp.NewRequest("POST", "http://"+addr+path, nil)
		if gzipped {
			body = gz(t, body)
			req.Header.Set("Content-Encoding", "gzip")
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
		resp, err := nethttp.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Contains(b, []byte(eventID)) {
			t.Fatalf("good dsn in the envelope (gzip %v): status %d %s, want 200 with the id", gzipped, resp.StatusCode, b)
		}
	}
}
