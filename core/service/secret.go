package service

import (
	"path/filepath"
	"strings"

	"github.com/periscope-hq/periscope/core"
)

// SecretMask stands for a secret value of a destination's config in every
// answer of the destination use cases (and so of the admin API). An update
// that sends it back under the same key keeps the stored value; it is
// never stored itself.
const SecretMask = "********"

// secretKeySuffixes end the config keys (compared in lower case) whose
// values are secrets, in any plugin's config and in its nested objects.
var secretKeySuffixes = []string{"secret", "password", "passwd", "token", "api_key", "apikey", "api-key", "private_key", "authorization"}

// secretHeaderWords, in a header name of a config's "headers" object
// (compared in lower case), make that header's value a secret.
var secretHeaderWords = []string{"authorization", "token", "key", "secret", "password", "cookie"}

// isSecret is the one rule for which config values the admin API masks:
// plugin is the destination's plugin (a name or a path), parent the key of
// the object holding key ("" at the top of the config, "headers" for HTTP
// headers). A value is secret when
//   - its key is or ends in secret, password, passwd, token, api_key,
//     apikey, api-key, private_key or authorization (any case, any depth);
//   - it is a header of a "headers" object whose name contains
//     authorization, token, key, secret, password or cookie;
//   - it is the top-level "url" of the slack plugin (the incoming-webhook
//     URL is the credential).
func isSecret(plugin, parent, key string) bool {
	k := strings.ToLower(key)
	if parent == "headers" {
		for _, w := range secretHeaderWords {
			if strings.Contains(k, w) {
				return true
			}
		}
		return false
	}
	if parent == "" && k == "url" && pluginName(plugin) == "slack" {
		return true
	}
	for _, s := range secretKeySuffixes {
		if strings.HasSuffix(k, s) {
			return true
		}
	}
	return false
}

// pluginName is the short name of a plugin given by name or path
// ("/opt/periscope-plugin-slack" is "slack"; core/notify names the files).
func pluginName(plugin string) string {
	return strings.TrimPrefix(filepath.Base(plugin), "periscope-plugin-")
}

// maskConfig returns a copy of config with every secret value that is set
// (not null, not "") replaced by SecretMask. config is not changed.
func maskConfig(plugin string, config map[string]any) map[string]any {
	return maskObject(plugin, "", config)
}

func maskObject(plugin, parent string, obj map[string]any) map[string]any {
	if obj == nil {
		return nil
	}
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		switch {
		case isSecret(plugin, parent, k):
			if v != nil && v != "" {
				v = SecretMask
			}
		default:
			if m, ok := v.(map[string]any); ok {
				v = maskObject(plugin, k, m)
			}
		}
		out[k] = v
	}
	return out
}

// MaskSecrets returns a copy of d whose config is masked: what every
// destination use case answers with. d is not changed.
func MaskSecrets(d *core.Destination) *core.Destination {
	if d == nil {
		return nil
	}
	c := *d
	c.Config = maskConfig(d.Plugin, d.Config)
	return &c
}

// unmaskConfig returns sent with every SecretMask at a secret key replaced
// by the value stored at the same key (a header name also matches in
// another case), so that a client may send back a config as it read it.
// stored is nil on create. A mask with no stored value behind it is
// EINVALID naming the field: the mask is never stored.
func unmaskConfig(plugin string, sent, stored map[string]any) (map[string]any, error) {
	return unmaskObject(plugin, "", "config", sent, stored)
}

func unmaskObject(plugin, parent, field string, sent, stored map[string]any) (map[string]any, error) {
	if sent == nil {
		return nil, nil
	}
	out := make(map[string]any, len(sent))
	for k, v := range sent {
		name := field + "." + k
		switch {
		case isSecret(plugin, parent, k):
			if v == SecretMask {
				old, ok := lookup(stored, k, parent == "headers")
				if !ok || old == nil || old == "" {
					return nil, core.FieldErrorf(name, "%s is the mask of a secret, and there is no stored value to keep: send the secret itself", SecretMask)
				}
				v = old
			}
		default:
			if m, ok := v.(map[string]any); ok {
				old, _ := lookup(stored, k, false)
				om, _ := old.(map[string]any)
				var err error
				if v, err = unmaskObject(plugin, k, name, m, om); err != nil {
					return nil, err
				}
			}
		}
		out[k] = v
	}
	return out, nil
}

// lookup returns obj[key], or with fold the value of a key equal to key in
// any case when there is no exact one.
func lookup(obj map[string]any, key string, fold bool) (any, bool) {
	if v, ok := obj[key]; ok {
		return v, true
	}
	if fold {
		for k, v := range obj {
			if strings.EqualFold(k, key) {
				return v, true
			}
		}
	}
	return nil, false
}
