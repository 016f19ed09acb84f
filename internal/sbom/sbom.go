package sbom

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// Format is an SBOM serialisation this package recognises.
type Format string

// The formats Sniff reports and Decode reads.
const (
	CycloneDXJSON Format = "cyclonedx-json"
	CycloneDXXML  Format = "cyclonedx-xml"
	SPDXJSON      Format = "spdx-json"
	SPDXTagValue  Format = "spdx-tag-value"
)

// Default limits, used for the zero fields of Limits.
const (
	DefaultMaxBytes      = 64 << 20
	DefaultMaxDepth      = 32
	DefaultMaxComponents = 1_000_000
)

// Limits bound the work Decode does on untrusted input. A zero field means
// the default (64 MiB, depth 32, 1,000,000 components).
type Limits struct {
	MaxBytes      int64 // size of the whole document in bytes
	MaxDepth      int   // JSON/XML nesting, and component-in-component nesting
	MaxComponents int   // components (CycloneDX) or packages (SPDX), root included
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxComponents <= 0 {
		l.MaxComponents = DefaultMaxComponents
	}
	return l
}

// Options control Decode.
type Options struct {
	Limits Limits
	// Schemas enables JSON-schema validation. Nil skips it, and the
	// Document carries a Warning saying so.
	Schemas *Schemas
}

// Document is a decoded SBOM, whatever its format.
type Document struct {
	Format       Format
	SpecVersion  string    // as written: "1.5", "SPDX-2.2"…
	SerialNumber string    // CycloneDX serialNumber / SPDX documentNamespace
	Name         string    // metadata.component name / SPDX document name
	Version      string    // version of the root component, if any
	Created      time.Time // metadata.timestamp / creationInfo.created; zero if absent
	// Root is the CycloneDX metadata.component, or the single package an
	// SPDX document describes; nil otherwise.
	Root *Component
	// Components lists every component or package except Root, nested
	// CycloneDX components flattened depth-first in document order.
	Components []Component
	// Dependencies maps a Ref to the Refs it depends on.
	Dependencies map[string][]string
	// Warnings name what was accepted leniently or repaired.
	Warnings []string
	// CycloneDX is the decoded BOM for CycloneDX input, nil for SPDX.
	CycloneDX *cdx.BOM
}

// Component is one component (CycloneDX) or package (SPDX).
type Component struct {
	Ref       string // bom-ref or SPDXID; synthesised "component-<index path>" when absent
	Synthetic bool   // Ref was synthesised
	Parent    string // Ref of the enclosing CycloneDX component; "" at top level
	Type      string // CycloneDX type; SPDX primaryPackagePurpose lower-cased, else "library"
	Group     string
	Name      string
	Version   string
	PURL      string   // as written
	CPEs      []string // CycloneDX cpe; SPDX cpe23Type/cpe22Type external refs
	Supplier  string   // organisation or person name, without SPDX type prefix
	Hashes    []Hash
	Licenses  []string // license ids, names or expressions
	// LevelOfSupport is the FDA "level of support" field, from a CycloneDX
	// property.
	LevelOfSupport string
	// EndOfSupport is the FDA "end-of-support date" as given.
	EndOfSupport string
	// Properties holds all CycloneDX properties; the last of a name wins.
	Properties map[string]string
}

// Hash is a checksum of a component.
type Hash struct{ Alg, Value string }

// DecodeError says which format failed to decode, where and why.
type DecodeError struct {
	Format Format
	// Path is a JSON pointer, an XML element path or "line N"; may be empty.
	Path string
	Msg  string
}

func (e *DecodeError) Error() string {
	f := string(e.Format)
	if f == "" {
		f = "sbom"
	}
	if e.Path == "" {
		return f + ": " + e.Msg
	}
	return f + ": " + e.Path + ": " + e.Msg
}

func errorf(f Format, path, format string, args ...any) *DecodeError {
	return &DecodeError{Format: f, Path: path, Msg: fmt.Sprintf(format, args...)}
}

