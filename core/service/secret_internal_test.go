package service

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/periscope-hq/periscope/core"
)

func TestIsSecret(t *testing.T) {
	for _, c := range []struct {
		plugin, parent, key string
		want                bool
	}{
		// The documented config keys of the shipped plugins.
		{"webhook", "", "secret", true},
		{"webhook", "", "url", false},
		{"webhook", "", "headers", false},
		{"webhook", "", "timeout", false},
		{"slack", "", "url", true},
		{"slack", "", "URL", true},
		{"/opt/periscope/periscope-plugin-slack", "", "url", true},
		{"slack", "", "timeout", false},
		{"slack", "target", "url", false}, // only the top-level url is the webhook
		{"email", "", "password", true},
		{"email", "", "username", false},
		{"email", "", "host", false},
		{"email", "", "to", false},
		// Names and suffixes, any case, any plugin.
		{"jsonl", "", "Secret", true},
		{"jsonl", "", "client_secret", true},
		{"jsonl", "", "smtp_password", true},
		{"jsonl", "", "PASSWD", true},
		{"jsonl", "", "token", true},
		{"jsonl", "", "access_token", true},
		{"jsonl", "", "api_key", true},
		{"jsonl", "", "ApiKey", true},
		{"jsonl", "", "x-api-key", true},
		{"jsonl", "", "private_key", true},
		{"jsonl", "", "authorization", true},
		{"jsonl", "auth", "password", true},
		{"jsonl", "", "path", false},
		{"jsonl", "", "tokens_used", false},
		{"jsonl", "", "key", false},
		{"jsonl", "", "url", false},
		// Header names.
		{"webhook", "headers", "Authorization", true},
		{"webhook", "headers", "Proxy-Authorization", true},
		{"webhook", "headers", "X-Api-Key", true},
		{"webhook", "headers", "X-Auth-Token", true},
		{"webhook", "headers", "X-Hook-Secret", true},
		{"webhook", "headers", "Cookie", true},
		{"slack", "headers", "authorization", true},
		{"webhook", "headers", "X-Team", false},
		{"webhook", "headers", "Content-Type", false},
		{"webhook", "headers", "url", false},
	} {
		if got := isSecret(c.plugin, c.parent, c.key); got != c.want {
			t.Errorf("isSecret(%q, %q, %q) = %v, want %v", c.plugin, c.parent, c.key, got, c.want)
		}
	}
}

// decode turns JSON into a config as the API and the stores see it.
func decode(tb testing.TB, s string) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		tb.Fatal(err)
	}
	return m
}

func TestMaskConfig(t *testing.T) {
	for _, c := range []struct {
		name, plugin, config, want string
	}{
		{"Webhook", "webhook",
			`{"url": "https://h.example.com/x", "secret": "s3", "headers": {"Authorization": "Bearer t", "X-Team": "blue"}, "timeout": "5s"}`,
			`{"url": "https://h.example.com/x", "secret": "********", "headers": {"Authorization": "********", "X-Team": "blue"}, "timeout": "5s"}`},
		{"Slack", "slack",
			`{"url": "https://hooks.slack.com/services/T/B/X", "headers": {"X-Team": "blue"}}`,
			`{"url": "********", "headers": {"X-Team": "blue"}}`},
		{"Email", "email",
			`{"host": "smtp.example.com", "port": 587, "username": "u", "password": "p", "to": ["a@example.com"]}`,
			`{"host": "smtp.example.com", "port": 587, "username": "u", "password": "********", "to": ["a@example.com"]}`},
		{"UnsetSecretsStayUnset", "webhook",
			`{"url": "https://h.example.com/x", "secret": "", "token": null}`,
			`{"url": "https://h.example.com/x", "secret": "", "token": null}`},
		{"NestedAndNonString", "custom",
			`{"auth": {"api_key": "k", "user": "u"}, "token": {"a": 1}, "pin_token": 1234}`,
			`{"auth": {"api_key": "********", "user": "u"}, "token": "********", "pin_token": "********"}`},
		{"Nil", "webhook", `null`, `null`},
	} {
		t.Run(c.name, func(t *testing.T) {
			config := decode(t, c.config)
			got := maskConfig(c.plugin, config)
			if want := decode(t, c.want); !reflect.DeepEqual(got, want) {
				t.Errorf("masked %v, want %v", got, want)
			}
			if again := decode(t, c.config); !reflect.DeepEqual(config, again) {
				t.Errorf("maskConfig changed its argument: %v", config)
			}
		})
	}
}

func TestUnmaskConfig(t *testing.T) {
	stored := `{"url": "https://h.example.com/x", "secret": "s3", "headers": {"Authorization": "Bearer t", "X-Team": "blue"}, "auth": {"token": "nested"}}`
	for _, c := range []struct {
		name, sent, want, field string
	}{
		{"AsRead",
			`{"url": "https://h.example.com/x", "secret": "********", "headers": {"Authorization": "********", "X-Team": "blue"}, "auth": {"token": "********"}}`,
			stored, ""},
		{"OtherFieldsChanged",
			`{"url": "https://h.example.com/y", "secret": "********", "headers": {"authorization": "********"}}`,
			`{"url": "https://h.example.com/y", "secret": "s3", "headers": {"authorization": "Bearer t"}}`, ""},
		{"NewSecret", `{"url": "https://h.example.com/x", "secret": "s4"}`, `{"url": "https://h.example.com/x", "secret": "s4"}`, ""},
		{"SecretDropped", `{"url": "https://h.example.com/x"}`, `{"url": "https://h.example.com/x"}`, ""},
		{"MaskAtAPlainKey", `{"url": "********"}`, `{"url": "********"}`, ""},
		{"MaskWithNothingStored", `{"url": "https://h.example.com/x", "password": "********"}`, "", "config.password"},
		{"MaskOfANewHeader", `{"url": "https://h.example.com/x", "headers": {"X-Api-Key": "********"}}`, "", "config.headers.X-Api-Key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := unmaskConfig("webhook", decode(t, c.sent), decode(t, stored))
			if c.field != "" {
				var e *core.Error
				if !errors.As(err, &e) || e.Code != core.EINVALID || e.Field != c.field {
					t.Fatalf("got %v, %v; want EINVALID naming %s", got, err, c.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := decode(t, c.want); !reflect.DeepEqual(got, want) {
				t.Errorf("unmasked %v, want %v", got, want)
			}
		})
	}
	if _, err := unmaskConfig("webhook", decode(t, `{"secret": "********"}`), nil); core.ErrorCode(err) != core.EINVALID {
		t.Errorf("a mask on create: %v, want EINVALID", err)
	}
}
