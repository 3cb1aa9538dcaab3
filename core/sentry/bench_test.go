package sentry

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Realistic payloads for the benchmarks, shaped like what sentry-go and
// @sentry/node send (see testdata/sdk and the protocol doc §6.4): a wrapped
// Go error with a 25-frame stack, breadcrumbs, contexts and modules; a Node
// error with source context on every frame.

func benchGoEvent() []byte {
	frame := func(i int) map[string]any {
		return map[string]any{"function": fmt.Sprintf("(*Service).handle%d", i), "module": "example.com/shop/internal/service",
			"filename": fmt.Sprintf("internal/service/handler%d.go", i), "abs_path": fmt.Sprintf("/src/shop/internal/service/handler%d.go", i),
			"lineno": 100 + i, "in_app": i%3 != 0}
	}
	var frames []any
	for i := range 25 {
		frames = append(frames, frame(i))
	}
	var crumbs []any
	for i := range 15 {
		crumbs = append(crumbs, map[string]any{"category": "http", "type": "http", "level": "info",
			"data":      map[string]any{"method": "GET", "url": fmt.Sprintf("http://inventory.internal/items/%d", i), "status_code": 200},
			"timestamp": "2024-05-01T11:59:58.123456789Z"})
	}
	modules := map[string]any{}
	for i := range 30 {
		modules[fmt.Sprintf("github.com/vendor/lib%d", i)] = fmt.Sprintf("v1.%d.0", i)
	}
	ev := map[string]any{
		"event_id": "1dedabdbd1da444ea1e9f677c1223628", "level": "error", "platform": "go", "release": "shop@1.4.2",
		"environment": "production", "server_name": "web-7", "dist": "linux-amd64", "timestamp": "2024-05-01T11:59:59.87059903Z",
		"sdk":  map[string]any{"name": "sentry.go", "version": "0.46.2", "integrations": []string{"ContextifyFrames", "Environment", "Modules"}},
		"tags": map[string]any{"region": "eu-west-1", "team": "payments", "route": "/users/:id"},
		"user": map[string]any{"id": "u-1001", "email": "jane@example.com", "ip_address": "{{auto}}"},
		"contexts": map[string]any{"device": map[string]any{"arch": "amd64", "num_cpu": 2}, "os": map[string]any{"name": "linux"},
			"runtime": map[string]any{"name": "go", "version": "go1.26.8", "go_maxprocs": 2},
			"trace":   map[string]any{"trace_id": "4486f2f11e2ee43d945df6a268f0b59f", "span_id": "ec75a60a8e3c5a8f"}},
		"request":     map[string]any{"url": "https://shop.example.com/users/42", "method": "GET", "headers": map[string]any{"User-Agent": "curl/8.0", "Accept": "*/*"}},
		"modules":     modules,
		"breadcrumbs": crumbs,
		"exception": []any{
			map[string]any{"type": "*errors.errorString", "value": "connection refused", "mechanism": map[string]any{"type": "chained", "source": "unwrap", "exception_id": 2, "parent_id": 1}},
			map[string]any{"type": "*fmt.wrapError", "value": "load user 42: connection refused", "mechanism": map[string]any{"type": "chained", "source": "unwrap", "exception_id": 1, "parent_id": 0}},
			map[string]any{"type": "*fmt.wrapError", "value": "handle GET /users/42: load user 42: connection refused",
				"mechanism": map[string]any{"type": "generic", "exception_id": 0}, "stacktrace": map[string]any{"frames": frames}},
		},
	}
	b, _ := json.Marshal(ev)
	return b
}

func benchNodeEvent() []byte {
	var frames []any
	for i := range 16 {
		ctx := func(k int) []string {
			var l []string
			for j := range 5 {
				l = append(l, fmt.Sprintf("  const value%d = await service.call%d(order, { retries: %d }); // line %d", j, k, j, k+j))
			}
			return l
		}
		frames = append(frames, map[string]any{"filename": fmt.Sprintf("/srv/app/src/module%d.js", i), "module": fmt.Sprintf("src:module%d", i),
			"function": fmt.Sprintf("Object.handler%d", i), "lineno": 40 + i, "colno": 17, "in_app": i > 3,
			"pre_context": ctx(i), "context_line": "    throw new Error(`order ${order.id} has negative total ${order.total}`);", "post_context": ctx(i + 1)})
	}
	var crumbs []any
	for i := range 10 {
		crumbs = append(crumbs, map[string]any{"timestamp": 1714564790.123 + float64(i), "category": "console", "level": "log",
			"message": fmt.Sprintf("processing order ord_%d", i)})
	}
	ev := map[string]any{
		"event_id": "f047e177129e437a8e22b0c03dda55bc", "timestamp": 1714564799.302, "platform": "node", "level": "error",
		"environment": "production", "release": "shop-node@2.3.1", "server_name": "web-3",
		"sdk": map[string]any{"name": "sentry.javascript.node", "version": "8.30.0", "integrations": []string{"InboundFilters", "FunctionToString", "Console", "Http", "OnUncaughtException", "ContextLines", "Context", "Modules"}},
		"exception": map[string]any{"values": []any{map[string]any{"type": "Error", "value": "order ord_552 has negative total -12",
			"mechanism": map[string]any{"type": "generic", "handled": true}, "stacktrace": map[string]any{"frames": frames}}}},
		"tags":  map[string]any{"team": "storefront", "region": "us-east-1"},
		"user":  map[string]any{"id": "u-2002", "username": "sam"},
		"extra": map[string]any{"order": map[string]any{"id": "ord_552", "total": -12}},
		"contexts": map[string]any{"app": map[string]any{"app_start_time": "2024-05-01T11:00:00.000Z", "app_memory": 81234944},
			"os":      map[string]any{"kernel_version": "6.1.0", "name": "Linux"},
			"device":  map[string]any{"boot_time": "2024-04-01T00:00:00.000Z", "arch": "x64", "memory_size": 8331300864, "cpu_description": "Intel(R) Xeon(R)", "processor_count": 2},
			"runtime": map[string]any{"name": "node", "version": "v20.20.2"}, "culture": map[string]any{"locale": "en-US", "timezone": "UTC"},
			"trace": map[string]any{"trace_id": "fde4b531d14649afb42a322c18dfd758", "span_id": "a1b2c3d4e5f60718"}},
		"breadcrumbs": crumbs,
	}
	b, _ := json.Marshal(ev)
	return b
}

