package sentry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/periscope-hq/periscope/core"
)

// ReportContext is what the request adds to every security report's
// event: the sentry_release and sentry_environment query parameters and
// the User-Agent header (a Reporting API report's own user_agent wins).
type ReportContext struct {
	Release, Environment, UserAgent string
}

// SecurityEvents turns a browser security report body (one CSP, HPKP,
// Expect-CT or Expect-Staple report object, or a Reporting API list) into
// event payloads the normalizer recognizes ({"csp": {...}}, ...), one per
// report. Reports of other kinds in a list (deprecation, intervention...)
// are skipped and counted in skipped; a body that is not JSON, or a single
// object that is no security report, is an EINVALID error. An empty list
// gives no payloads and no error.
func SecurityEvents(body []byte, ctx ReportContext) (payloads [][]byte, skipped int, err error) {
	var reports []map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, 0, core.Errorf(core.EINVALID, "invalid event data: %v", err)
	}
	switch v := v.(type) {
	case map[string]any:
		reports = append(reports, v)
	case []any:
		for _, it := range v {
			if m, ok := it.(map[string]any); ok {
				reports = append(reports, m)
			} else {
				skipped++
			}
		}
	default:
		return nil, 0, core.Errorf(core.EINVALID, "invalid event data: not a security report")
	}
	for _, rep := range reports {
		ev := reportEvent(rep, ctx)
		if ev == nil {
			skipped++
			continue
		}
		p, err := json.Marshal(ev)
		if err != nil {
			return nil, 0, core.Errorf(core.EINVALID, "invalid event data: %v", err)
		}
		payloads = append(payloads, p)
	}
	if len(payloads) == 0 && len(reports) > 0 && !isReportList(v) {
		return nil, 0, core.Errorf(core.EINVALID, "invalid event data: not a security report")
	}
	return payloads, skipped, nil
}

func isReportList(v any) bool { _, ok := v.([]any); return ok }

// cspReportingAPIKeys maps the camelCase fields of a Reporting API
// csp-violation body to the CSP interface's fields.
var cspReportingAPIKeys = map[string]string{
	"documentURL":        "document_uri",
	"documentURI":        "document_uri",
	"referrer":           "referrer",
	"blockedURL":         "blocked_uri",
	"blockedURI":         "blocked_uri",
	"effectiveDirective": "effective_directive",
	"violatedDirective":  "violated_directive",
	"originalPolicy":     "original_policy",
	"sourceFile":         "source_file",
	"sample":             "script_sample",
	"disposition":        "disposition",
	"statusCode":         "status_code",
	"lineNumber":         "line_number",
	"columnNumber":       "column_number",
}

// reportEvent turns one browser report into an event payload: the report
// under "csp", "hpkp", "expectct" or "expectstaple" with snake_case
// fields, as the normalizer reads it, plus request, tags, release and
// environment. nil when rep is no security report.
func reportEvent(rep map[string]any, ctx ReportContext) map[string]any {
	var kind string
	var body map[string]any
	userAgent := ctx.UserAgent
	switch {
	case isObject(rep["csp-report"]):
		kind, body = "csp", snakeKeys(rep["csp-report"].(map[string]any))
	case isObject(rep["expect-ct-report"]):
		kind, body = "expectct", snakeKeys(rep["expect-ct-report"].(map[string]any))
	case isObject(rep["expect-staple-report"]):
		kind, body = "expectstaple", snakeKeys(rep["expect-staple-report"].(map[string]any))
	case rep["known-pins"] != nil && rep["hostname"] != nil:
		kind, body = "hpkp", snakeKeys(rep)
	case rep["type"] == "csp-violation" && isObject(rep["body"]):
		kind, body = "csp", map[string]any{}
		for k, v := range rep["body"].(map[string]any) {
			if f, ok := cspReportingAPIKeys[k]; ok {
				body[f] = v
			}
		}
		if _, ok := body["document_uri"]; !ok && rep["url"] != nil {
			body["document_uri"] = rep["url"]
		}
		if ua, ok := rep["user_agent"].(string); ok && ua != "" {
			userAgent = ua
		}
	default:
		return nil
	}
	ev := map[string]any{kind: body, "logger": kind}
	tags := map[string]any{}
	if kind == "csp" {
		// Old browsers send only violated-directive ("script-src 'self'").
		if d, _ := body["effective_directive"].(string); d == "" {
			if vd, _ := body["violated_directive"].(string); vd != "" {
				d, _, _ = strings.Cut(strings.TrimSpace(vd), " ")
				body["effective_directive"] = d
			}
		}
		if _, ok := body["violated_directive"]; !ok && body["effective_directive"] != nil {
			body["violated_directive"] = body["effective_directive"]
		}
		copyTag(tags, "effective-directive", body["effective_directive"])
		copyTag(tags, "blocked-uri", body["blocked_uri"])
	} else {
		copyTag(tags, "hostname", body["hostname"])
		copyTag(tags, "port", body["port"])
	}
	if len(tags) > 0 {
		ev["tags"] = tags
	}
	req := map[string]any{}
	if u, ok := body["document_uri"].(string); ok && u != "" {
		req["url"] = u
	}
	headers := map[string]any{}
	if userAgent != "" {
		headers["User-Agent"] = userAgent
	}
	if ref, ok := body["referrer"].(string); ok && ref != "" {
		headers["Referer"] = ref
	}
	if len(headers) > 0 {
		req["headers"] = headers
	}
	if len(req) > 0 {
		ev["request"] = req
	}
	if ctx.Release != "" {
		ev["release"] = ctx.Release
	}
	if ctx.Environment != "" {
		ev["environment"] = ctx.Environment
	}
	return ev
}

func isObject(v any) bool { _, ok := v.(map[string]any); return ok }

// snakeKeys returns m with "-" in its keys turned into "_" (one level:
// "document-uri" → "document_uri").
func snakeKeys(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[strings.ReplaceAll(k, "-", "_")] = v
	}
	return out
}

// copyTag sets tags[key] to v's text when v is a non-empty string or a
// number.
func copyTag(tags map[string]any, key string, v any) {
	switch v := v.(type) {
	case string:
		if v != "" {
			tags[key] = v
		}
	case nil:
	case map[string]any, []any:
	default:
		tags[key] = fmt.Sprint(v)
	}
}
