package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// benchOptions are the flags of `periscope bench`.
type benchOptions struct {
	dsn         string
	concurrency int
	duration    time.Duration
	rate        int
	groups      int
	gzip        bool
	adminKey    string
	settle      time.Duration
	maxEvents   int
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o benchOptions
	fs.StringVar(&o.dsn, "dsn", os.Getenv("PERISCOPE_BENCH_DSN"), "DSN to send to (required)")
	fs.IntVar(&o.concurrency, "concurrency", 16, "concurrent connections")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long to send")
	fs.IntVar(&o.rate, "rate", 0, "events per second in total (0: as fast as possible)")
	fs.IntVar(&o.groups, "groups", 1000, "distinct error groups to cycle through")
	fs.BoolVar(&o.gzip, "gzip", false, "gzip request bodies")
	fs.StringVar(&o.adminKey, "admin-key", os.Getenv("API_SECRET_KEY_ADMIN"), "admin key, to poll how many events were stored (env API_SECRET_KEY_ADMIN)")
	fs.DurationVar(&o.settle, "settle-timeout", 120*time.Second, "how long to wait for the stored count to settle")
	fs.IntVar(&o.maxEvents, "events", 0, "stop after this many events (0: no limit; for loading data)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if o.dsn == "" {
		return withCode(exitUsage, fmt.Errorf("--dsn is required"))
	}
	target, err := parseBenchDSN(o.dsn)
	if err != nil {
		return withCode(exitUsage, err)
	}
	res, err := bench(ctx, target, o, stdout)
	if err != nil {
		return err
	}
	res.print(stdout)
	return nil
}

// benchTarget is where the DSN points.
type benchTarget struct {
	base      string // scheme://host[/prefix]
	key       string
	projectID string
}

func (t benchTarget) envelopeURL() string { return t.base + "/api/" + t.projectID + "/envelope/" }

func parseBenchDSN(dsn string) (benchTarget, error) {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil || u.Host == "" {
		return benchTarget{}, fmt.Errorf("--dsn %q is not a DSN like http://<key>@host:port/<project id>", dsn)
	}
	path := strings.TrimRight(u.Path, "/")
	i := strings.LastIndexByte(path, '/')
	if i < 0 || path[i+1:] == "" {
		return benchTarget{}, fmt.Errorf("--dsn %q has no project id", dsn)
	}
	return benchTarget{base: u.Scheme + "://" + u.Host + path[:i], key: u.User.Username(), projectID: path[i+1:]}, nil
}

// benchResult is what a run measured.
type benchResult struct {
	sent, accepted int64
	elapsed        time.Duration
	latencies      []time.Duration // of 200 answers
	statuses       map[int]int64
	errors         int64
	stored         int64 // events stored during the run and settle, -1 unknown
	storedFor      time.Duration
	bytes          int64
}

