package itest

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/sdk/sdktest"
)

// rssLimitKB is what the body flood may cost the server, in resident KiB,
// when the server is built without the race detector.
const rssLimitKB = 200 << 10

// raceRSSFactor scales rssLimitKB for a server built with -race (as under
// `make test`, see sdktest.BuildConfig): the race detector keeps shadow memory
// and per-goroutine state, "memory usage may increase by 5-10x" (Go's
// race detector documentation). Measured on this test: 31 MiB before and
// 108 MiB peak without it, 72 MiB and 382 MiB with it (3.5x), so the same
// relative headroom needs 4x.
const raceRSSFactor = 4

// floodRSSLimitKB is rssLimitKB for the server binary this run built.
func floodRSSLimitKB() int64 {
	flags, _ := sdktest.BuildConfig()
	for _, f := range flags {
		if f == "-race" {
			return raceRSSFactor * rssLimitKB
		}
	}
	return rssLimitKB
}

// procStatusKB reads a field (VmRSS, VmHWM) of /proc/<pid>/status in KiB.
func procStatusKB(tb testing.TB, pid int, field string) int64 {
	tb.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		tb.Fatalf("reading the server's memory: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				tb.Fatalf("%s: %q: %v", field, line, err)
			}
			return n
		}
	}
	tb.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// raiseFileLimit lets this process (and the server it starts) hold n
// sockets.
func raiseFileLimit(tb testing.TB, n uint64) {
	tb.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		tb.Fatal(err)
	}
	if lim.Cur >= n {
		return
	}
	if lim.Max < n {
		tb.Skipf("RLIMIT_NOFILE hard limit %d is below the %d sockets this test needs", lim.Max, n)
	}
	old := lim
	lim.Cur = n
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })
}

// floodConn opens a connection to the server that declares a 20 MiB
// envelope and sends only the first sent bytes of it.
func floodConn(tb testing.TB, addr, path, auth string, sent int) net.Conn {
	tb.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		tb.Fatalf("dial: %v", err)
	}
	tb.Cleanup(func() { c.Close() })
	var req bytes.Buffer
	fmt.Fprintf(&req, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-sentry-envelope\r\nContent-Length: %d\r\n", path, addr, 20<<20)
	if auth != "" {
		fmt.Fprintf(&req, "X-Sentry-Auth: %s\r\n", auth)
	}
	req.WriteString("\r\n")
	req.Write(bytes.Repeat([]byte("{"), sent))
	_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(req.Bytes()); err != nil {
		tb.Fatalf("write: %v", err)
	}
	return c
}

// TestBodyFloodKeepsMemoryBounded is issue 10.1: a thousand connections that
// declare 20 MiB bodies and send a few bytes (with no key, a wrong key or a
// valid one) must not grow the server past rssLimitKB, a wrong key must be
// refused without the body, and a normal client must still be served.
func TestBodyFloodKeepsMemoryBounded(t *testing.T) {
	const conns = 1000
	raiseFileLimit(t, 4*conns)
	s := StartServer(t, DB{Name: "sqlite"}, "")
	p := s.CreateProject("flood")
	pid := s.cmd.Process.Pid
	addr := strings.TrimPrefix(s.URL, "http://")
	path := fmt.Sprintf("/api/%d/envelope/", p.ID)
	valid := "Sentry sentry_version=7, sentry_client=flood/1.0, sentry_key=" + p.Keys[0].PublicKey
	wrong := "Sentry sentry_version=7, sentry_client=flood/1.0, sentry_key=0123456789abcdef0123456789abcdef"
	rssLimitKB := floodRSSLimitKB()
	before := procStatusKB(t, pid, "VmRSS")
	t.Logf("server RSS before the flood: %d KiB", before)

	// Five kinds, interleaved: no key, a wrong key and a valid key sending 2
	// bytes; a wrong key and a valid key sending 64 KiB (past what the HTTP
	// layer reads ahead, so the handler runs while the body still comes).
	// The flood comes in waves: connections dropped by the attacker free
	// memory the next wave's buffers reuse (and touch).
	const waves = 3
	var wrongBig []net.Conn
	for w := 0; w < waves; w++ {
		var open []net.Conn
		wrongBig = wrongBig[:0]
		for i := 0; i < conns; i++ {
			var c net.Conn
			switch i % 5 {
			case 0:
				c = floodConn(t, addr, path, "", 2)
			case 1:
				c = floodConn(t, addr, path, wrong, 2)
			case 2:
				c = floodConn(t, addr, path, valid, 2)
			case 3:
				c = floodConn(t, addr, path, wrong, 64<<10)
				wrongBig = append(wrongBig, c)
			case 4:
				c = floodConn(t, addr, path, valid, 64<<10)
			}
			open = append(open, c)
			if i%10 == 9 {
				// Stop early, before the machine suffers, when memory runs away.
				if rss := procStatusKB(t, pid, "VmRSS"); rss > rssLimitKB {
					t.Fatalf("wave %d, after %d connections: the server's RSS is %d KiB, over the %d KiB limit", w+1, i+1, rss, rssLimitKB)
				}
			}
		}
		time.Sleep(time.Second) // let the server take in what was sent
		rss := procStatusKB(t, pid, "VmRSS")
		t.Logf("wave %d: %d connections open, server RSS %d KiB", w+1, conns, rss)
		if rss > rssLimitKB {
			t.Fatalf("wave %d: with %d flood connections open the server's RSS is %d KiB, over the %d KiB limit", w+1, conns, rss, rssLimitKB)
		}
		if w < waves-1 {
			for _, c := range open {
				c.Close()
			}
			time.Sleep(500 * time.Millisecond)
		}
	}

	// A wrong key is refused from the headers: the answer comes while the
	// 20 MiB body is still owed.
	for i, c := range wrongBig[:20] {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("wrong key connection %d: no answer before the body was sent: %v", i, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Fatalf("wrong key connection %d: status %d, want 401", i, resp.StatusCode)
		}
	}

	// A normal client is served while the flood holds its connections.
	eventID := "0b5c5d5e5f6071829384a5b6c7d8e9f0"
	payload := `{"event_id":"` + eventID + `","level":"error","exception":[{"type":"FloodError","value":"still served"}]}`
	body := []byte(fmt.Sprintf("{\"event_id\":\"%s\"}\n{\"type\":\"event\",\"length\":%d}\n%s\n", eventID, len(payload), payload))
	if code := sendEnvelope(t, p.Keys[0].DSN, body); code != 200 {
		t.Fatalf("normal client during the flood: status %d, want 200", code)
	}
	s.WaitEvent(t, p.ID, eventID)

	rss, hwm := procStatusKB(t, pid, "VmRSS"), procStatusKB(t, pid, "VmHWM")
	t.Logf("server with %d flood connections open: RSS %d KiB, peak %d KiB (limit %d KiB)", conns, rss, hwm, rssLimitKB)
	if hwm > rssLimitKB {
		t.Fatalf("server peak RSS %d KiB, want under %d KiB", hwm, rssLimitKB)
	}
}
