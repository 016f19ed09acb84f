package purl

import (
	"sort"
	"strings"
)

// Which parts of a purl the specification says are case-insensitive, per
// type. Types not listed keep their case; golang is deliberately absent
// because Go module paths are case-sensitive.
var (
	lowerNamespaceAndName = map[string]bool{
		"alpm": true, "apk": true, "bitbucket": true, "composer": true,
		"deb": true, "github": true, "hex": true, "npm": true,
	}
	lowerName      = map[string]bool{"bitnami": true, "luarocks": true, "oci": true, "pub": true}
	lowerNamespace = map[string]bool{"qpkg": true, "rpm": true}
)

// Normalize returns p with the specification's type-specific rules applied
// (see the package documentation), the type lowercased, empty namespace and
// subpath segments and "."/".." subpath segments removed, and qualifiers
// sorted with empty values dropped. Parse already calls it; it is exported
// for purls built field by field. Like the other methods it does not modify
// p's qualifier slice.
func (p PURL) Normalize() PURL {
	p.Type = asciiLower(p.Type)
	p.Namespace = cleanSegments(p.Namespace, false)
	p.Subpath = cleanSegments(p.Subpath, true)
	switch {
	case lowerNamespaceAndName[p.Type]:
		p.Namespace = asciiLower(p.Namespace)
		p.Name = asciiLower(p.Name)
	case lowerName[p.Type]:
		p.Name = asciiLower(p.Name)
	case lowerNamespace[p.Type]:
		p.Namespace = asciiLower(p.Namespace)
	case p.Type == "pypi":
		p.Name = strings.ReplaceAll(asciiLower(p.Name), "_", "-")
	}
	if len(p.Qualifiers) > 0 {
		qs := make([]Qualifier, 0, len(p.Qualifiers))
		for _, q := range p.Qualifiers {
			if q.Value != "" {
				qs = append(qs, Qualifier{Key: asciiLower(q.Key), Value: q.Value})
			}
		}
		if !sort.SliceIsSorted(qs, func(i, j int) bool { return qs[i].Key < qs[j].Key }) {
			sort.SliceStable(qs, func(i, j int) bool { return qs[i].Key < qs[j].Key })
		}
		if len(qs) == 0 {
			qs = nil
		}
		p.Qualifiers = qs
	}
	return p
}

// cleanSegments drops empty segments (and "." and ".." when dots is set) so a
// purl built by hand writes the same string Parse would have produced.
func cleanSegments(s string, dots bool) string {
	if s == "" {
		return ""
	}
	if !strings.Contains(s, "//") && s[0] != '/' && s[len(s)-1] != '/' &&
		(!dots || !hasDotSegment(s)) {
		return s
	}
	var keep []string
	for seg := range strings.SplitSeq(s, "/") {
		if seg == "" || dots && (seg == "." || seg == "..") {
			continue
		}
		keep = append(keep, seg)
	}
	return strings.Join(keep, "/")
}

func hasDotSegment(s string) bool {
	for seg := range strings.SplitSeq(s, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// asciiLower lowercases ASCII letters only. Registry names are ASCII; leaving
// other bytes alone keeps invalid UTF-8 byte-for-byte, so normalising twice
// changes nothing.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
