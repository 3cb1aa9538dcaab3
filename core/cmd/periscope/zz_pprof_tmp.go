package main

// TEMPORARY (perf work): PERISCOPE_PPROF=addr exposes net/http/pprof.
import (
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	if a := os.Getenv("PERISCOPE_PPROF"); a != "" {
		go http.ListenAndServe(a, nil)
	}
}
