package sentry

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"

	"github.com/periscope-hq/periscope/core"
)

// Event builds the event JSON of a minidump upload: a fatal native crash
// with a synthetic "Minidump" exception (the minidump is not symbolicated),
// then, each over the previous, the event sentry-native attached as
// msgpack (__sentry-event), the "sentry" JSON field, the "sentry[a][b]"
// fields, and any other plain field under extra. It returns the payload and
// its event id (the SDK's when it sent a valid one, else a new one). A
// "sentry" field that is not a JSON object is EINVALID, a payload over
// limit bytes ETOOLARGE. sentry-native files that do not decode are moved
// to Attachments, so Event changes up.
func (up *MinidumpUpload) Event(limit int64) ([]byte, string, error) {
	ev := map[string]any{
		"platform": "native",
		"level":    "fatal",
		"exception": map[string]any{"values": []any{map[string]any{
			"type":      "Minidump",
			"value":     "crash report (symbolication not available)",
			"mechanism": map[string]any{"type": "minidump", "handled": false, "synthetic": true},
		}}},
	}
	if native := up.nativeEvent(); native != nil {
		deepMerge(ev, native)
	}
	frag := up.Fragment
	if frag == nil && len(up.Chunks) > 0 {
		keys := make([]int, 0, len(up.Chunks))
		for k := range up.Chunks {
			keys = append(keys, k)
		}
		sort.Ints(keys)
		var b strings.Builder
		for _, k := range keys {
			b.WriteString(up.Chunks[k])
		}
		frag = []byte(b.String())
	}
	if len(bytes.TrimSpace(frag)) > 0 {
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(frag))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil || m == nil {
			return nil, "", core.Errorf(core.EINVALID, "invalid event data: the sentry field is not a JSON object")
		}
		deepMerge(ev, m)
	}
	for _, kv := range up.Nested {
		path, ok := bracketPath(kv[0])
		if !ok {
			up.Extra = append(up.Extra, kv)
			continue
		}
		setPath(ev, path, kv[1])
	}
	if len(up.Extra) > 0 {
		extra, _ := ev["extra"].(map[string]any)
		if extra == nil {
			extra = map[string]any{}
			ev["extra"] = extra
		}
		for _, kv := range up.Extra {
			if _, ok := extra[kv[0]]; !ok {
				extra[kv[0]] = kv[1]
			}
		}
	}
	id, _ := ev["event_id"].(string)
	if id = NormalizeEventID(id); id == "" {
		id = NewEventID()
	}
	ev["event_id"] = id
	payload, err := json.Marshal(ev)
	if err != nil {
		return nil, "", core.Errorf(core.EINVALID, "invalid event data: %v", err)
	}
	if int64(len(payload)) > limit {
		return nil, "", core.Errorf(core.ETOOLARGE, "envelope exceeded size limits for type 'event' (https://develop.sentry.dev/sdk/envelopes/#size-limits)")
	}
	return payload, id, nil
}

// deepMerge copies src into dst: objects merge key by key, any other value
// replaces what dst held.
func deepMerge(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				deepMerge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

// bracketPath splits "sentry[tags][foo]" into ["tags", "foo"].
func bracketPath(name string) ([]string, bool) {
	rest, ok := strings.CutPrefix(name, "sentry")
	if !ok || rest == "" {
		return nil, false
	}
	var path []string
	for rest != "" {
		if rest[0] != '[' {
			return nil, false
		}
		end := strings.IndexByte(rest, ']')
		if end <= 1 {
			return nil, false
		}
		path = append(path, rest[1:end])
		rest = rest[end+1:]
	}
	return path, len(path) <= 16
}

// setPath sets ev[path...] = value, turning what is in the way into
// objects; a list of [key, value] pairs (tags) becomes an object first.
func setPath(ev map[string]any, path []string, value string) {
	m := ev
	for _, k := range path[:len(path)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = pairsToObject(m[k])
			m[k] = next
		}
		m = next
	}
	m[path[len(path)-1]] = value
}

// pairsToObject turns [["k", "v"], ...] into {"k": "v"}; anything else
// gives an empty object.
func pairsToObject(v any) map[string]any {
	out := map[string]any{}
	list, _ := v.([]any)
	for _, p := range list {
		if kv, ok := p.([]any); ok && len(kv) == 2 {
			if k, ok := kv[0].(string); ok {
				out[k] = kv[1]
			}
		}
	}
	return out
}

// maxNativeBreadcrumbs is how many breadcrumbs an event keeps, as
// sentry-native's default max_breadcrumbs.
const maxNativeBreadcrumbs = 100

// nativeEvent decodes the event sentry-native attached as msgpack
// (__sentry-event) and adds the breadcrumbs of __sentry-breadcrumb1/2,
// newest last. It returns nil when there is none. Files that decode are
// consumed, as Relay does; a file that does not is kept as an attachment.
func (up *MinidumpUpload) nativeEvent() map[string]any {
	var ev map[string]any
	if up.Native != nil {
		vs, err := DecodeMsgpackValues(up.Native.Data)
		if m, ok := first(vs).(map[string]any); ok && err == nil {
			ev = m
		} else {
			up.Attachments = append(up.Attachments, up.Native)
		}
	}
	var crumbs []any
	for _, a := range up.Crumbs {
		vs, err := DecodeMsgpackValues(a.Data)
		if err != nil {
			up.Attachments = append(up.Attachments, a)
			continue
		}
		for _, v := range vs {
			if m, ok := v.(map[string]any); ok {
				crumbs = append(crumbs, m)
			}
		}
	}
	if len(crumbs) == 0 {
		return ev
	}
	if ev == nil {
		ev = map[string]any{}
	}
	switch b := ev["breadcrumbs"].(type) {
	case []any:
		crumbs = append(b, crumbs...)
	case map[string]any:
		if vs, ok := b["values"].([]any); ok {
			crumbs = append(vs, crumbs...)
		}
	}
	sort.SliceStable(crumbs, func(i, j int) bool { return crumbTime(crumbs[i]) < crumbTime(crumbs[j]) })
	if len(crumbs) > maxNativeBreadcrumbs {
		crumbs = crumbs[len(crumbs)-maxNativeBreadcrumbs:]
	}
	ev["breadcrumbs"] = map[string]any{"values": crumbs}
	return ev
}

func first(vs []any) any {
	if len(vs) == 0 {
		return nil
	}
	return vs[0]
}

// crumbTime is a breadcrumb's RFC 3339 timestamp, which sorts as text;
// "" (first) when it has none.
func crumbTime(c any) string {
	m, _ := c.(map[string]any)
	s, _ := m["timestamp"].(string)
	return s
}
