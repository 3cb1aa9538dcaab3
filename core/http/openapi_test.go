package http_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	phttp "github.com/periscope-hq/periscope/core/http"
	"github.com/periscope-hq/periscope/core/pipeline"
)

// operation is one method of one documented path.
type operation struct {
	method, path string // method in upper case, path as documented
	op           map[string]any
	params       []map[string]any // path-level and operation parameters, dereferenced
}

func (o operation) String() string { return o.method + " " + o.path }

func loadDoc(tb testing.TB) *schemaDoc {
	tb.Helper()
	var root map[string]any
	if err := json.Unmarshal(phttp.OpenAPI(), &root); err != nil {
		tb.Fatalf("openapi.json is not JSON: %v", err)
	}
	return &schemaDoc{root: root}
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func (d *schemaDoc) operations() []operation {
	var ops []operation
	paths, _ := d.root["paths"].(map[string]any)
	for p, item := range paths {
		im := item.(map[string]any)
		var shared []map[string]any
		for _, prm := range asList(im["parameters"]) {
			shared = append(shared, d.deref(prm.(map[string]any)))
		}
		for _, m := range httpMethods {
			o, ok := im[m].(map[string]any)
			if !ok {
				continue
			}
			params := slices.Clone(shared)
			for _, prm := range asList(o["parameters"]) {
				params = append(params, d.deref(prm.(map[string]any)))
			}
			ops = append(ops, operation{method: strings.ToUpper(m), path: p, op: o, params: params})
		}
	}
	slices.SortFunc(ops, func(a, b operation) int { return strings.Compare(a.String(), b.String()) })
	return ops
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// walk calls fn for every object in v, with its JSON path.
func walk(v any, path string, fn func(path string, m map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		fn(path, x)
		for k, c := range x {
			walk(c, path+"/"+k, fn)
		}
	case []any:
		for i, c := range x {
			walk(c, fmt.Sprintf("%s[%d]", path, i), fn)
		}
	}
}

var pathParamRE = regexp.MustCompile(`\{([a-z_]+)\}`)

// TestOpenAPIDocumentIsValid checks the document's structure the way an
// OpenAPI 3.1 validator does for the parts Periscope uses: required
// fields, unique operation ids, resolvable references, path parameters
// that match the templates, well-formed schemas, one error shape, and
// examples that satisfy their schemas.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	d := loadDoc(t)
	if v, _ := d.root["openapi"].(string); v != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", v)
	}
	info, _ := d.root["info"].(map[string]any)
	if s, _ := info["title"].(string); s == "" {
		t.Error("info.title is missing")
	}
	if s, _ := info["version"].(string); s == "" {
		t.Error("info.version is missing")
	}
	if _, ok := d.root["paths"].(map[string]any); !ok {
		t.Fatal("paths is missing")
	}
	schemes, _ := d.root["components"].(map[string]any)["securitySchemes"].(map[string]any)
	walk(d.root, "#", func(path string, m map[string]any) {
		if ref, ok := m["$ref"].(string); ok {
			if _, err := d.resolve(ref); err != nil {
				t.Errorf("%s: %v", path, err)
			}
		}
	})
	for _, req := range asList(d.root["security"]) {
		for name := range req.(map[string]any) {
			if schemes[name] == nil {
				t.Errorf("security requirement %q has no security scheme", name)
			}
		}
	}
	for name, s := range d.root["components"].(map[string]any)["schemas"].(map[string]any) {
		checkSchema(t, d, s, "#/components/schemas/"+name)
	}

	ids := map[string]string{}
	for _, o := range d.operations() {
		if !strings.HasPrefix(o.path, "/api/admin/") {
			t.Errorf("%v: paths are under /api/admin/", o)
		}
		id, _ := o.op["operationId"].(string)
		if id == "" {
			t.Errorf("%v has no operationId", o)
		} else if prev, dup := ids[id]; dup {
			t.Errorf("operationId %q is used by %s and %v", id, prev, o)
		}
		ids[id] = o.String()
		if s, _ := o.op["summary"].(string); s == "" {
			t.Errorf("%v has no summary", o)
		}
		var inPath []string
		for _, m := range pathParamRE.FindAllStringSubmatch(o.path, -1) {
			inPath = append(inPath, m[1])
		}
		var declared []string
		seen := map[string]bool{}
		for _, p := range o.params {
			name, _ := p["name"].(string)
			in, _ := p["in"].(string)
			if name == "" || !slices.Contains([]string{"path", "query", "header", "cookie"}, in) || p["schema"] == nil {
				t.Errorf("%v: malformed parameter %v", o, p)
			}
			if seen[in+":"+name] {
				t.Errorf("%v: parameter %s declared twice", o, name)
			}
			seen[in+":"+name] = true
			checkSchema(t, d, p["schema"], o.String()+" parameter "+name)
			if in == "path" {
				declared = append(declared, name)
				if req, _ := p["required"].(bool); !req {
					t.Errorf("%v: path parameter %s must be required", o, name)
				}
			}
		}
		slices.Sort(inPath)
		slices.Sort(declared)
		if !slices.Equal(inPath, declared) {
			t.Errorf("%v: the template has parameters %v, the document declares %v", o, inPath, declared)
		}
		if rb, ok := o.op["requestBody"].(map[string]any); ok {
			mt, _ := rb["content"].(map[string]any)["application/json"].(map[string]any)
			if mt == nil {
				t.Errorf("%v: a request body must be application/json", o)
			} else {
				checkSchema(t, d, mt["schema"], o.String()+" request body")
				if ex, ok := mt["example"]; ok {
					b, _ := json.Marshal(ex)
					for _, e := range d.validateJSON(mt["schema"], b) {
						t.Errorf("%v: the request example does not satisfy its schema: %s", o, e)
					}
				}
			}
		}
		responses, _ := o.op["responses"].(map[string]any)
		if len(responses) == 0 {
			t.Errorf("%v has no responses", o)
		}
		for code, r := range responses {
			if !regexp.MustCompile(`^[1-5][0-9][0-9]$`).MatchString(code) {
				t.Errorf("%v: response code %q", o, code)
			}
			resp := d.deref(r.(map[string]any))
			if s, _ := resp["description"].(string); s == "" {
				t.Errorf("%v %s: a response needs a description", o, code)
			}
			for _, mt := range asMap(resp["content"]) {
				if mt == nil {
					continue
				}
				schema := mt.(map[string]any)["schema"]
				checkSchema(t, d, schema, o.String()+" response "+code)
				if code[0] >= '4' {
					if ref, _ := schema.(map[string]any)["$ref"].(string); ref != "#/components/schemas/Error" {
						t.Errorf("%v %s: an error response must use the Error schema, not %v", o, code, schema)
					}
				}
			}
		}
		if code := firstSuccess(o); code == "" {
			t.Errorf("%v documents no success response", o)
		}
	}
}