// Decode reads at most Limits.MaxBytes from r and decodes the SBOM.
func Decode(r io.Reader, opts Options) (*Document, error) {
	lim := opts.Limits.withDefaults()
	b, err := io.ReadAll(io.LimitReader(r, lim.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read sbom: %w", err)
	}
	return DecodeBytes(b, opts)
}

// DecodeBytes decodes the SBOM in b.
func DecodeBytes(b []byte, opts Options) (doc *Document, err error) {
	lim := opts.Limits.withDefaults()
	if int64(len(b)) > lim.MaxBytes {
		return nil, errorf("", "", "document exceeds the size limit of %d bytes", lim.MaxBytes)
	}
	f, err := Sniff(b)
	if err != nil {
		return nil, err
	}
	b = trimBOM(b)
	d := &decoder{format: f, lim: lim, schemas: opts.Schemas}
	defer func() {
		// The third-party decoders are not fuzzed by us; a panic there on
		// hostile input must not take the caller down.
		if r := recover(); r != nil {
			doc, err = nil, errorf(f, "", "decoder failure on malformed input: %v", r)
		}
	}()
	switch f {
	case CycloneDXJSON:
		doc, err = d.cycloneDXJSON(b)
	case CycloneDXXML:
		doc, err = d.cycloneDXXML(b)
	case SPDXJSON:
		doc, err = d.spdxJSON(b)
	case SPDXTagValue:
		doc, err = d.spdxTagValue(b)
	}
	if err != nil {
		return nil, err
	}
	if opts.Schemas == nil && f != SPDXTagValue {
		doc.Warnings = append(doc.Warnings, "JSON-schema validation skipped: no schemas loaded")
	}
	return doc, nil
}

type decoder struct {
	format  Format
	lim     Limits
	schemas *Schemas
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func trimBOM(b []byte) []byte { return bytes.TrimPrefix(b, utf8BOM) }

// Sniff detects the format of an SBOM from its content.
func Sniff(b []byte) (Format, error) {
	b = trimBOM(b)
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	if i == len(b) {
		return "", errorf("", "", "empty document")
	}
	rest := b[i:]
	switch rest[0] {
	case '{':
		return sniffJSON(rest)
	case '<':
		return sniffXML(rest)
	}
	if bytes.HasPrefix(rest, []byte("SPDXVersion:")) {
		return SPDXTagValue, nil
	}
	// Tag-value documents may begin with comment lines.
	for line := range bytes.Lines(rest) {
		t := bytes.TrimSpace(line)
		if len(t) == 0 || t[0] == '#' {
			continue
		}
		if bytes.HasPrefix(t, []byte("SPDXVersion:")) {
			return SPDXTagValue, nil
		}
		break
	}
	if bytes.Contains(rest[:min(len(rest), 4096)], []byte("spdxVersion:")) {
		return "", errorf("", "", "SPDX YAML is detected but not supported; use SPDX JSON or tag-value")
	}
	return "", errorf("", "", "unrecognised content starting %q: not CycloneDX JSON/XML or SPDX JSON/tag-value", preview(rest))
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func preview(b []byte) string {
	const n = 24
	if len(b) > n {
		b = b[:n]
	}
	return string(b)
}

// sniffJSON looks at the top-level keys of the first JSON object, without
// decoding values it does not need.
func sniffJSON(b []byte) (Format, error) {
	keys, err := topLevelKeys(b, 4096)
	if err != nil {
		return "", errorf("", "", "JSON document: %v", err)
	}
	switch {
	case keys["bomFormat"]:
		return CycloneDXJSON, nil
	case keys["spdxVersion"]:
		return SPDXJSON, nil
	case keys["@context"]:
		return "", errorf("", "", "SPDX 3 is detected but not supported (JSON-LD with @context and no spdxVersion)")
	case keys["specVersion"] && (keys["components"] || keys["metadata"]):
		return "", errorf(CycloneDXJSON, "/bomFormat", "missing: a CycloneDX document must have bomFormat \"CycloneDX\"")
	}
	return "", errorf("", "", "JSON document is neither CycloneDX (no bomFormat) nor SPDX (no spdxVersion)")
}

// topLevelKeys returns the keys of the top-level JSON object, stopping
// after max keys. Values are skipped with a small scanner so that a large
// document is not decoded twice.
func topLevelKeys(b []byte, max int) (map[string]bool, error) {
	vals, err := topLevel(b, max)
	if err != nil {
		return nil, err
	}
	keys := make(map[string]bool, len(vals))
	for k := range vals {
		keys[k] = true
	}
	return keys, nil
}

// topLevel returns the raw bytes of the values of the top-level JSON
// object's members, stopping after max members.
func topLevel(b []byte, max int) (map[string][]byte, error) {
	keys := map[string][]byte{}
	s := &scanner{b: b}
	if !s.consume('{') {
		return nil, errors.New("expected an object")
	}
	s.ws()
	if s.consume('}') {
		return keys, nil
	}
	for len(keys) < max {
		s.ws()
		k, ok := s.str()
		if !ok {
			return nil, fmt.Errorf("malformed object key at byte %d", s.i)
		}
		s.ws()
		if !s.consume(':') {
			return nil, fmt.Errorf("expected ':' at byte %d", s.i)
		}
		s.ws()
		start := s.i
		if !s.skipValue() {
			return nil, fmt.Errorf("malformed value for key %q", k)
		}
		keys[k] = b[start:s.i]
		s.ws()
		if s.consume('}') {
			return keys, nil
		}
		if !s.consume(',') {
			return nil, fmt.Errorf("expected ',' or '}' at byte %d", s.i)
		}
	}
	return keys, nil
}

type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) && isSpace(s.b[s.i]) {
		s.i++
	}
}

func (s *scanner) consume(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str reads a JSON string; escapes are kept raw, which is fine for the
// plain ASCII keys we look for.
func (s *scanner) str() (string, bool) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return "", false
	}
	start := s.i + 1
	for j := start; j < len(s.b); j++ {
		switch s.b[j] {
		case '\\':
			j++
		case '"':
			s.i = j + 1
			return string(s.b[start:j]), true
		}
	}
	return "", false
}

