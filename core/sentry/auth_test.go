package sentry

import (
	"encoding/base64"
	"testing"

	"github.com/periscope-hq/periscope/core"
)

const testKey = "0123456789abcdef0123456789abcdef"

func TestParseAuth(t *testing.T) {
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(testKey+":s3cret"))
	tests := []struct {
		name              string
		xsa, authz, query string
		want              Auth
		found             bool
		code              string // expected error code, "" for none
	}{
		{name: "none", found: false},
		{name: "x-sentry-auth go order", xsa: "Sentry sentry_version=7, sentry_client=sentry.go/0.46.2, sentry_key=" + testKey,
			want: Auth{PublicKey: testKey, Client: "sentry.go/0.46.2", Version: "7", Source: SourceXSentryAuth}, found: true},
		{name: "x-sentry-auth key first with secret", xsa: "Sentry sentry_key=" + testKey + ", sentry_secret=abc, sentry_version=7",
			want: Auth{PublicKey: testKey, Secret: "abc", Version: "7", Source: SourceXSentryAuth}, found: true},
		{name: "cocoa no spaces", xsa: "Sentry sentry_key=" + testKey + ",sentry_version=7,sentry_secret=(null)",
			want: Auth{PublicKey: testKey, Secret: "(null)", Version: "7", Source: SourceXSentryAuth}, found: true},
		{name: "lowercase prefix and extra spaces", xsa: "  sentry   sentry_key = " + testKey + " ,  sentry_client = raven-python/6.0 ",
			want: Auth{PublicKey: testKey, Client: "raven-python/6.0", Version: "7", Source: SourceXSentryAuth}, found: true},
		{name: "no prefix", xsa: "sentry_key=" + testKey,
			want: Auth{PublicKey: testKey, Version: "7", Source: SourceXSentryAuth}, found: true},
		{name: "unknown keys ignored and version 7.0", xsa: "Sentry sentry_timestamp=1714564800, sentry_key=" + testKey + ", foo=bar, sentry_version=7.0",
			want: Auth{PublicKey: testKey, Version: "7.0", Source: SourceXSentryAuth}, found: true},
		{name: "old version accepted", xsa: "Sentry sentry_key=" + testKey + ", sentry_version=5",
			want: Auth{PublicKey: testKey, Version: "5", Source: SourceXSentryAuth}, found: true},
		{name: "key flag suffix stripped", xsa: "Sentry sentry_key=" + testKey + ".no-cache",
			want: Auth{PublicKey: testKey, Version: "7", Source: SourceXSentryAuth}, found: true},
		{name: "authorization sentry", authz: "Sentry sentry_key=" + testKey + ", sentry_version=7",
			want: Auth{PublicKey: testKey, Version: "7", Source: SourceAuthorization}, found: true},
		{name: "authorization bearer is not auth", authz: "Bearer abc", found: false},
		{name: "basic", authz: basic,
			want: Auth{PublicKey: testKey, Secret: "s3cret", Version: "7", Source: SourceBasic}, found: true},
		{name: "basic without secret", authz: "basic " + base64.StdEncoding.EncodeToString([]byte(testKey)),
			want: Auth{PublicKey: testKey, Version: "7", Source: SourceBasic}, found: true},
		{name: "basic bad base64", authz: "Basic !!!", found: true, code: core.EUNAUTHORIZED},
		{name: "query browser", query: "sentry_version=7&sentry_key=" + testKey + "&sentry_client=sentry.javascript.browser%2F8.1.0",
			want: Auth{PublicKey: testKey, Client: "sentry.javascript.browser/8.1.0", Version: "7", Source: SourceQuery}, found: true},
		{name: "query without sentry_key is no auth", query: "sentry_environment=prod&x=1", found: false},
		{name: "query unrelated", query: "a=b", found: false},
		{name: "query empty key", query: "sentry_key=&sentry_version=7", found: true, code: core.EUNAUTHORIZED},
		{name: "header and query", xsa: "Sentry sentry_key=" + testKey, query: "sentry_key=" + testKey, found: true, code: core.EUNAUTHORIZED},
		{name: "header and authorization", xsa: "Sentry sentry_key=" + testKey, authz: basic, found: true, code: core.EUNAUTHORIZED},
		{name: "authorization and query", authz: "Sentry sentry_key=" + testKey, query: "sentry_key=" + testKey, found: true, code: core.EUNAUTHORIZED},
		{name: "missing key", xsa: "Sentry sentry_version=7, sentry_client=x", found: true, code: core.EUNAUTHORIZED},
		{name: "empty key", xsa: "Sentry sentry_key=, sentry_version=7", found: true, code: core.EUNAUTHORIZED},
		{name: "garbage header", xsa: "Sentry garbage", found: true, code: core.EUNAUTHORIZED},
		{name: "version too new", xsa: "Sentry sentry_key=" + testKey + ", sentry_version=8", found: true, code: core.EINVALID},
		{name: "version not a number", xsa: "Sentry sentry_key=" + testKey + ", sentry_version=seven", found: true, code: core.EUNAUTHORIZED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, found, err := ParseAuth(tt.xsa, tt.authz, tt.query)
			if found != tt.found {
				t.Errorf("found = %v, want %v", found, tt.found)
			}
			if code := core.ErrorCode(err); code != tt.code {
				t.Fatalf("error = %v (code %q), want code %q", err, code, tt.code)
			}
			if err == nil && got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseAuthMultipleMessage(t *testing.T) {
	_, _, err := ParseAuth("Sentry sentry_key=a", "Sentry sentry_key=a", "")
	if got := core.ErrorMessage(err); got != "multiple authorization payloads detected" {
		t.Errorf("message = %q", got)
	}
}

func TestParseDSN(t *testing.T) {
	tests := []struct {
		dsn  string
		key  string
		pid  int64
		fail bool
	}{
		{dsn: "https://" + testKey + "@o1.ingest.example.com/42", key: testKey, pid: 42},
		{dsn: "http://" + testKey + ":secret@127.0.0.1:8000/7", key: testKey, pid: 7},
		{dsn: "https://" + testKey + "@example.com/sentry/prefix/42", key: testKey, pid: 42},
		{dsn: "https://" + testKey + "@example.com/42/", key: testKey, pid: 42},
		{dsn: "https://" + testKey + ".flag@example.com/42", key: testKey, pid: 42},
		{dsn: "https://example.com/42", fail: true},
		{dsn: "ftp://" + testKey + "@example.com/42", fail: true},
		{dsn: "https://" + testKey + "@example.com/", fail: true},
		{dsn: "https://" + testKey + "@example.com/abc", fail: true},
		{dsn: "https://" + testKey + "@/42", fail: true},
		{dsn: "::not a url", fail: true},
	}
	for _, tt := range tests {
		key, pid, err := ParseDSN(tt.dsn)
		if tt.fail {
			if core.ErrorCode(err) != core.EINVALID {
				t.Errorf("ParseDSN(%q) = %q, %d, %v; want EINVALID", tt.dsn, key, pid, err)
			}
			continue
		}
		if err != nil || key != tt.key || pid != tt.pid {
			t.Errorf("ParseDSN(%q) = %q, %d, %v; want %q, %d", tt.dsn, key, pid, err, tt.key, tt.pid)
		}
	}
}

func TestEnvelopeAuth(t *testing.T) {
	a, pid, err := EnvelopeAuth([]byte(`{"event_id":"x","dsn":"https://` + testKey + `@h/42"}` + "\n{\"type\":\"event\"}\n{}"))
	if err != nil || a.PublicKey != testKey || pid != 42 || a.Source != SourceEnvelope {
		t.Errorf("EnvelopeAuth = %+v, %d, %v", a, pid, err)
	}
	for _, body := range []string{"", "not json\n", `{"event_id":"x"}` + "\n", `{"dsn":"https://h/42"}`, `["dsn"]`} {
		if _, _, err := EnvelopeAuth([]byte(body)); core.ErrorCode(err) != core.EUNAUTHORIZED {
			t.Errorf("EnvelopeAuth(%q) error = %v, want EUNAUTHORIZED", body, err)
		}
	}
}