// checkSchema fails t for a malformed schema: unknown keywords or types,
// or required properties that are not declared.
func checkSchema(t *testing.T, d *schemaDoc, schema any, where string) {
	t.Helper()
	walkSchema(schema, where, func(path string, s map[string]any) {
		for k := range s {
			if !knownKeywords[k] {
				t.Errorf("%s: unknown schema keyword %q", path, k)
			}
		}
		var types []any
		switch ty := s["type"].(type) {
		case string:
			types = []any{ty}
		case []any:
			types = ty
		}
		for _, ty := range types {
			if !slices.Contains([]any{"null", "boolean", "object", "array", "number", "string", "integer"}, ty) {
				t.Errorf("%s: unknown type %v", path, ty)
			}
		}
		if req := asList(s["required"]); len(req) > 0 {
			props, _ := s["properties"].(map[string]any)
			for _, r := range req {
				if _, ok := props[r.(string)]; !ok {
					t.Errorf("%s: required property %v is not declared", path, r)
				}
			}
		}
	})
}

// walkSchema calls fn for s and every subschema of it (not following $ref).
func walkSchema(s any, path string, fn func(string, map[string]any)) {
	m, ok := s.(map[string]any)
	if !ok {
		return
	}
	fn(path, m)
	for name, p := range asMap(m["properties"]) {
		walkSchema(p, path+".properties."+name, fn)
	}
	walkSchema(m["items"], path+".items", fn)
	walkSchema(m["additionalProperties"], path+".additionalProperties", fn)
	for i, sub := range asList(m["allOf"]) {
		walkSchema(sub, fmt.Sprintf("%s.allOf[%d]", path, i), fn)
	}
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func firstSuccess(o operation) string {
	for code := range asMap(o.op["responses"]) {
		if code[0] == '2' {
			return code
		}
	}
	return ""
}

// fiberPath turns a Fiber route ("/projects/:id") into a documented path
// ("/projects/{id}").
func fiberPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if name, ok := strings.CutPrefix(s, ":"); ok {
			parts[i] = "{" + name + "}"
		}
	}
	return strings.Join(parts, "/")
}

// TestOpenAPIMatchesRoutes walks every route the server registers under
// /api/admin and checks that the document describes it, and that every
// documented operation is a route.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	ts := MustOpenServer(t, phttp.Options{}, pipeline.Options{})
	d := loadDoc(t)
	documented := map[string]bool{}
	for _, o := range d.operations() {
		documented[o.String()] = true
	}
	registered := map[string]bool{}
	for _, r := range ts.App().GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/api/admin") || r.Method == "HEAD" || r.Method == "USE" {
			continue
		}
		key := r.Method + " " + fiberPath(r.Path)
		registered[key] = true
		if !documented[key] {
			t.Errorf("route %s is not in openapi.json", key)
		}
	}
	if len(registered) < 20 {
		t.Fatalf("only %d admin routes registered: %v", len(registered), registered)
	}
	for key := range documented {
		if !registered[key] {
			t.Errorf("openapi.json documents %s, which is not a route", key)
		}
	}

	// The document is served, without credentials, as it is embedded.
	code, body := ts.Do(t, httptest.NewRequest("GET", "/api/admin/openapi.json", nil))
	if code != 200 || !bytes.Equal(body, phttp.OpenAPI()) {
		t.Errorf("GET /api/admin/openapi.json: status %d, %d bytes; want 200 and the embedded document", code, len(body))
	}
}