// skipValue skips one JSON value, tracking only strings and brackets.
func (s *scanner) skipValue() bool {
	s.ws()
	if s.i >= len(s.b) {
		return false
	}
	depth := 0
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch c {
		case '"':
			if _, ok := s.str(); !ok {
				return false
			}
			if depth == 0 {
				return true
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return true // end of the enclosing object: value was a scalar
			}
			depth--
			if depth == 0 {
				s.i++
				return true
			}
		case ',':
			if depth == 0 {
				return true
			}
		}
		s.i++
	}
	return depth == 0
}

// jsonDepth reports whether the first JSON value in b nests deeper than max.
// It returns the offending byte offset when it does.
func jsonDepth(b []byte, max int) (int, bool) {
	depth := 0
	inStr := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inStr {
			switch c {
			case '\\':
				i++
			case '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '{', '[':
			depth++
			if depth > max {
				return i, true
			}
		case '}', ']':
			depth--
			if depth <= 0 {
				return 0, false
			}
		}
	}
	return 0, false
}

// sniffXML accepts CycloneDX XML (root element bom in a cyclonedx.org
// namespace) and names other XML it recognises.
func sniffXML(b []byte) (Format, error) {
	name, ns, err := xmlRoot(b)
	if err != nil {
		return "", errorf("", "", "XML document: %v", err)
	}
	switch {
	case name == "bom" && bytes.HasPrefix([]byte(ns), []byte("http://cyclonedx.org/schema/bom/")):
		return CycloneDXXML, nil
	case name == "bom":
		return "", errorf(CycloneDXXML, "/bom", "unknown namespace %q: not a CycloneDX BOM namespace", ns)
	case name == "RDF" || bytes.Contains([]byte(ns), []byte("spdx.org")) || name == "Document" || name == "SpdxDocument":
		return "", errorf("", "", "SPDX XML or RDF/XML is detected but not supported (root element %q); use SPDX JSON or tag-value", name)
	}
	return "", errorf("", "", "XML document with root element %q (namespace %q) is not a CycloneDX BOM", name, ns)
}
