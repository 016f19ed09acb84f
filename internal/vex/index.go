package vex

import (
	"slices"
	"strings"

	"github.com/vigil-oss/vigil/internal/purl"
)

// Subject is what a finding is about: the vulnerability and the thing found
// vulnerable, identified in every way the finding knows.
type Subject struct {
	VulnIDs    []string // advisory id and all its aliases
	PURL       string
	CPE        string
	BOMRef     string
	ProductIDs []string // CSAF product ids
	// Version is the subject's version when it is not in PURL (a device's
	// firmware version identified by bom-ref or product id). It is used only
	// for statements scoped to versions; PURL's version is used when empty.
	Version string
}

// RangeFunc reports whether version lies in the vers range rng (for example
// "vers:generic/>=2.9|<=4.1"). ok is false when it cannot tell; the range then
// does not match.
type RangeFunc func(rng, version string) (in, ok bool)

// Index finds the statement governing a subject. It is read-only after
// construction and safe for concurrent use.
type Index struct {
	entries []indexEntry
	byVuln  map[string][]int
	inRange RangeFunc
}

type indexEntry struct {
	st       Statement
	products []matchProduct
}

// matchProduct is a Product with its purl parsed once.
type matchProduct struct {
	purl      purl.PURL
	purlKey   string
	purlOK    bool
	rawPURL   string
	cpe       string
	bomRef    string
	productID string
	versions  []Version
	subs      []matchProduct
}

// NewIndex indexes stmts for Lookup. Version ranges (CycloneDX
// affects[].versions[].range) never match in an Index built this way, because
// this package does not compare versions; use NewIndexWithRanges for that.
func NewIndex(stmts []Statement) *Index { return NewIndexWithRanges(stmts, nil) }

// NewIndexWithRanges is NewIndex with a function that decides whether a
// version lies in a vers range. inRange may be nil.
func NewIndexWithRanges(stmts []Statement, inRange RangeFunc) *Index {
	ix := &Index{
		entries: make([]indexEntry, len(stmts)),
		byVuln:  make(map[string][]int, len(stmts)),
		inRange: inRange,
	}
	for i, st := range stmts {
		e := &ix.entries[i]
		e.st = st
		e.products = make([]matchProduct, len(st.Products))
		for j, p := range st.Products {
			e.products[j] = newMatchProduct(p, 0)
		}
		seen := map[string]bool{}
		for _, id := range append([]string{st.Vulnerability}, st.Aliases...) {
			k := normVulnID(id)
			if k == "" || seen[k] {
				continue
			}
			seen[k] = true
			ix.byVuln[k] = append(ix.byVuln[k], i)
		}
	}
	return ix
}

func newMatchProduct(p Product, depth int) matchProduct {
	m := matchProduct{
		rawPURL:   strings.TrimSpace(p.PURL),
		cpe:       strings.TrimSpace(p.CPE),
		bomRef:    p.BOMRef,
		productID: p.ProductID,
		versions:  p.Versions,
	}
	if m.rawPURL != "" {
		if pp, err := purl.Parse(m.rawPURL); err == nil {
			m.purl, m.purlKey, m.purlOK = pp, pp.Key(), true
		}
	}
	if depth < maxComponentDepth {
		for _, s := range p.Subcomponents {
			m.subs = append(m.subs, newMatchProduct(s, depth+1))
		}
	}
	return m
}

// normVulnID makes vulnerability ids comparable: trimmed and upper-cased, as
// CVE, GHSA and GO ids are case-insensitive.
func normVulnID(id string) string { return strings.ToUpper(strings.TrimSpace(id)) }

// subjectInfo is a Subject with its purl parsed once per Lookup.
type subjectInfo struct {
	*Subject
	purl    purl.PURL
	purlKey string
	purlOK  bool
	version string
}

