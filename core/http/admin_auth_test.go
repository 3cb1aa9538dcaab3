package http_test

import (
	"net/http/httptest"
	"testing"

	phttp "github.com/periscope-hq/periscope/core/http"
	"github.com/periscope-hq/periscope/core/pipeline"
)

// Failed admin authentication is limited per address: after a burst of
// wrong keys the address gets 429 with Retry-After for every request (so a
// guess cannot be told right or wrong); successful requests never count.
func TestAdminAuthFailuresAreLimited(t *testing.T) {
	s := MustOpenServer(t, phttp.Options{}, pipeline.Options{})
	get := func(key string) (int, string) {
		req := httptest.NewRequest("GET", "/api/admin/projects", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := s.App().Test(req, 30000)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Retry-After")
	}
	for i := 0; i < 200; i++ {
		if code, _ := get(adminKey); code != 200 {
			t.Fatalf("successful request %d: status %d, want 200 (successes are not limited)", i, code)
		}
	}
	var code int
	var retry string
	guesses := 0
	for ; guesses < 1000; guesses++ {
		if code, retry = get("wrong-guess-000000000000"); code != 401 {
			break
		}
	}
	if code != 429 || retry == "" {
		t.Fatalf("after %d wrong keys: status %d Retry-After %q, want 429 with Retry-After", guesses, code, retry)
	}
	if guesses > 50 {
		t.Errorf("%d wrong keys answered 401 before the limit, want at most 50", guesses)
	}
	if code, _ := get(adminKey); code != 429 {
		t.Errorf("the right key from a locked-out address: status %d, want 429 (else guessing goes on)", code)
	}
}