func bench(ctx context.Context, t benchTarget, o benchOptions, stdout io.Writer) (*benchResult, error) {
	client := &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        o.concurrency * 2,
			MaxIdleConnsPerHost: o.concurrency * 2,
			IdleConnTimeout:     90 * time.Second,
		},
	}
	storedBefore := storedCount(ctx, client, t, o.adminKey)

	var (
		mu       sync.Mutex
		res      = &benchResult{statuses: map[int]int64{}}
		seq      atomic.Int64
		sent     atomic.Int64
		stopping atomic.Bool
	)
	runCtx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	// A fixed rate hands out tokens from one ticker; otherwise workers send
	// back to back.
	var tokens chan struct{}
	if o.rate > 0 {
		tokens = make(chan struct{}, o.concurrency)
		go func() {
			interval := time.Second / time.Duration(o.rate)
			next := time.Now()
			for runCtx.Err() == nil {
				next = next.Add(interval)
				if d := time.Until(next); d > 0 {
					time.Sleep(d)
				}
				select {
				case tokens <- struct{}{}:
				case <-runCtx.Done():
				}
			}
		}()
	}
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < o.concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			gen := newEventGen(start.UnixNano()+int64(w), o.groups) // fresh ids every run
			var lat []time.Duration
			statuses := map[int]int64{}
			var errs, nbytes int64
			var buf bytes.Buffer
			for runCtx.Err() == nil && !stopping.Load() {
				if tokens != nil {
					select {
					case <-tokens:
					case <-runCtx.Done():
						continue
					}
				}
				n := seq.Add(1)
				if o.maxEvents > 0 && n > int64(o.maxEvents) {
					stopping.Store(true)
					break
				}
				body := gen.envelope(n, t)
				if o.gzip {
					buf.Reset()
					zw := gzip.NewWriter(&buf)
					zw.Write(body)
					zw.Close()
					body = append([]byte(nil), buf.Bytes()...)
				}
				req, _ := http.NewRequestWithContext(ctx, "POST", t.envelopeURL(), bytes.NewReader(body))
				req.Header.Set("X-Sentry-Auth", "Sentry sentry_version=7, sentry_client=periscope-bench/1.0, sentry_key="+t.key)
				req.Header.Set("Content-Type", "application/x-sentry-envelope")
				if o.gzip {
					req.Header.Set("Content-Encoding", "gzip")
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				sent.Add(1)
				nbytes += int64(len(body))
				if err != nil {
					errs++
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				d := time.Since(t0)
				statuses[resp.StatusCode]++
				if resp.StatusCode == 200 {
					lat = append(lat, d)
				} else if resp.StatusCode == 429 {
					time.Sleep(10 * time.Millisecond) // an SDK would back off longer
				}
			}
			mu.Lock()
			res.latencies = append(res.latencies, lat...)
			for k, v := range statuses {
				res.statuses[k] += v
			}
			res.errors += errs
			res.bytes += nbytes
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.sent = sent.Load()
	res.accepted = res.statuses[200]

	res.stored = -1
	if storedBefore >= 0 {
		// Poll until the stored count settles (unchanged for 1s) or
		// reaches what was accepted.
		last, lastChange := int64(-1), time.Now()
		deadline := time.Now().Add(o.settle)
		for time.Now().Before(deadline) {
			n := storedCount(ctx, client, t, o.adminKey) - storedBefore
			if n != last {
				last, lastChange = n, time.Now()
			}
			if n >= res.accepted || time.Since(lastChange) > time.Second {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		res.stored = last
		res.storedFor = lastChange.Sub(start)
		if res.storedFor < res.elapsed {
			res.storedFor = res.elapsed
		}
	}
	return res, nil
}

// storedCount reads the server's count of stored events (-1 if unknown).
func storedCount(ctx context.Context, client *http.Client, t benchTarget, adminKey string) int64 {
	if adminKey == "" {
		return -1
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", t.base+"/api/admin/stats", nil)
	req.Header.Set("Authorization", "Bearer "+adminKey)
	resp, err := client.Do(req)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var st struct {
		Pipeline struct {
			Stored     int64 `json:"stored"`
			Duplicates int64 `json:"duplicates"`
		} `json:"pipeline"`
	}
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&st) != nil {
		return -1
	}
	return st.Pipeline.Stored
}

func (r *benchResult) print(w io.Writer) {
	secs := r.elapsed.Seconds()
	fmt.Fprintf(w, "duration        %.1fs\n", secs)
	fmt.Fprintf(w, "sent            %d requests (%.1f MB), %d transport errors\n", r.sent, float64(r.bytes)/1e6, r.errors)
	fmt.Fprintf(w, "accepted/s      %.0f\n", float64(r.accepted)/secs)
	if len(r.latencies) > 0 {
		sort.Slice(r.latencies, func(i, j int) bool { return r.latencies[i] < r.latencies[j] })
		p := func(q float64) time.Duration { return r.latencies[int(q*float64(len(r.latencies)-1))] }
		fmt.Fprintf(w, "latency         p50 %v  p95 %v  p99 %v  max %v\n",
			p(0.50).Round(time.Microsecond), p(0.95).Round(time.Microsecond), p(0.99).Round(time.Microsecond), r.latencies[len(r.latencies)-1].Round(time.Microsecond))
	}
	codes := make([]int, 0, len(r.statuses))
	for c := range r.statuses {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	fmt.Fprintf(w, "status codes   ")
	for _, c := range codes {
		fmt.Fprintf(w, " %d:%d", c, r.statuses[c])
	}
	fmt.Fprintln(w)
	if r.stored >= 0 {
		fmt.Fprintf(w, "stored          %d of %d accepted in %.1fs: %.0f events/s fully stored\n",
			r.stored, r.accepted, r.storedFor.Seconds(), float64(r.stored)/r.storedFor.Seconds())
	} else {
		fmt.Fprintf(w, "stored          unknown (give --admin-key to poll the server)\n")
	}
}
