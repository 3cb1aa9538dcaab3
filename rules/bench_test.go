package rules

import (
	"fmt"
	"testing"

	"github.com/periscope-hq/periscope/core"
)

func boolp(b bool) *bool    { return &b }
func strp(s string) *string { return &s }

// goEvent is a sentry-go error with a 20-frame stack: HTTP server and
// module-cache dependencies below, application frames on top.
func goEvent() *core.EventData {
	var frames []core.Frame
	add := func(mod, fn, file string, inApp bool) {
		frames = append(frames, core.Frame{Module: mod, Function: fn, Filename: file, AbsPath: file, Lineno: 10 + len(frames), InApp: boolp(inApp)})
	}
	add("net/http", "(*conn).serve", "/usr/local/go/src/net/http/server.go", false)
	add("net/http", "serverHandler.ServeHTTP", "/usr/local/go/src/net/http/server.go", false)
	for i := 0; i < 8; i++ {
		add("github.com/go-chi/chi/v5", fmt.Sprintf("(*Mux).routeHTTP.func%d", i), "/go/pkg/mod/github.com/go-chi/chi/v5@v5.0.10/mux.go", true)
	}
	for i := 0; i < 10; i++ {
		add("github.com/acme/shop/internal/orders", fmt.Sprintf("(*Service).step%d", i), fmt.Sprintf("/src/shop/internal/orders/step%d.go", i), true)
	}
	return &core.EventData{
		Platform: "go", Level: "error", Transaction: "POST /orders", Release: "shop@1.2.3", Environment: "production",
		SDK:  core.SDKInfo{Name: "sentry.go", Version: "0.30.0"},
		Tags: []core.Tag{{Key: "tenant", Value: "acme"}, {Key: "db.host", Value: "db-1"}},
		Exceptions: []core.Exception{{
			Type: "*pq.Error", Value: "pq: duplicate key value violates unique constraint \"orders_pkey\"",
			Stacktrace: &core.Stacktrace{Frames: frames},
		}},
	}
}

// pythonEvent is a sentry-python error with context lines.
func pythonEvent() *core.EventData {
	var frames []core.Frame
	add := func(mod, fn, path, line string, inApp bool) {
		frames = append(frames, core.Frame{Module: mod, Function: fn, Filename: mod + ".py", AbsPath: path,
			ContextLine: strp(line), PreContext: []string{"    try:", "        x = 1"}, PostContext: []string{"    except Exception:", "        raise"},
			Lineno: 20 + len(frames), InApp: boolp(inApp)})
	}
	add("django.core.handlers.exception", "inner", "/usr/lib/python3.12/site-packages/django/core/handlers/exception.py", "    response = get_response(request)", false)
	add("django.core.handlers.base", "_get_response", "/usr/lib/python3.12/site-packages/django/core/handlers/base.py", "    response = wrapped_callback(request, *callback_args, **callback_kwargs)", false)
	for i := 0; i < 6; i++ {
		add(fmt.Sprintf("shop.views.orders%d", i), fmt.Sprintf("handle_%d", i), fmt.Sprintf("/app/shop/views/orders%d.py", i), fmt.Sprintf("        return self.step_%d(order, user=request.user)", i), true)
	}
	return &core.EventData{
		Platform: "python", Level: "error", Logger: "django.request", Transaction: "/orders/{id}",
		SDK: core.SDKInfo{Name: "sentry.python.django", Version: "2.19.0"},
		Exceptions: []core.Exception{{
			Type: "KeyError", Value: "'customer_id'", Module: "builtins",
			Stacktrace: &core.Stacktrace{Frames: frames},
		}},
	}
}

func messageEvent() *core.EventData {
	return &core.EventData{
		Platform: "node", Level: "warning", Logger: "payments",
		LogEntry: &core.LogEntry{Formatted: "Payment 84213 for user 5f1c9d3e-0a7b-4c1e-9d2f-3b8a6e4c1a90 failed from 10.1.2.3 after 1500ms at 2024-06-01T12:00:00Z"},
	}
}

func benchGroup(b *testing.B, e *Engine, ev *core.EventData) {
	b.ReportAllocs()
	b.ResetTimer()
	var h string
	for i := 0; i < b.N; i++ {
		h = e.Group(ev).Hash
	}
	if len(h) != 32 {
		b.Fatalf("bad hash %q", h)
	}
}

func BenchmarkDefaultGo20Frames(b *testing.B) { benchGroup(b, nil, goEvent()) }
func BenchmarkDefaultPython(b *testing.B)     { benchGroup(b, nil, pythonEvent()) }
func BenchmarkDefaultMessage(b *testing.B)    { benchGroup(b, nil, messageEvent()) }

func BenchmarkSDKFingerprintHybrid(b *testing.B) {
	ev := goEvent()
	ev.Fingerprint = []string{"{{ default }}", "{{ tags.tenant }}"}
	benchGroup(b, nil, ev)
}

func BenchmarkSDKFingerprintCustom(b *testing.B) {
	ev := goEvent()
	ev.Fingerprint = []string{"orders", "{{ transaction }}"}
	benchGroup(b, nil, ev)
}

func tenRules(tb testing.TB, firstMatches bool) *Engine {
	tb.Helper()
	var cfg Config
	for i := 0; i < 10; i++ {
		when := fmt.Sprintf(`exception.type == "NoSuch%dError" && any(frames, {.module startsWith "db%d."})`, i, i)
		if i == 0 && firstMatches {
			when = `exception.type == "*pq.Error" && any(frames, {.module startsWith "github.com/acme/"})`
		}
		cfg.Rules = append(cfg.Rules, RuleConfig{
			Name: fmt.Sprintf("r%d", i), When: when,
			Fingerprint: []string{`"db-error"`, `tags["db.host"] ?? "unknown"`},
		})
	}
	e, err := Load(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// BenchmarkRulesNoneMatch is the rule layer's cost on top of the default
// grouping when no rule matches.
func BenchmarkRulesNoneMatch(b *testing.B) { benchGroup(b, tenRules(b, false), goEvent()) }

// BenchmarkRulesFirstMatch is the whole cost when the first rule decides.
func BenchmarkRulesFirstMatch(b *testing.B) { benchGroup(b, tenRules(b, true), goEvent()) }

// BenchmarkRulesOnlyNoneMatch isolates evaluating ten non-matching rules.
func BenchmarkRulesOnlyNoneMatch(b *testing.B) {
	e := tenRules(b, false)
	ev := goEvent()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, ok := e.runRules(ev, e.defaults); ok {
			b.Fatal("a rule matched")
		}
	}
}

func BenchmarkParallelDefaultGo(b *testing.B) {
	ev := goEvent()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			DefaultGrouping(ev)
		}
	})
}

// BenchmarkStackRulesGo isolates the built-in stack trace rules on the
// 20-frame Go stack.
func BenchmarkStackRulesGo(b *testing.B) {
	ev := goEvent()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		newStackState(ev.Exceptions[0].Stacktrace, "go", &ev.Exceptions[0], builtinEnhancements, config2023)
	}
}

// BenchmarkParameterize is the message normalization alone.
func BenchmarkParameterize(b *testing.B) {
	s := messageEvent().LogEntry.Formatted
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		normalizeMessage(s)
	}
}
