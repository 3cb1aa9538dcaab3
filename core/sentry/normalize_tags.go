package sentry

import (
	"strings"

	"github.com/periscope-hq/periscope/core"
)

// reservedTags are promoted fields that Relay removes from tags.
var reservedTags = map[string]bool{"release": true, "dist": true, "user": true, "filename": true, "function": true}

// tags reads tags as an object or a list of pairs, applies §6.2 (keys
// trimmed, spaces → "-", charset, lengths, first duplicate wins, reserved
// keys dropped), promotes "environment" into the field and adds the
// server_name tag.
func (n *normalizer) tags(i int) []core.Tag {
	t, ev := n.t, n.ev
	var out []core.Tag
	if !t.isNull(i) {
		out = make([]core.Tag, 0, t.nodes[i].n+1)
	}
	add := func(k, v string) {
		k = strings.TrimSpace(k)
		if strings.IndexByte(k, ' ') >= 0 {
			k = strings.ReplaceAll(k, " ", "-")
		}
		if !ValidTagKey(k) {
			n.invalid("tags." + k)
			return
		}
		v = strings.TrimSpace(v)
		if v == "" {
			return
		}
		if strings.ContainsAny(v, "\r\n") {
			n.invalid("tags." + k)
			return
		}
		if cut, ok := truncate(v, 200, 0); ok {
			v = cut
			n.note("trimmed: tags." + k)
		}
		switch {
		case k == "environment":
			if ev.Environment == "" {
				ev.Environment = n.environment(v)
			}
			return
		case reservedTags[k]:
			return
		}
		for _, have := range out {
			if have.Key == k {
				return
			}
		}
		out = append(out, core.Tag{Key: k, Value: v})
	}
	switch t.kind(i) {
	case jNull:
	case jObject:
		t.children(i, func(c int) {
			if v, ok := t.scalar(c); ok {
				add(t.nodes[c].key, v)
			} else if !t.isNull(c) {
				n.invalid("tags." + t.nodes[c].key)
			}
		})
	case jArray:
		t.children(i, func(c int) {
			if t.kind(c) != jArray || t.nodes[c].n != 2 {
				if !t.isNull(c) {
					n.invalid("tags")
				}
				return
			}
			k, okK := t.scalar(c + 1)
			v, okV := t.scalar(int(t.nodes[c+1].next))
			if !okK || !okV {
				if !t.isNull(int(t.nodes[c+1].next)) {
					n.invalid("tags")
				}
				return
			}
			add(k, v)
		})
	default:
		n.invalid("tags")
	}
	if ev.ServerName != "" {
		found := false
		for _, have := range out {
			found = found || have.Key == "server_name"
		}
		if !found {
			out = append(out, core.Tag{Key: "server_name", Value: ev.ServerName})
		}
	} else {
		for _, have := range out {
			if have.Key == "server_name" {
				ev.ServerName = have.Value
				break
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// ValidTagKey reports whether ingestion keeps a tag key: 1–200 characters
// of a-zA-Z0-9_.:- (search refuses the others, which no event can hold).
func ValidTagKey(k string) bool {
	if k == "" || len(k) > 200 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}
