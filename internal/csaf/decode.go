package csaf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Input limits. Real advisories are well under a megabyte and nest a dozen
// levels deep; the limits stop hostile input from costing memory or time.
const (
	MaxDocumentBytes = 32 << 20 // bytes of JSON in one document
	MaxDepth         = 64       // nesting of JSON objects and arrays
	maxTypeErrors    = 20       // type errors listed in one DecodeError
)

// ErrTooLarge is wrapped by the error for input above MaxDocumentBytes.
var ErrTooLarge = errors.New("csaf: document too large")

// DecodeError lists the places where the JSON has a value of the wrong type.
type DecodeError struct {
	Problems []string // "/path: message", at most maxTypeErrors of them
	More     int      // further problems not listed
}

func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString("csaf: decode: ")
	b.WriteString(strings.Join(e.Problems, "; "))
	if e.More > 0 {
		fmt.Fprintf(&b, "; and %d more", e.More)
	}
	return b.String()
}

// Decode parses a CSAF 2.0 JSON document into our types. It does NOT run the
// schema or the mandatory tests.
//
// Unknown fields are tolerated and returned as warnings naming their JSON
// path ("/vulnerabilities/0/foo: unknown field"). A value of the wrong JSON
// type, a date that is not RFC 3339, input that is not JSON, too large or too
// deeply nested is an error naming where it went wrong.
func Decode(b []byte) (*Document, []string, error) {
	generic, err := parseGeneric(b)
	if err != nil {
		return nil, nil, err
	}
	return decodeGeneric(b, generic)
}

// parseGeneric checks the limits and parses b into generic JSON values.
func parseGeneric(b []byte) (any, error) {
	if len(b) > MaxDocumentBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(b), MaxDocumentBytes)
	}
	if err := checkDepth(b); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("csaf: not JSON: %w", err)
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("csaf: not JSON: data after the top-level value at offset %d", dec.InputOffset())
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, errors.New("csaf: decode /: the document must be a JSON object")
	}
	return v, nil
}

func decodeGeneric(b []byte, generic any) (*Document, []string, error) {
	w := walker{}
	w.walk(generic, reflect.TypeFor[wireDoc](), "")
	// Map iteration order is random; report in a stable order.
	slices.Sort(w.warns)
	slices.Sort(w.errs)
	if len(w.errs) > 0 {
		e := &DecodeError{Problems: w.errs}
		if len(e.Problems) > maxTypeErrors {
			e.More = len(e.Problems) - maxTypeErrors
			e.Problems = e.Problems[:maxTypeErrors]
		}
		return nil, w.warns, e
	}
	var wd wireDoc
	if err := json.Unmarshal(b, &wd); err != nil {
		// The walk accepted the types, so this is unexpected; still an error, not a panic.
		return nil, w.warns, fmt.Errorf("csaf: decode: %w", err)
	}
	m := wd.Document
	d := &Document{
		Acknowledgments:   m.Acknowledgments,
		AggregateSeverity: m.AggregateSeverity,
		Category:          m.Category,
		CSAFVersion:       m.CSAFVersion,
		Distribution:      m.Distribution,
		Lang:              m.Lang,
		SourceLang:        m.SourceLang,
		Notes:             m.Notes,
		Publisher:         m.Publisher,
		References:        m.References,
		Title:             m.Title,
		Tracking:          m.Tracking,
		Vulnerabilities:   wd.Vulnerabilities,
	}
	if wd.ProductTree != nil {
		d.ProductTree = *wd.ProductTree
		d.hasProductTree = true
	}
	top := generic.(map[string]any)
	if vs, ok := top["vulnerabilities"].([]any); ok {
		for i, v := range vs {
			if vm, ok := v.(map[string]any); ok && i < len(d.Vulnerabilities) {
				_, d.Vulnerabilities[i].hasProductStatus = vm["product_status"]
			}
		}
	}
	return d, w.warns, nil
}

// checkDepth rejects JSON nested deeper than MaxDepth without parsing it.
func checkDepth(b []byte) error {
	depth := 0
	inString, escaped := false, false
	for i, c := range b {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > MaxDepth {
				return fmt.Errorf("csaf: decode: nesting deeper than %d levels at offset %d", MaxDepth, i)
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

// walker compares generic JSON with the Go types it will be decoded into,
// so that every unknown field and wrong type is reported with its path.
type walker struct {
	warns []string
	errs  []string
}

var (
	timeType = reflect.TypeFor[time.Time]()
	cvssType = reflect.TypeFor[CVSS]()
)

func (w *walker) fail(path, format string, args ...any) {
	w.errs = append(w.errs, pathOrRoot(path)+": "+fmt.Sprintf(format, args...))
}

func pathOrRoot(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "null"
}

func (w *walker) walk(v any, t reflect.Type, path string) {
	if v == nil { // null decodes to the zero value; the schema reports it
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		s, ok := v.(string)
		if !ok {
			w.fail(path, "want a date-time string, got %s", jsonKind(v))
			return
		}
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			w.fail(path, "date-time %q is not RFC 3339", truncate(s))
		}
		return
	case t == cvssType:
		m, ok := v.(map[string]any)
		if !ok {
			w.fail(path, "want an object, got %s", jsonKind(v))
			return
		}
		for _, k := range []string{"version", "vectorString", "baseSeverity"} {
			if x, ok := m[k]; ok && x != nil {
				if _, ok := x.(string); !ok {
					w.fail(path+"/"+k, "want a string, got %s", jsonKind(x))
				}
			}
		}
		if x, ok := m["baseScore"]; ok && x != nil {
			if _, ok := x.(json.Number); !ok {
				w.fail(path+"/baseScore", "want a number, got %s", jsonKind(x))
			}
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			w.fail(path, "want an object, got %s", jsonKind(v))
			return
		}
		fields := fieldsOf(t)
		for k, x := range m {
			p := path + "/" + escapePointer(k)
			ft, ok := fields[k]
			if !ok {
				w.warns = append(w.warns, p+": unknown field")
				continue
			}
			w.walk(x, ft, p)
		}
	case reflect.Slice:
		a, ok := v.([]any)
		if !ok {
			w.fail(path, "want an array, got %s", jsonKind(v))
			return
		}
		for i, x := range a {
			w.walk(x, t.Elem(), path+"/"+strconv.Itoa(i))
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			w.fail(path, "want a string, got %s", jsonKind(v))
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			w.fail(path, "want a boolean, got %s", jsonKind(v))
		}
	case reflect.Float64:
		n, ok := v.(json.Number)
		if !ok {
			w.fail(path, "want a number, got %s", jsonKind(v))
			return
		}
		if _, err := n.Float64(); err != nil {
			w.fail(path, "number %s out of range", truncate(string(n)))
		}
	}
}

var fieldCache sync.Map // reflect.Type → map[string]reflect.Type

// fieldsOf maps the JSON names of t's exported fields to their types.
func fieldsOf(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	fieldCache.Store(t, m)
	return m
}

// escapePointer escapes a key for a JSON pointer (RFC 6901).
func escapePointer(k string) string {
	if !strings.ContainsAny(k, "~/") {
		return k
	}
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(k)
}

func truncate(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
