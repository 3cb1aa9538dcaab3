package itest

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/periscope-hq/periscope/core"
	"github.com/periscope-hq/periscope/core/adminclient"
)

var dsnRE = regexp.MustCompile(`^http://([0-9a-f]{32})@127\.0\.0\.1:(\d+)/(\d+)$`)

// TestProjectsSurviveRestart is issue 2's story on both databases: create a
// project, read its DSN, restart, find it again, revoke its key.
func TestProjectsSurviveRestart(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db DB) {
		s := StartServer(t, db, "")
		p := s.CreateProject("backend")
		m := dsnRE.FindStringSubmatch(p.Keys[0].DSN)
		if m == nil {
			t.Fatalf("DSN %q does not look like http://<32 hex>@127.0.0.1:<port>/<id>", p.Keys[0].DSN)
		}
		if m[2] != fmt.Sprint(s.Port) || m[3] != fmt.Sprint(p.ID) || m[1] != p.Keys[0].PublicKey {
			t.Fatalf("DSN %q does not carry port %d, project %d and key %s", p.Keys[0].DSN, s.Port, p.ID, p.Keys[0].PublicKey)
		}
		if code := s.Do("POST", "/api/admin/projects", map[string]string{"name": "backend"}, nil); code != 409 {
			t.Fatalf("duplicate name: status %d, want 409", code)
		}
		var extra core.ProjectKey
		if code := s.Do("POST", fmt.Sprintf("/api/admin/projects/%d/keys", p.ID), map[string]string{"label": "ci"}, &extra); code != 201 {
			t.Fatalf("create key: status %d, want 201", code)
		}

		s.Restart()

		var got Project
		if code := s.Do("GET", fmt.Sprintf("/api/admin/projects/%d", p.ID), nil, &got); code != 200 {
			t.Fatalf("get project after restart: status %d", code)
		}
		if got.Name != "backend" || len(got.Keys) != 2 || got.Keys[0].PublicKey != p.Keys[0].PublicKey {
			t.Fatalf("after restart got %+v, want backend with keys %s and %s", got, p.Keys[0].PublicKey, extra.PublicKey)
		}
		var list adminclient.ProjectList
		if code := s.Do("GET", "/api/admin/projects", nil, &list); code != 200 || len(list.Projects) != 1 {
			t.Fatalf("list projects: status %d, %d projects", code, len(list.Projects))
		}

		// The extra key works for ingestion, then stops at once when revoked.
		if code := sendMessage(t, extra.DSN, "before revoke"); code != 200 {
			t.Fatalf("ingest with a fresh key: status %d, want 200", code)
		}
		if code := s.Do("DELETE", fmt.Sprintf("/api/admin/projects/%d/keys/%s", p.ID, extra.PublicKey), nil, nil); code != 204 {
			t.Fatalf("revoke key: status %d, want 204", code)
		}
		if code := sendMessage(t, extra.DSN, "after revoke"); code != 403 {
			t.Fatalf("ingest with a revoked key: status %d, want 403", code)
		}
		if code := s.Do("DELETE", fmt.Sprintf("/api/admin/projects/%d/keys/%s", p.ID, extra.PublicKey), nil, nil); code != 404 {
			t.Fatalf("revoke twice: status %d, want 404", code)
		}
		s.Restart()
		if code := sendMessage(t, extra.DSN, "after restart"); code != 403 {
			t.Fatalf("revoked key after restart: status %d, want 403", code)
		}
		if code := s.Do("GET", fmt.Sprintf("/api/admin/projects/%d", p.ID), nil, &got); code != 200 || len(got.Keys) != 1 {
			t.Fatalf("after revoke the project lists %d keys, want 1", len(got.Keys))
		}
	})
}

