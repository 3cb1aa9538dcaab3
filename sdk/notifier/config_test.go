package notifier

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func fieldOf(err error) string {
	if ce := AsConfigError(err); ce != nil {
		return ce.Field
	}
	return ""
}

func TestConfigGetters(t *testing.T) {
	c, err := ParseConfig([]byte(`{"s":"x","empty":"","b":true,"n":3,"f":1.5,"d":"1m30s","ds":20,
		"m":{"A":"1","B":"2"},"mbad":{"A":1},"l":["a","b"],"lbad":["a",2],"csv":" a, b ,,c "}`))
	if err != nil {
		t.Fatal(err)
	}
	if v, err := c.String("s", true); v != "x" || err != nil {
		t.Errorf("String(s) = %q, %v", v, err)
	}
	if _, err := c.String("empty", true); fieldOf(err) != "empty" {
		t.Errorf("String(empty, required) = %v", err)
	}
	if v, err := c.String("missing", false); v != "" || err != nil {
		t.Errorf("String(missing) = %q, %v", v, err)
	}
	if _, err := c.String("n", false); fieldOf(err) != "n" {
		t.Errorf("String(n) = %v", err)
	}
	if v, err := c.Bool("b"); !v || err != nil {
		t.Errorf("Bool(b) = %v, %v", v, err)
	}
	if _, err := c.Bool("s"); fieldOf(err) != "s" {
		t.Errorf("Bool(s) = %v", err)
	}
	if v, err := c.Int("n", 0); v != 3 || err != nil {
		t.Errorf("Int(n) = %v, %v", v, err)
	}
	if v, err := c.Int("missing", 7); v != 7 || err != nil {
		t.Errorf("Int(missing) = %v, %v", v, err)
	}
	if _, err := c.Int("f", 0); fieldOf(err) != "f" {
		t.Errorf("Int(1.5) = %v", err)
	}
	if v, err := c.Duration("d", 0); v != 90*time.Second || err != nil {
		t.Errorf("Duration(d) = %v, %v", v, err)
	}
	if v, err := c.Duration("ds", 0); v != 20*time.Second || err != nil {
		t.Errorf("Duration(seconds) = %v, %v", v, err)
	}
	if _, err := c.Duration("s", 0); fieldOf(err) != "s" {
		t.Errorf("Duration(x) = %v", err)
	}
	if v, err := c.StringMap("m"); !reflect.DeepEqual(v, map[string]string{"A": "1", "B": "2"}) || err != nil {
		t.Errorf("StringMap(m) = %v, %v", v, err)
	}
	if _, err := c.StringMap("mbad"); fieldOf(err) != "mbad.A" {
		t.Errorf("StringMap(mbad) = %v", err)
	}
	if v, err := c.StringList("l"); !reflect.DeepEqual(v, []string{"a", "b"}) || err != nil {
		t.Errorf("StringList(l) = %v, %v", v, err)
	}
	if _, err := c.StringList("lbad"); fieldOf(err) != "lbad[1]" {
		t.Errorf("StringList(lbad) = %v", err)
	}
	if v, err := c.StringList("csv"); !reflect.DeepEqual(v, []string{"a", "b", "c"}) || err != nil {
		t.Errorf("StringList(csv) = %v, %v", v, err)
	}
	// YAML decoders give int, not float64.
	if v, err := (Config{"n": 4}).Int("n", 0); v != 4 || err != nil {
		t.Errorf("Int(int) = %v, %v", v, err)
	}
}

func TestCheckKeys(t *testing.T) {
	c := Config{"url": "x", AllowPrivateNetworksKey: true, "zzz": 1, "aaa": 2}
	err := c.CheckKeys("url")
	if fieldOf(err) != "aaa" || !strings.Contains(err.Error(), "unknown field") {
		t.Errorf("CheckKeys = %v, want the first unknown key, aaa", err)
	}
	if err := (Config{"url": "x", AllowPrivateNetworksKey: true}).CheckKeys("url"); err != nil {
		t.Errorf("the reserved key is refused: %v", err)
	}
}

func TestParseConfigRejectsNonObjects(t *testing.T) {
	for _, in := range []string{`[1]`, `"x"`, `{`} {
		if _, err := ParseConfig([]byte(in)); AsConfigError(err) == nil {
			t.Errorf("ParseConfig(%s) = %v, want a ConfigError", in, err)
		}
	}
	if c, err := ParseConfig(nil); err != nil || len(c) != 0 {
		t.Errorf("ParseConfig(nil) = %v, %v", c, err)
	}
}

func TestErrorMarks(t *testing.T) {
	base := errors.New("x")
	if Permanent(nil) != nil || RetryAfter(nil, time.Second) != nil {
		t.Error("marking nil must give nil")
	}
	if IsPermanent(base) || !IsPermanent(Permanent(base)) || !IsPermanent(FieldError("f", "bad")) {
		t.Error("IsPermanent misclassifies")
	}
	if !errors.Is(Permanent(base), base) || !errors.Is(RetryAfter(base, time.Second), base) {
		t.Error("marks must unwrap to the original error")
	}
	if d, ok := RetryAfterOf(RetryAfter(base, 3*time.Second)); !ok || d != 3*time.Second {
		t.Errorf("RetryAfterOf = %v, %v", d, ok)
	}
}
