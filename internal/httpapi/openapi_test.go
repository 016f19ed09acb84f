package httpapi

import (
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/vigil-oss/vigil/internal/core"
)

// openAPIDocument is the part of the document the tests read.
type openAPIDocument struct {
	OpenAPI    string                                `json:"openapi"`
	Security   []map[string][]string                 `json:"security"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		SecuritySchemes map[string]struct {
			Type   string `json:"type"`
			Scheme string `json:"scheme"`
		} `json:"securitySchemes"`
		Schemas map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"schemas"`
	} `json:"components"`
}

func loadOpenAPI(t *testing.T) (openAPIDocument, any) {
	t.Helper()
	var doc openAPIDocument
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	var raw any
	_ = json.Unmarshal(openAPIDoc, &raw)
	return doc, raw
}

// TestOpenAPICoversRoutes fails when a route of the route table is missing
// from the document, or the document describes an operation no route serves.
func TestOpenAPICoversRoutes(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	served := map[string]bool{}
	for _, rt := range (&api{}).routes() {
		key := strings.ToLower(rt.method) + " " + rt.path
		if served[key] {
			t.Errorf("route %s registered twice", rt.pattern())
		}
		served[key] = true
		ops, ok := doc.Paths[rt.path]
		if !ok {
			t.Errorf("route %s: path %s missing from openapi.json", rt.pattern(), rt.path)
			continue
		}
		if _, ok := ops[strings.ToLower(rt.method)]; !ok {
			t.Errorf("route %s: operation %s missing from openapi.json paths[%q]", rt.pattern(), strings.ToLower(rt.method), rt.path)
		}
	}
	methods := []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}
	for p, ops := range doc.Paths {
		for m := range ops {
			if !slices.Contains(methods, m) {
				continue // "parameters", "summary", …
			}
			if !served[m+" "+p] {
				t.Errorf("openapi.json describes %s %s, which no route serves", strings.ToUpper(m), p)
			}
		}
	}
}

// TestOpenAPIOperations checks what every operation must say: path
// parameters declared, responses including 401 and the error default, the
// bearer scheme required.
func TestOpenAPIOperations(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	if s := doc.Components.SecuritySchemes["bearer"]; s.Type != "http" || s.Scheme != "bearer" {
		t.Errorf("securitySchemes.bearer = %+v, want http bearer", s)
	}
	if len(doc.Security) != 1 || doc.Security[0]["bearer"] == nil {
		t.Errorf("top-level security = %v, want [{bearer: []}]", doc.Security)
	}
	wild := regexp.MustCompile(`\{([a-z_]+)\}`)
	for p, ops := range doc.Paths {
		var pathParams []string
		if raw, ok := ops["parameters"]; ok {
			pathParams = paramNames(t, raw)
		}
		for m, raw := range ops {
			if m == "parameters" {
				continue
			}
			var op struct {
				OperationID string                     `json:"operationId"`
				Parameters  json.RawMessage            `json:"parameters"`
				Responses   map[string]json.RawMessage `json:"responses"`
				Security    *[]map[string][]string     `json:"security"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", m, p, err)
			}
			if op.OperationID == "" {
				t.Errorf("%s %s: no operationId", m, p)
			}
			if op.Security != nil && len(*op.Security) == 0 {
				t.Errorf("%s %s: security overridden to none, but every route needs a token", m, p)
			}
			params := slices.Clone(pathParams)
			if op.Parameters != nil {
				params = append(params, paramNames(t, op.Parameters)...)
			}
			for _, w := range wild.FindAllStringSubmatch(p, -1) {
				if !slices.Contains(params, w[1]) {
					t.Errorf("%s %s: path parameter %s not declared", m, p, w[1])
				}
			}
			for _, code := range []string{"401", "default"} {
				if _, ok := op.Responses[code]; !ok {
					t.Errorf("%s %s: no %s response", m, p, code)
				}
			}
		}
	}
}

// paramNames returns the names of a parameter list, following $refs into
// components.parameters.
func paramNames(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var list []struct {
		Name string `json:"name"`
		Ref  string `json:"$ref"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatalf("parameters: %v", err)
	}
	var doc struct {
		Components struct {
			Parameters map[string]struct {
				Name string `json:"name"`
			} `json:"parameters"`
		} `json:"components"`
	}
	_ = json.Unmarshal(openAPIDoc, &doc)
	var names []string
	for _, p := range list {
		if p.Ref != "" {
			p.Name = doc.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")].Name
		}
		names = append(names, p.Name)
	}
	return names
}

// TestOpenAPIRefsResolve follows every $ref in the document.
func TestOpenAPIRefsResolve(t *testing.T) {
	_, raw := loadOpenAPI(t)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				if resolve(raw, ref) == nil {
					t.Errorf("$ref %s does not resolve", ref)
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(raw)
}

func resolve(doc any, ref string) any {
	if !strings.HasPrefix(ref, "#/") {
		return nil
	}
	cur := doc
	for _, part := range strings.Split(ref[2:], "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if cur, ok = m[part]; !ok {
			return nil
		}
	}
	return cur
}

// TestOpenAPISchemasMatchTypes compares each resource schema's properties
// with the JSON members of the Go type the API encodes, so a field added to
// core without a line in the document fails here.
func TestOpenAPISchemasMatchTypes(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	types := map[string]any{
		"Site": core.Site{}, "Zone": core.Zone{}, "Manufacturer": core.Manufacturer{},
		"Model": core.Model{}, "Release": core.Release{}, "Device": core.Device{},
		"Location": core.Location{}, "HL7Endpoint": core.HL7Endpoint{}, "Origin": core.Origin{},
		"Error": errorBody{}, "FieldError": core.FieldError{},
		"Observation": core.Observation{}, "Flow": core.Flow{}, "Alert": core.Alert{},
	}
	for name, v := range types {
		s, ok := doc.Components.Schemas[name]
		if !ok {
			t.Errorf("schema %s missing", name)
			continue
		}
		var have []string
		for p := range s.Properties {
			have = append(have, p)
		}
		sort.Strings(have)
		want := jsonMembers(reflect.TypeOf(v))
		if !slices.Equal(have, want) {
			t.Errorf("schema %s has properties %v; the Go type encodes %v", name, have, want)
		}
	}
	// A merge patch may carry every member but the read-only ones.
	for _, name := range []string{"Site", "Zone", "Manufacturer", "Model", "Release", "Device"} {
		var writable []string
		for p, raw := range doc.Components.Schemas[name].Properties {
			var prop struct {
				ReadOnly bool `json:"readOnly"`
			}
			_ = json.Unmarshal(raw, &prop)
			if !prop.ReadOnly {
				writable = append(writable, p)
			}
		}
		var patchable []string
		for p := range doc.Components.Schemas[name+"Patch"].Properties {
			patchable = append(patchable, p)
		}
		sort.Strings(writable)
		sort.Strings(patchable)
		if len(writable) == 0 || !slices.Equal(writable, patchable) {
			t.Errorf("schema %sPatch has %v; %s's writable properties are %v", name, patchable, name, writable)
		}
	}
}

func jsonMembers(t reflect.Type) []string {
	var out []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}
