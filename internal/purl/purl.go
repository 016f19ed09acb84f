package purl

import (
	"fmt"
	"sort"
	"strings"
)

// MaxLen bounds the input Parse accepts. Real purls are well under 1 KiB;
// the bound keeps hostile SBOMs from making us decode megabyte strings.
const MaxLen = 4096

// PURL is a parsed package URL. Namespace segments are joined with '/';
// all fields hold decoded text.
type PURL struct {
	Type       string
	Namespace  string
	Name       string
	Version    string
	Qualifiers []Qualifier // sorted by Key, keys unique, values non-empty
	Subpath    string
}

// Qualifier is one key=value pair of a purl.
type Qualifier struct {
	Key   string
	Value string
}

// Error reports why a purl was rejected and which component was at fault, so
// callers can point a user at the exact part of an SBOM entry.
type Error struct {
	Component string // "purl", "scheme", "type", "namespace", "name", "version", "qualifiers", "subpath"
	Reason    string
}

func (e *Error) Error() string {
	if e.Component == "purl" {
		return "purl: " + e.Reason
	}
	return "purl " + e.Component + ": " + e.Reason
}

func errorf(component, format string, args ...any) error {
	return &Error{Component: component, Reason: fmt.Sprintf(format, args...)}
}

// Parse parses s into a normalised PURL; see the package documentation for
// the rules applied.
func Parse(s string) (PURL, error) {
	var p PURL
	if len(s) > MaxLen {
		return p, errorf("purl", "%d bytes, longer than the %d-byte limit", len(s), MaxLen)
	}
	if s == "" {
		return p, errorf("purl", "empty string")
	}

	// The order of splits is the specification's: subpath and qualifiers are
	// cut off from the right first, as only they may hold unencoded
	// separators of the path.
	rest := s
	if i := strings.LastIndexByte(rest, '#'); i >= 0 {
		sub, err := parseSubpath(rest[i+1:])
		if err != nil {
			return p, err
		}
		p.Subpath = sub
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '?'); i >= 0 {
		qs, err := parseQualifiers(rest[i+1:])
		if err != nil {
			return p, err
		}
		p.Qualifiers = qs
		rest = rest[:i]
	}

	scheme, rest, ok := strings.Cut(rest, ":")
	if !ok || !strings.EqualFold(scheme, "pkg") {
		return p, errorf("scheme", "must start with \"pkg:\"")
	}
	rest = strings.Trim(rest, "/")

	typ, rest, ok := strings.Cut(rest, "/")
	if !ok {
		if typ == "" {
			return p, errorf("type", "missing")
		}
		return p, errorf("name", "missing")
	}
	typ = asciiLower(typ)
	if err := checkType(typ); err != nil {
		return p, err
	}
	p.Type = typ

	// A version lives only in the last path segment; looking further left
	// would read an npm scope ("@angular") as a version.
	lastSlash := strings.LastIndexByte(rest, '/')
	if i := strings.LastIndexByte(rest, '@'); i > lastSlash {
		v, err := decode(rest[i+1:], "version")
		if err != nil {
			return p, err
		}
		p.Version = v
		rest = rest[:i]
	}

	rest = strings.TrimRight(rest, "/")
	nsPart, namePart := "", rest
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		nsPart, namePart = rest[:i], rest[i+1:]
	}
	name, err := decode(namePart, "name")
	if err != nil {
		return p, err
	}
	if name == "" {
		return p, errorf("name", "missing")
	}
	p.Name = name

	ns, err := parseNamespace(nsPart)
	if err != nil {
		return p, err
	}
	p.Namespace = ns

	return p.Normalize(), nil
}

func checkType(t string) error {
	if t == "" {
		return errorf("type", "missing")
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= 'a' && c <= 'z', c == '.', c == '+', c == '-':
		case c >= '0' && c <= '9':
			if i == 0 {
				return errorf("type", "%q starts with a digit", t)
			}
		default:
			return errorf("type", "%q has character %q; only letters, digits, '.', '+' and '-' are allowed", t, c)
		}
	}
	return nil
}

func parseNamespace(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	var segs []string
	for seg := range strings.SplitSeq(raw, "/") {
		if seg == "" {
			continue
		}
		d, err := decode(seg, "namespace")
		if err != nil {
			return "", err
		}
		// A decoded '/' could not be told apart from a segment separator
		// when written back, so the specification forbids it.
		if strings.Contains(d, "/") {
			return "", errorf("namespace", "segment %q contains an encoded '/'", seg)
		}
		segs = append(segs, d)
	}
	return strings.Join(segs, "/"), nil
}