// Lookup returns the statement that governs s: among the statements naming
// any of s.VulnIDs (as their vulnerability or an alias, compared
// case-insensitively) and a product matching s, the one with the latest
// Timestamp; on a tie, the one given later to NewIndex.
//
// A product matches when any of its identifiers does:
//   - purl: same package after purl normalisation (Go module paths keep their
//     case); a statement purl without version matches every version, one with
//     a version only that version; every qualifier in the statement purl must
//     be in the subject's with the same value; a subpath must be equal;
//   - CPE: equal ignoring case;
//   - bom-ref: equal (a BOM-Link matches only the same BOM-Link);
//   - CSAF product id: equal to one of s.ProductIDs.
//
// A product with Versions also needs the subject's version (s.Version, else
// the purl's) to equal one of the listed versions or lie in a listed range.
// A product with subcomponents applies to a subject matching one of the
// subcomponents; the product itself is not checked, because a Subject does not
// say what it is part of. A product without subcomponents applies to a
// subject matching the product.
func (ix *Index) Lookup(s Subject) (Statement, bool) {
	if ix == nil {
		return Statement{}, false
	}
	si := subjectInfo{Subject: &s, version: strings.TrimSpace(s.Version)}
	if p := strings.TrimSpace(s.PURL); p != "" {
		if pp, err := purl.Parse(p); err == nil {
			si.purl, si.purlKey, si.purlOK = pp, pp.Key(), true
			if si.version == "" {
				si.version = pp.Version
			}
		}
	}
	best := -1
	for _, id := range s.VulnIDs {
		for _, i := range ix.byVuln[normVulnID(id)] {
			if best >= 0 && !ix.later(i, best) {
				continue
			}
			for j := range ix.entries[i].products {
				if ix.entries[i].products[j].match(ix, &si) {
					best = i
					break
				}
			}
		}
	}
	if best < 0 {
		return Statement{}, false
	}
	return ix.entries[best].st, true
}

// later reports whether entry i takes precedence over entry j.
func (ix *Index) later(i, j int) bool {
	ti, tj := ix.entries[i].st.Timestamp, ix.entries[j].st.Timestamp
	if ti.Equal(tj) {
		return i > j
	}
	return ti.After(tj)
}

func (m *matchProduct) match(ix *Index, s *subjectInfo) bool {
	if len(m.subs) > 0 {
		for k := range m.subs {
			if m.subs[k].match(ix, s) {
				return true
			}
		}
		return false
	}
	return m.identifies(s) && m.versionOK(ix, s.version)
}

func (m *matchProduct) identifies(s *subjectInfo) bool {
	switch {
	case m.rawPURL != "" && s.PURL != "" && m.purlMatches(s):
		return true
	case m.cpe != "" && strings.EqualFold(m.cpe, strings.TrimSpace(s.CPE)):
		return true
	case m.bomRef != "" && m.bomRef == s.BOMRef:
		return true
	case m.productID != "" && slices.Contains(s.ProductIDs, m.productID):
		return true
	}
	return false
}

func (m *matchProduct) purlMatches(s *subjectInfo) bool {
	if !m.purlOK || !s.purlOK {
		// Unparsable on either side: only the identical string matches.
		return m.rawPURL == strings.TrimSpace(s.PURL)
	}
	a, b := &m.purl, &s.purl
	if m.purlKey != s.purlKey {
		return false
	}
	if a.Version != "" && a.Version != b.Version {
		return false
	}
	if a.Subpath != "" && a.Subpath != b.Subpath {
		return false
	}
	for _, q := range a.Qualifiers {
		if b.QualifierValue(q.Key) != q.Value {
			return false
		}
	}
	return true
}

func (m *matchProduct) versionOK(ix *Index, version string) bool {
	if len(m.versions) == 0 {
		return true
	}
	if version == "" {
		return false
	}
	for _, v := range m.versions {
		if v.Version != "" && v.Version == version {
			return true
		}
		if v.Range != "" && ix.inRange != nil {
			if in, ok := ix.inRange(v.Range, version); ok && in {
				return true
			}
		}
	}
	return false
}
