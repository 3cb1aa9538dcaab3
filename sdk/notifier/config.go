package notifier

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// AllowPrivateNetworksKey is a reserved config key that the host sets on
// every plugin's config from its own configuration
// (notify.allow_private_networks). Plugins that send HTTP pass
// Config.AllowPrivateNetworks to sdk/httpclient; no user-supplied value
// survives, the host overwrites it.
const AllowPrivateNetworksKey = "allow_private_networks"

// AllowPrivateHostsKey is a reserved config key that the host sets on every
// plugin's config from notify.allow_private_hosts: the operator's list of
// internal addresses ("IP", "IP:port" or a CIDR prefix) a plugin may reach
// although they are loopback, private or link-local, such as a local SMTP
// relay. The host sets it only when the operator configured a list and
// drops any value a destination carries, so no user-supplied value
// survives.
// Plugins pass Config.AllowPrivateHosts to httpclient.ParseAllowList.
const AllowPrivateHostsKey = "allow_private_hosts"

// Config is a destination's plugin configuration as decoded from YAML or
// JSON: strings, bools, float64 or int numbers, []any and map[string]any.
// The getters return a *ConfigError naming the key when a value has the
// wrong type, so Validate can be a list of getter calls.
type Config map[string]any

// ParseConfig decodes a JSON object into a Config; "null" and empty input
// give an empty Config.
func ParseConfig(data []byte) (Config, error) {
	c := Config{}
	if len(data) == 0 || string(data) == "null" {
		return c, nil
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, &ConfigError{Message: "config must be a JSON object: " + err.Error()}
	}
	return c, nil
}

// String returns the string at key. A missing key or "" is an error when
// required, "" otherwise.
func (c Config) String(key string, required bool) (string, error) {
	v, ok := c[key]
	if !ok || v == nil {
		if required {
			return "", FieldError(key, "is required")
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", FieldError(key, "must be a string")
	} else if required && strings.TrimSpace(s) == "" {
		return "", FieldError(key, "is required")
	}
	return s, nil
}

// Bool returns the bool at key, false when missing.
func (c Config) Bool(key string) (bool, error) {
	v, ok := c[key]
	if !ok || v == nil {
		return false, nil
	}
	b, ok := v.(bool)
	if !ok {
		return false, FieldError(key, "must be true or false")
	}
	return b, nil
}

// Int returns the integer at key, def when missing.
func (c Config) Int(key string, def int) (int, error) {
	v, ok := c[key]
	if !ok || v == nil {
		return def, nil
	}
	switch n := v.(type) {
	case int:
		return n, nil
	case int64:
		return int(n), nil
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int(n), nil
		}
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return int(i), nil
		}
	}
	return 0, FieldError(key, "must be an integer")
}

// Duration returns the duration at key, def when missing. It accepts a Go
// duration string ("10s", "1m30s") or a number of seconds.
func (c Config) Duration(key string, def time.Duration) (time.Duration, error) {
	v, ok := c[key]
	if !ok || v == nil {
		return def, nil
	}
	if s, ok := v.(string); ok {
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, FieldError(key, "must be a duration such as \"10s\"")
		}
		return d, nil
	}
	secs, err := c.Int(key, 0)
	if err != nil {
		return 0, FieldError(key, "must be a duration such as \"10s\" or a number of seconds")
	}
	return time.Duration(secs) * time.Second, nil
}

// StringMap returns the object of strings at key, nil when missing. A bad
// entry is reported as "key.name".
func (c Config) StringMap(key string) (map[string]string, error) {
	v, ok := c[key]
	if !ok || v == nil {
		return nil, nil
	}
	var m map[string]string
	switch o := v.(type) {
	case map[string]string:
		m = o
	case map[string]any:
		m = make(map[string]string, len(o))
		for _, k := range sortedKeys(o) {
			s, ok := o[k].(string)
			if !ok {
				return nil, FieldError(key+"."+k, "must be a string")
			}
			m[k] = s
		}
	default:
		return nil, FieldError(key, "must be an object of strings")
	}
	return m, nil
}

// StringList returns the list of strings at key, nil when missing. A single
// string is split on commas. A bad entry is reported as "key[i]".
func (c Config) StringList(key string) ([]string, error) {
	v, ok := c[key]
	if !ok || v == nil {
		return nil, nil
	}
	var out []string
	switch l := v.(type) {
	case string:
		for _, s := range strings.Split(l, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	case []string:
		out = l
	case []any:
		for i, e := range l {
			s, ok := e.(string)
			if !ok {
				return nil, FieldError(indexed(key, i), "must be a string")
			}
			out = append(out, s)
		}
	default:
		return nil, FieldError(key, "must be a list of strings")
	}
	return out, nil
}

// CheckKeys returns a *ConfigError for the first key (in sorted order) that
// is neither in known nor reserved (AllowPrivateNetworksKey,
// AllowPrivateHostsKey), so typos do
// not pass silently.
func (c Config) CheckKeys(known ...string) error {
	for _, k := range sortedKeys(c) {
		if k == AllowPrivateNetworksKey || k == AllowPrivateHostsKey {
			continue
		}
		found := false
		for _, kn := range known {
			found = found || k == kn
		}
		if !found {
			return FieldError(k, "unknown field (known: %s)", strings.Join(known, ", "))
		}
	}
	return nil
}

// AllowPrivateNetworks reports whether the host allows this plugin to
// connect to loopback, private and link-local addresses.
func (c Config) AllowPrivateNetworks() bool {
	b, _ := c[AllowPrivateNetworksKey].(bool)
	return b
}

// AllowPrivateHosts returns the operator's allow-list of internal
// addresses (AllowPrivateHostsKey); entries that are not strings are
// returned as "" so that parsing them fails.
func (c Config) AllowPrivateHosts() []string {
	switch v := c[AllowPrivateHostsKey].(type) {
	case []string:
		return v
	case []any:
		out := make([]string, len(v))
		for i, e := range v {
			out[i], _ = e.(string)
		}
		return out
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func indexed(key string, i int) string {
	return key + "[" + strconv.Itoa(i) + "]"
}
