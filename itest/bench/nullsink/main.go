// Command nullsink is the baseline for `periscope bench`: a plain net/http
// server that reads each request body and answers 200 {"id": ...}, doing no
// other work. Periscope's throughput is reported as a share of this one's,
// measured in the same run on the same machine.
//
//	go run ./itest/bench/nullsink -addr 127.0.0.1:9000
//	periscope bench --dsn http://0123456789abcdef0123456789abcdef@127.0.0.1:9000/1
package main

import (
	"flag"
	"io"
	"log"
	"net/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "listen address")
	flag.Parse()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		if n == 0 {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"00000000000000000000000000000000"}`)
	})
	log.Printf("nullsink listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, h))
}