func parseSubpath(raw string) (string, error) {
	var segs []string
	for seg := range strings.SplitSeq(raw, "/") {
		if seg == "" {
			continue
		}
		d, err := decode(seg, "subpath")
		if err != nil {
			return "", err
		}
		// Checked after decoding, so "%2E%2E" cannot smuggle a parent
		// directory past the cleaning.
		if d == "." || d == ".." {
			continue
		}
		if strings.Contains(d, "/") {
			return "", errorf("subpath", "segment %q contains an encoded '/'", seg)
		}
		segs = append(segs, d)
	}
	return strings.Join(segs, "/"), nil
}

func parseQualifiers(raw string) ([]Qualifier, error) {
	var qs []Qualifier
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		if !ok {
			return nil, errorf("qualifiers", "%q has no '='", pair)
		}
		k = asciiLower(k)
		if err := checkQualifierKey(k); err != nil {
			return nil, err
		}
		val, err := decode(v, "qualifiers")
		if err != nil {
			return nil, err
		}
		if val == "" {
			continue
		}
		qs = append(qs, Qualifier{Key: k, Value: val})
	}
	sort.Slice(qs, func(i, j int) bool { return qs[i].Key < qs[j].Key })
	for i := 1; i < len(qs); i++ {
		if qs[i].Key == qs[i-1].Key {
			return nil, errorf("qualifiers", "key %q appears twice", qs[i].Key)
		}
	}
	return qs, nil
}

func checkQualifierKey(k string) error {
	if k == "" {
		return errorf("qualifiers", "empty key")
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c >= 'a' && c <= 'z', c == '.', c == '-', c == '_':
		case c >= '0' && c <= '9':
			if i == 0 {
				return errorf("qualifiers", "key %q starts with a digit", k)
			}
		default:
			return errorf("qualifiers", "key %q has character %q; only letters, digits, '.', '-' and '_' are allowed", k, c)
		}
	}
	return nil
}

// decode percent-decodes s. Unlike url.PathUnescape it leaves '+' alone:
// in a purl '+' is a literal plus (Go's +incompatible), never a space.
func decode(s, component string) (string, error) {
	if strings.IndexByte(s, '%') < 0 {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+2 >= len(s) {
			return "", errorf(component, "truncated percent-encoding in %q", s)
		}
		hi, ok1 := unhex(s[i+1])
		lo, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return "", errorf(component, "bad percent-encoding %q in %q", s[i:i+3], s)
		}
		b.WriteByte(hi<<4 | lo)
		i += 2
	}
	return b.String(), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// String returns the canonical form of p. Percent-encoding can make it
// longer than MaxLen (at most three times the decoded text), in which case
// Parse would refuse it.
func (p PURL) String() string {
	var b strings.Builder
	b.Grow(len(p.Type) + len(p.Namespace) + len(p.Name) + len(p.Version) + len(p.Subpath) + 16)
	p.writeKey(&b)
	if p.Version != "" {
		b.WriteByte('@')
		encode(&b, p.Version, false)
	}
	sep := byte('?')
	for _, q := range p.Qualifiers {
		if q.Value == "" {
			continue
		}
		b.WriteByte(sep)
		sep = '&'
		b.WriteString(q.Key)
		b.WriteByte('=')
		encode(&b, q.Value, true)
	}
	if p.Subpath != "" {
		b.WriteByte('#')
		encode(&b, p.Subpath, true)
	}
	return b.String()
}

// Key returns the identity of the package regardless of version, qualifiers
// and subpath: the canonical "pkg:type/namespace/name". For golang it ends in
// the module path exactly as written.
func (p PURL) Key() string {
	var b strings.Builder
	b.Grow(len(p.Type) + len(p.Namespace) + len(p.Name) + 6)
	p.writeKey(&b)
	return b.String()
}

func (p PURL) writeKey(b *strings.Builder) {
	b.WriteString("pkg:")
	b.WriteString(p.Type)
	b.WriteByte('/')
	if p.Namespace != "" {
		// Segments are encoded one by one so the separators survive.
		encode(b, p.Namespace, true)
		b.WriteByte('/')
	}
	encode(b, p.Name, false)
}

// encode writes s percent-encoded: everything but unreserved characters and
// ':' (which the specification says must not be encoded), and '/' too
// unless keepSlash.
func encode(b *strings.Builder, s string, keepSlash bool) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) || c == ':' || (keepSlash && c == '/') {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
}

func isUnreserved(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '-' || c == '_' || c == '~'
}

// QualifierValue returns the value of the qualifier key (lowercase), or "".
// Absent and empty are the same thing in a purl.
func (p PURL) QualifierValue(key string) string {
	for _, q := range p.Qualifiers {
		if q.Key == key {
			return q.Value
		}
	}
	return ""
}
