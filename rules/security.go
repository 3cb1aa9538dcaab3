package rules

import (
	"net/url"
	"strings"
)

// cspComponent groups a CSP report by effective directive and either the
// local script violation ('unsafe-inline' / 'unsafe-eval') or the blocked
// URI's host.
func cspComponent(csp map[string]any) *Component {
	directive := reportString(csp, "effective_directive")
	violated := reportString(csp, "violated_directive")
	if directive == "" {
		directive = firstWord(violated)
	}
	blocked := normalizeBlockedURI(reportString(csp, "blocked_uri"))
	violation := &Component{ID: "violation"}
	uri := newLeaf("uri", blocked)
	local := ""
	if directive == "script-src" && blocked == "'self'" {
		switch {
		case strings.Contains(violated, "'unsafe-inline'"):
			local = "'unsafe-inline'"
		case strings.Contains(violated, "'unsafe-eval'"):
			local = "'unsafe-eval'"
		}
	}
	if local != "" {
		violation.Leaves = []string{local}
		uri.disable("violation takes precedence")
	} else {
		violation.Hint = "not a local script violation"
	}
	return newNode("csp", newLeaf("salt", directive), violation, uri)
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// normalizeBlockedURI turns a CSP blocked-uri into what groups: 'self' for
// inline and same-origin reports, the scheme for data: and blob:, else the
// host.
func normalizeBlockedURI(v string) string {
	switch v {
	case "", "self", "'self'", "inline", "'inline'":
		return "'self'"
	}
	if !strings.Contains(v, ":") {
		return v
	}
	u, err := url.Parse(v)
	if err != nil {
		return v
	}
	switch u.Scheme {
	case "data", "blob", "about", "chrome-extension", "moz-extension", "safari-extension":
		return u.Scheme
	}
	if u.Host != "" {
		return u.Host
	}
	return v
}

// hostReportComponent groups HPKP, Expect-CT and Expect-Staple reports by
// report kind and host name.
func hostReportComponent(id, salt string, report map[string]any) *Component {
	return newNode(id, newLeaf("salt", salt), leafOrEmpty("hostname", reportString(report, "hostname")))
}

func leafOrEmpty(id, v string) *Component {
	if v == "" {
		return &Component{ID: id}
	}
	return newLeaf(id, v)
}

// reportString reads a string field of a security report, accepting the
// wire spelling with dashes as well.
func reportString(m map[string]any, key string) string {
	if v, ok := m[key].(string); ok {
		return v
	}
	if v, ok := m[strings.ReplaceAll(key, "_", "-")].(string); ok {
		return v
	}
	return ""
}