// sendMessage posts a minimal store-endpoint event with the DSN's key.
func sendMessage(t *testing.T, dsn, msg string) int {
	t.Helper()
	m := dsnRE.FindStringSubmatch(dsn)
	if m == nil {
		t.Fatalf("bad DSN %q", dsn)
	}
	url := fmt.Sprintf("http://127.0.0.1:%s/api/%s/store/", m[2], m[3])
	req, _ := http.NewRequest("POST", url, strings.NewReader(fmt.Sprintf(`{"message":%q,"level":"info","platform":"go"}`, msg)))
	req.Header.Set("X-Sentry-Auth", "Sentry sentry_version=7, sentry_key="+m[1]+", sentry_client=itest/1.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestAdminAPIAuth(t *testing.T) {
	t.Parallel()
	s := StartServer(t, DB{Name: "sqlite"}, "")
	for _, h := range []string{"", "Bearer wrong", "Basic dGVzdA==", "Bearer " + s.Admin + "x"} {
		req, _ := http.NewRequest("GET", s.URL+"/api/admin/projects", nil)
		if h != "" {
			req.Header.Set("Authorization", h)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("Authorization %q: status %d, want 401", h, resp.StatusCode)
		}
	}
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if code := s.Do("POST", "/api/admin/projects", map[string]string{"nom": "x"}, &e); code != 400 || e.Error.Code != "invalid" {
		t.Errorf("unknown field: status %d code %q, want 400 invalid", code, e.Error.Code)
	}
	if code := s.Do("POST", "/api/admin/projects", map[string]string{"name": ""}, &e); code != 400 || !strings.Contains(e.Error.Message, "name") {
		t.Errorf("empty name: status %d message %q, want 400 naming name", code, e.Error.Message)
	}
	if code := s.Do("GET", "/api/admin/projects/999", nil, &e); code != 404 || e.Error.Code != "not_found" {
		t.Errorf("unknown project: status %d code %q, want 404 not_found", code, e.Error.Code)
	}
}

func TestAdminDisabledWithoutKey(t *testing.T) {
	t.Parallel()
	s := NewServer(t, DB{Name: "sqlite"}, "")
	s.Admin = ""
	for i, kv := range s.Env {
		if strings.HasPrefix(kv, "API_SECRET_KEY_ADMIN=") {
			s.Env[i] = "API_SECRET_KEY_ADMIN="
		}
	}
	s.Start()
	if code := s.Do("GET", "/api/admin/projects", nil, nil); code != 401 {
		t.Fatalf("status %d, want 401 when API_SECRET_KEY_ADMIN is empty", code)
	}
	if !strings.Contains(s.Logs(), "API_SECRET_KEY_ADMIN") {
		t.Fatalf("start-up log does not say why the admin API is disabled:\n%s", s.Logs())
	}
}

// TestStartupErrors: a bad configuration or an unreachable database stops
// start-up with a short message naming the problem and a non-zero exit.
func TestStartupErrors(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cases := []struct {
		name   string
		config string
		env    []string
		want   []string
	}{
		{"malformed yaml", "server:\n  port: [8000\n", nil, []string{"not valid YAML"}},
		{"unknown key", "server:\n  prot: 8000\ningest:\n  acks: all\n", nil, []string{"server.prot: unknown key", "ingest.acks: unknown key"}},
		{"bad value", "ingest:\n  ack: sometimes\n", []string{"PORT=99999"}, []string{"ingest.ack", "server.port"}},
		{"unreachable postgres", "", []string{"POSTGRES_ENABLED=true", "POSTGRES_HOST=127.0.0.1", "POSTGRES_PORT=1"}, []string{"Postgres", "127.0.0.1:1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := NewServer(t, DB{Name: "sqlite"}, tc.config)
			s.Env = append(s.Env, tc.env...)
			out, code := s.RunCLI(ctx, "serve")
			if code == 0 {
				t.Fatalf("exit code 0, want non-zero; output:\n%s", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output does not mention %q:\n%s", w, out)
				}
			}
			if lines := strings.Count(out, "\n"); lines > 25 {
				t.Errorf("error output is %d lines, want one screen:\n%s", lines, out)
			}
		})
	}
}

// TestProjectCreateCLI: a user gets a DSN without curl.
func TestProjectCreateCLI(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db DB) {
		s := NewServer(t, db, "")
		out, code := s.RunCLI(context.Background(), "project", "create", "--name", "cli-made")
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		m := regexp.MustCompile(`DSN: (\S+)`).FindStringSubmatch(out)
		if m == nil || !dsnRE.MatchString(m[1]) {
			t.Fatalf("output has no valid DSN:\n%s", out)
		}
		if !strings.Contains(out, "warning: no Periscope server answers") || !strings.Contains(out, "public URL "+s.URL) {
			t.Errorf("created without a server, but no warning naming the public URL %s:\n%s", s.URL, out)
		}
		s.Start()
		var list adminclient.ProjectList
		s.Do("GET", "/api/admin/projects", nil, &list)
		if len(list.Projects) != 1 || list.Projects[0].Name != "cli-made" || list.Projects[0].Keys[0].DSN != m[1] {
			t.Fatalf("server lists %+v, want the CLI's project with DSN %s", list.Projects, m[1])
		}
		// With the server running, the CLI goes through it.
		if out, code := s.RunCLI(context.Background(), "project", "create", "--name", "cli-made"); code != 8 || strings.Contains(out, "warning") {
			t.Fatalf("duplicate name through the server: exit %d, want 8 (conflict):\n%s", code, out)
		}
		if out, code := s.RunCLI(context.Background(), "project", "create", "--name", "cli-made-2"); code != 0 || strings.Contains(out, "warning") || !strings.Contains(out, "through the server at "+s.URL) {
			t.Fatalf("create with the server running: exit %d:\n%s", code, out)
		}
	})
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	s := StartServer(t, DB{Name: "sqlite"}, "")
	for _, p := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(s.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: status %d, want 200", p, resp.StatusCode)
		}
	}
}
