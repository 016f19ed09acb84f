package sbom

import (
	"bytes"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Schemas holds the JSON schemas for CycloneDX 1.2–1.7 and SPDX 2.3,
// compiled lazily, once per version, on first use.
type Schemas struct {
	fsys fs.FS
	// support holds the parsed schemas the CycloneDX schemas reference.
	support map[string]any
	cdx     map[string]*lazySchema // by specVersion
	spdx    *lazySchema
}

type lazySchema struct {
	file string
	once sync.Once
	sch  *jsonschema.Schema
	err  error
}

// cdxSchemaFiles maps a CycloneDX specVersion to its schema file. The
// non-strict 1.2 and 1.3 schemas are used: the strict ones forbid
// additional properties that valid documents carry.
var cdxSchemaFiles = map[string]string{
	"1.2": "cyclonedx/bom-1.2.schema.json",
	"1.3": "cyclonedx/bom-1.3.schema.json",
	"1.4": "cyclonedx/bom-1.4.schema.json",
	"1.5": "cyclonedx/bom-1.5.schema.json",
	"1.6": "cyclonedx/bom-1.6.schema.json",
	"1.7": "cyclonedx/bom-1.7.schema.json",
}

var cdxSupportFiles = []string{"spdx.schema.json", "jsf-0.82.schema.json", "cryptography-defs.schema.json"}

const spdxSchemaFile = "spdx-2.3-schema.json"

// LoadSchemas reads the schema files from fsys, laid out as
// cyclonedx/bom-1.x.schema.json, cyclonedx/spdx.schema.json,
// cyclonedx/jsf-0.82.schema.json, cyclonedx/cryptography-defs.schema.json
// and spdx-2.3-schema.json. The support schemas are parsed now; the
// version schemas are compiled on first use and kept.
func LoadSchemas(fsys fs.FS) (*Schemas, error) {
	s := &Schemas{fsys: fsys, support: map[string]any{}, cdx: map[string]*lazySchema{}}
	for _, name := range cdxSupportFiles {
		v, err := readSchema(fsys, "cyclonedx/"+name)
		if err != nil {
			return nil, err
		}
		s.support[name] = v
	}
	for v, file := range cdxSchemaFiles {
		if _, err := fs.Stat(fsys, file); err != nil {
			return nil, fmt.Errorf("load schemas: %w", err)
		}
		s.cdx[v] = &lazySchema{file: file}
	}
	if _, err := fs.Stat(fsys, spdxSchemaFile); err != nil {
		return nil, fmt.Errorf("load schemas: %w", err)
	}
	s.spdx = &lazySchema{file: spdxSchemaFile}
	return s, nil
}

func readSchema(fsys fs.FS, name string) (any, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("load schemas: %w", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("load schemas: %s: %w", name, err)
	}
	return v, nil
}

// cycloneDX returns the compiled schema for a specVersion, or nil if there
// is none for that version.
func (s *Schemas) cycloneDX(version string) (*jsonschema.Schema, error) {
	l := s.cdx[version]
	if l == nil {
		return nil, nil
	}
	l.once.Do(func() { l.sch, l.err = s.compile(l.file, true) })
	return l.sch, l.err
}

func (s *Schemas) spdx23() (*jsonschema.Schema, error) {
	l := s.spdx
	l.once.Do(func() { l.sch, l.err = s.compile(l.file, false) })
	return l.sch, l.err
}

// compile builds one schema in its own compiler: the 1.2 strict and
// non-strict schemas share an $id and would clash in a shared one.
func (s *Schemas) compile(file string, cyclonedx bool) (*jsonschema.Schema, error) {
	doc, err := readSchema(s.fsys, file)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	// No loader: every reference must resolve to a resource added here,
	// so compilation never reaches for the network or the file system.
	c.UseLoader(noLoader{})
	c.AssertFormat()
	if cyclonedx {
		for name, v := range s.support {
			if err := c.AddResource("http://cyclonedx.org/schema/"+name, v); err != nil {
				return nil, fmt.Errorf("schema %s: %w", name, err)
			}
		}
	}
	id := "urn:vigil:schema:" + file
	if m, ok := doc.(map[string]any); ok {
		if v, ok := m["$id"].(string); ok && v != "" {
			id = v
		}
	}
	if err := c.AddResource(id, doc); err != nil {
		return nil, fmt.Errorf("schema %s: %w", file, err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		return nil, fmt.Errorf("compile schema %s: %w", file, err)
	}
	return sch, nil
}

type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("schema %s is not available offline", url)
}

// schemaError turns a validation failure into a DecodeError naming the
// most specific locations: the deepest leaves of the error tree, at most 5.
func schemaError(f Format, err error, note string) *DecodeError {
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return errorf(f, "", "schema validation failed%s: %v", note, err)
	}
	type leaf struct{ loc, msg string }
	var leaves []leaf
	seen := map[string]bool{}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		loc := jsonPointer(e.InstanceLocation)
		msg := leafMessage(e)
		if len(msg) > 160 {
			// Enum failures list every SPDX license id.
			msg = msg[:150] + "…"
		}
		if k := loc + "\x00" + msg; !seen[k] {
			seen[k] = true
			leaves = append(leaves, leaf{loc, msg})
		}
	}
	walk(ve)
	if len(leaves) == 0 {
		return errorf(f, jsonPointer(ve.InstanceLocation), "does not match the schema%s", note)
	}
	sort.SliceStable(leaves, func(i, j int) bool {
		return strings.Count(leaves[i].loc, "/") > strings.Count(leaves[j].loc, "/")
	})
	if len(leaves) > 5 {
		leaves = leaves[:5]
	}
	path := leaves[0].loc
	msg := leaves[0].msg + note
	for _, l := range leaves[1:] {
		msg += "; " + l.loc + ": " + l.msg
	}
	return &DecodeError{Format: f, Path: path, Msg: msg}
}

func jsonPointer(tokens []string) string {
	if len(tokens) == 0 {
		return "/"
	}
	var sb strings.Builder
	for _, t := range tokens {
		sb.WriteByte('/')
		t = strings.ReplaceAll(t, "~", "~0")
		sb.WriteString(strings.ReplaceAll(t, "/", "~1"))
	}
	return sb.String()
}

// leafMessage renders a leaf error; ValidationError.Error on a leaf gives
// the schema URL and instance location, which we report separately.
func leafMessage(e *jsonschema.ValidationError) string {
	m := e.Error()
	// The library formats a leaf as "jsonschema validation failed with
	// '<schema url>'\n- at '<location>': <message>".
	if i := strings.LastIndex(m, "': "); i >= 0 {
		m = m[i+3:]
	}
	return strings.TrimSpace(m)
}