func benchEnvelope(event []byte, explicit bool) []byte {
	var b strings.Builder
	b.WriteString(`{"event_id":"f047e177129e437a8e22b0c03dda55bc","sent_at":"2024-05-01T11:59:59.310Z","sdk":{"name":"sentry.javascript.node","version":"8.30.0"}}` + "\n")
	if explicit {
		fmt.Fprintf(&b, `{"type":"event","length":%d}`+"\n", len(event))
	} else {
		b.WriteString(`{"type":"event"}` + "\n")
	}
	b.Write(event)
	b.WriteString("\n" + `{"type":"attachment","length":11,"filename":"log.txt","content_type":"text/plain"}` + "\nline1\nline2\n")
	b.WriteString(`{"type":"client_report"}` + "\n" + `{"timestamp":1714564799.3,"discarded_events":[{"reason":"sample_rate","category":"transaction","quantity":3}]}`)
	return []byte(b.String())
}

func BenchmarkParseEnvelope(b *testing.B) {
	for _, bc := range []struct {
		name string
		body []byte
	}{
		{"go-explicit", benchEnvelope(benchGoEvent(), true)},
		{"node-implicit", benchEnvelope(benchNodeEvent(), false)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseEnvelope(bc.body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkNormalize(b *testing.B) {
	opts := NormalizeOptions{Received: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC), ClientIP: "203.0.113.1"}
	for _, bc := range []struct {
		name    string
		payload []byte
	}{
		{"sentry-go", benchGoEvent()},
		{"node", benchNodeEvent()},
	} {
		b.Run(fmt.Sprintf("%s-%dB", bc.name, len(bc.payload)), func(b *testing.B) {
			b.SetBytes(int64(len(bc.payload)))
			b.ReportAllocs()
			for b.Loop() {
				ev, err := Normalize(bc.payload, opts)
				if err != nil {
					b.Fatal(err)
				}
				_ = Title(ev)
				_ = Culprit(ev)
			}
		})
	}
}

func BenchmarkDecompress(b *testing.B) {
	body := benchEnvelope(benchNodeEvent(), false)
	for _, c := range []struct{ coding, header string }{{"gzip", "gzip"}, {"zlib", "deflate"}, {"br", "br"}, {"zstd", "zstd"}} {
		comp := compress(b, c.coding, body)
		b.Run(c.header, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Decompress(comp, c.header, 1<<20); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestConcurrentUse runs the pooled parsers and decoders from several
// goroutines (meaningful under -race) and checks each result.
func TestConcurrentUse(t *testing.T) {
	event := benchNodeEvent()
	env := benchEnvelope(event, false)
	gz := compress(t, "gzip", env)
	zs := compress(t, "zstd", env)
	br := compress(t, "br", env)
	want, err := Normalize(event, NormalizeOptions{Received: time.Unix(1714564800, 0)})
	if err != nil {
		t.Fatal(err)
	}
	wantJSON, _ := json.Marshal(want)
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := range 50 {
				body, enc := gz, "gzip"
				switch (g + i) % 3 {
				case 1:
					body, enc = zs, "zstd"
				case 2:
					body, enc = br, "br"
				}
				raw, err := Decompress(body, enc, 1<<20)
				if err != nil {
					errs <- err
					return
				}
				e, err := ParseEnvelope(raw)
				if err != nil {
					errs <- err
					return
				}
				ev, err := Normalize(e.Items[0].Payload, NormalizeOptions{Received: time.Unix(1714564800, 0)})
				if err != nil {
					errs <- err
					return
				}
				got, _ := json.Marshal(ev)
				if string(got) != string(wantJSON) {
					errs <- fmt.Errorf("goroutine %d: normalized event differs", g)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
