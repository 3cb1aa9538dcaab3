package main

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// eventGen makes realistic sentry-go error envelopes: a wrapped error
// with a 14-frame stack trace, tags, contexts and breadcrumbs (~6 KB), with
// a fresh event id each time and the error drawn from one of `groups`
// distinct groups (different functions and types).
type eventGen struct {
	rnd    *rand.Rand
	groups int
}

func newEventGen(seed int64, groups int) *eventGen {
	if groups < 1 {
		groups = 1
	}
	return &eventGen{rnd: rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15)), groups: groups}
}

func (g *eventGen) eventID() string {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := g.rnd.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return hex.EncodeToString(b[:])
}

func (g *eventGen) envelope(n int64, t benchTarget) []byte {
	id := g.eventID()
	group := g.rnd.IntN(g.groups)
	now := time.Now().UTC()
	ts := now.Format(time.RFC3339Nano)
	b := make([]byte, 0, 8192)
	b = fmt.Appendf(b, `{"event_id":"%s","sent_at":"%s","dsn":"%s://%s@%s/%s","sdk":{"name":"sentry.go","version":"0.46.2"}}`+"\n",
		id, ts, "http", t.key, "bench", t.projectID)
	b = append(b, `{"type":"event"}`+"\n"...)
	b = fmt.Appendf(b, `{"event_id":"%s","timestamp":"%s","level":"error","platform":"go",`, id, ts)
	b = fmt.Appendf(b, `"release":"checkout@1.%d.0","environment":"production","server_name":"web-%d",`, group%7, g.rnd.IntN(20))
	b = append(b, `"sdk":{"name":"sentry.go","version":"0.46.2","integrations":["ContextifyFrames","Environment","Modules","IgnoreErrors"],"packages":[{"name":"sentry-go","version":"0.46.2"}]},`...)
	b = fmt.Appendf(b, `"tags":{"handler":"/api/orders/%d","region":"eu-west-1","tenant":"t%d"},`, group%50, g.rnd.IntN(100))
	b = append(b, `"contexts":{"device":{"arch":"amd64","num_cpu":8},"os":{"name":"linux"},"runtime":{"name":"go","version":"go1.22.1","go_numroutines":42}},`...)
	b = fmt.Appendf(b, `"user":{"id":"%d","ip_address":"10.0.%d.%d"},`, g.rnd.IntN(100000), g.rnd.IntN(255), g.rnd.IntN(255))
	b = append(b, `"breadcrumbs":[`...)
	for i := 0; i < 8; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, `{"type":"http","category":"http","data":{"method":"GET","url":"https://api.internal/v1/items/%d","status_code":200},"timestamp":"%s"}`, g.rnd.IntN(1e6), ts)
	}
	b = append(b, `],"exception":[`...)
	b = fmt.Appendf(b, `{"type":"*net.OpError","value":"dial tcp 10.1.2.%d:5432: connect: connection refused","stacktrace":{"frames":[]}},`, g.rnd.IntN(255))
	b = fmt.Appendf(b, `{"type":"*errors.errorString%d","value":"order %d: payment step %d failed","stacktrace":{"frames":[`, group, g.rnd.IntN(1e6), group)
	frames := []struct{ mod, fn, file string }{
		{"runtime", "goexit", "runtime/asm_amd64.s"},
		{"net/http", "(*conn).serve", "net/http/server.go"},
		{"net/http", "serverHandler.ServeHTTP", "net/http/server.go"},
		{"github.com/go-chi/chi/v5", "(*Mux).ServeHTTP", "github.com/go-chi/chi/v5@v5.0.12/mux.go"},
		{"github.com/go-chi/chi/v5", "(*Mux).routeHTTP", "github.com/go-chi/chi/v5@v5.0.12/mux.go"},
		{"example.com/shop/internal/api", "(*Server).handleCheckout", "internal/api/checkout.go"},
		{"example.com/shop/internal/orders", "(*Service).Place", "internal/orders/place.go"},
		{"example.com/shop/internal/orders", "(*Service).charge", "internal/orders/charge.go"},
		{"example.com/shop/internal/payments", "(*Client).Authorize", "internal/payments/client.go"},
		{"example.com/shop/internal/payments", "step" + strconv.Itoa(group), "internal/payments/steps.go"},
		{"example.com/shop/internal/db", "(*Pool).Exec", "internal/db/pool.go"},
		{"example.com/shop/internal/db", "retry", "internal/db/retry.go"},
		{"github.com/jackc/pgx/v5", "(*Conn).Exec", "github.com/jackc/pgx/v5@v5.5.5/conn.go"},
		{"github.com/jackc/pgx/v5/pgconn", "connect", "github.com/jackc/pgx/v5@v5.5.5/pgconn/pgconn.go"},
	}
	for i, f := range frames {
		if i > 0 {
			b = append(b, ',')
		}
		inApp := strings.HasPrefix(f.mod, "example.com/")
		abs := "/go/pkg/mod/" + f.file
		if inApp {
			abs = "/src/shop/" + f.file
		} else if f.mod == "runtime" || f.mod == "net/http" {
			abs = "/usr/local/go/src/" + f.file
		}
		b = fmt.Appendf(b, `{"function":"%s","module":"%s","filename":"%s","abs_path":"%s","lineno":%d,"in_app":%t}`,
			f.fn, f.mod, f.file, abs, 40+i*7, inApp)
	}
	b = append(b, `]}}]}`...)
	b = append(b, '\n')
	return b
}
