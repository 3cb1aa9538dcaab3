package storetest

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/periscope-hq/periscope/core"
)

var eventSeq atomic.Int64

// NewEventID returns a fresh random 32-hex event id.
func NewEventID() string {
	var b [16]byte
	for i := range 2 {
		v := rand.Uint64()
		for j := range 8 {
			b[i*8+j] = byte(v >> (8 * j))
		}
	}
	return hex.EncodeToString(b[:])
}

// NewEvent returns a realistic processed error event of the project in the
// group hash: a sentry-go-like payload (about 3 KB) with a chained
// exception, a 12-frame stack trace, tags, contexts and request, the
// normalized data, and a default grouping decision. Each call has a fresh
// event id and a timestamp one millisecond after the previous call's.
// Title and culprit derive from hash, so events of one hash look alike.
func NewEvent(projectID int64, hash string) *core.Event {
	n := eventSeq.Add(1)
	id := NewEventID()
	ts := base.Add(time.Duration(n) * time.Millisecond)
	typ, value := "*errors.errorString", "open config-"+hash+".yaml: no such file or directory"
	fn := "handle" + strings.ToUpper(hash[:1]) + hash[1:]
	frames := make([]core.Frame, 12)
	var fj []string
	for i := range frames {
		inApp := i >= 6
		f := core.Frame{Function: fmt.Sprintf("(*Server).step%d", i), Module: "net/http", Filename: "server.go",
			AbsPath: "/usr/local/go/src/net/http/server.go", Lineno: 2000 + 17*i, InApp: &inApp}
		if inApp {
			f.Function, f.Module, f.Filename = fn, "example.com/shop/internal/api", "api/handler.go"
			f.AbsPath, f.Lineno = "/src/shop/internal/api/handler.go", 40+i
			line := fmt.Sprintf("\treturn s.load(ctx, %q)", hash)
			f.ContextLine, f.PreContext, f.PostContext = &line, []string{"func (s *Service) run() error {", "\tctx := s.ctx"}, []string{"}", ""}
		}
		frames[i] = f
		fj = append(fj, fmt.Sprintf(`{"function":%q,"module":%q,"filename":%q,"abs_path":%q,"lineno":%d,"in_app":%t}`,
			f.Function, f.Module, f.Filename, f.AbsPath, f.Lineno, inApp))
	}
	user := fmt.Sprintf("user-%d", rand.IntN(5000))
	payload := fmt.Sprintf(`{"event_id":%q,"timestamp":%q,"level":"error","platform":"go","release":"shop@1.4.%d",`+
		`"environment":"production","server_name":"web-%d","message":"","exception":{"values":[`+
		`{"type":"*fs.PathError","value":"no such file","stacktrace":{"frames":[%s]}},`+
		`{"type":%q,"value":%q,"stacktrace":{"frames":[%s]},"mechanism":{"type":"generic","handled":true}}]},`+
		`"tags":{"route":"/api/orders/{id}","region":"eu-west-1","request_id":%q},`+
		`"user":{"id":%q,"ip_address":"203.0.113.%d"},`+
		`"request":{"url":"https://shop.example.com/api/orders/%d","method":"GET","headers":{"User-Agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36","Accept":"application/json"}},`+
		`"contexts":{"os":{"name":"linux","kernel_version":"6.8.0-45-generic"},"runtime":{"name":"go","version":"go1.26.8"},"device":{"arch":"amd64","num_cpu":2},"trace":{"trace_id":%q,"span_id":%q}},`+
		`"sdk":{"name":"sentry.go","version":"0.50.0","integrations":["ContextifyFrames","Environment","IgnoreErrors","Modules"],"packages":[{"name":"sentry-go","version":"0.50.0"}]},`+
		`"modules":{"github.com/getsentry/sentry-go":"v0.50.0","golang.org/x/sys":"v0.49.0","golang.org/x/text":"v0.42.0"}}`,
		id, ts.Format(time.RFC3339Nano), n%7, n%4, strings.Join(fj[:4], ","), typ, value, strings.Join(fj, ","),
		NewEventID()[:16], user, n%250, n, NewEventID(), NewEventID()[:16])
	data := core.EventData{EventID: id, Type: "error", Timestamp: ts, Received: ts.Add(20 * time.Millisecond),
		Platform: "go", Level: core.LevelError, Release: fmt.Sprintf("shop@1.4.%d", n%7), Environment: "production",
		Exceptions: []core.Exception{{Type: "*fs.PathError", Value: "no such file", Stacktrace: &core.Stacktrace{Frames: frames[:4]}},
			{Type: typ, Value: value, Stacktrace: &core.Stacktrace{Frames: frames}}},
		Tags: []core.Tag{{Key: "route", Value: "/api/orders/{id}"}, {Key: "region", Value: "eu-west-1"}, {Key: "server_name", Value: fmt.Sprintf("web-%d", n%4)}},
		SDK:  core.SDKInfo{Name: "sentry.go", Version: "0.50.0"},
		User: map[string]any{"id": user}}
	dj, err := json.Marshal(&data)
	if err != nil {
		panic(err)
	}
	comps, _ := json.Marshal(map[string]any{"exception": []string{typ, fn}})
	return &core.Event{
		ProjectID: projectID, EventID: id, Timestamp: ts, Received: data.Received,
		Title: typ + ": " + value, Culprit: "example.com/shop/internal/api in " + fn,
		Level: core.LevelError, Platform: "go", Release: data.Release, Environment: "production",
		Tags: data.Tags, SDKName: "sentry.go", SDKVersion: "0.50.0",
		Grouping: core.Grouping{DecidedBy: "default", Name: "app", Config: "newstyle:2023-01-11", Hash: hash, Components: comps},
		Data:     dj, Payload: json.RawMessage(payload),
	}
}
