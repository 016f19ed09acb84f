package match

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vigil-oss/vigil/internal/cpe"
	"github.com/vigil-oss/vigil/internal/csaf"
	"github.com/vigil-oss/vigil/internal/purl"
	"github.com/vigil-oss/vigil/internal/versions"
)

// CSAFSource is one CSAF advisory and where it was read from.
type CSAFSource struct {
	Path string
	Doc  *csaf.Document
}

// CSAFProductKey names a CSAF product across documents (product ids are
// unique only within one advisory): "<tracking id>#<product id>".
func CSAFProductKey(doc *csaf.Document, productID string) string {
	return doc.Tracking.ID + "#" + productID
}

type csafProduct struct {
	doc    *csafDoc
	p      csaf.Product
	purl   *purl.PURL
	cpe    *cpe.WFN
	rng    *csaf.VersionRange // nil: no version information (all versions)
	rngErr error
}

type csafDoc struct {
	src      CSAFSource
	products map[string]*csafProduct
	order    []*csafProduct
}

type csafIndex struct {
	docs   []*csafDoc
	byName map[string][]*csafProduct
	byPURL map[string][]*csafProduct
	byCPE  map[string][]*csafProduct
	rels   []*csafProduct
}

func newCSAFIndex(srcs []CSAFSource) *csafIndex {
	ix := &csafIndex{byName: map[string][]*csafProduct{}, byPURL: map[string][]*csafProduct{}, byCPE: map[string][]*csafProduct{}}
	for _, s := range srcs {
		d := &csafDoc{src: s, products: map[string]*csafProduct{}}
		ix.docs = append(ix.docs, d)
		for _, p := range s.Doc.Products() {
			cp := &csafProduct{doc: d, p: p}
			text := p.VersionRange
			if text == "" {
				text = p.Version
			}
			if text != "" {
				r, err := csaf.ParseVersionRange(text)
				if err != nil {
					cp.rngErr = err
				} else {
					cp.rng = &r
				}
			}
			if p.Helper != nil {
				if p.Helper.PURL != "" {
					if u, err := purl.Parse(p.Helper.PURL); err == nil {
						cp.purl = &u
						ix.byPURL[u.Key()] = append(ix.byPURL[u.Key()], cp)
					}
				}
				if p.Helper.CPE != "" {
					if w, err := cpe.Parse(p.Helper.CPE); err == nil {
						cp.cpe = &w
						ix.byCPE[cpeKey(w)] = append(ix.byCPE[cpeKey(w)], cp)
					}
				}
				for _, mn := range p.Helper.ModelNumbers {
					if k := normName(mn); k != "" {
						ix.byName[k] = append(ix.byName[k], cp)
					}
				}
			}
			if p.Relationship != nil {
				ix.rels = append(ix.rels, cp)
			} else if k := normName(p.ProductName); k != "" {
				ix.byName[k] = append(ix.byName[k], cp)
				// "Philips IntelliVue" under vendor Philips also answers to
				// "IntelliVue".
				if v := normName(p.Vendor); v != "" && strings.HasPrefix(k, v+" ") {
					ix.byName[k[len(v)+1:]] = append(ix.byName[k[len(v)+1:]], cp)
				}
			}
			if _, dup := d.products[p.ID]; !dup {
				d.order = append(d.order, cp)
			}
			d.products[p.ID] = cp
		}
	}
	return ix
}

// csafHit is a product a subject matched by identity (before versions).
type csafHit struct {
	cp   *csafProduct
	rule Rule
	what string // the subject's identifier that matched
	note string
}

// identify returns the products that name the subject, whatever their
// version.
func (ix *csafIndex) identify(c *subject) []csafHit {
	var hits []csafHit
	seen := map[*csafProduct]bool{}
	add := func(h csafHit) {
		if !seen[h.cp] {
			seen[h.cp] = true
			hits = append(hits, h)
		}
	}
	if c.purl != nil {
		for _, cp := range ix.byPURL[c.purl.Key()] {
			add(csafHit{cp, RuleCSAFHelper, c.purlText, ""})
		}
	}
	for _, w := range c.wfns {
		for _, cp := range ix.byCPE[cpeKey(w)] {
			probe := *cp.cpe
			probe.Version = cpe.Any() // the version is checked below
			if probe.Matches(w) {
				add(csafHit{cp, RuleCSAFHelper, w.String(), ""})
			}
		}
	}
	if c.Name != "" {
		keys := []string{normName(c.Name)}
		if c.Group != "" {
			keys = append(keys, normName(c.Group+" "+c.Name))
		}
		if c.Model != "" {
			// "Alaris PC Unit Model 8015" names the model with its number.
			keys = append(keys, normName(c.Name+" "+c.Model), normName(c.Name+" model "+c.Model))
		}
		for _, k := range keys {
			for _, cp := range ix.byName[k] {
				if cp.p.Vendor == "" {
					continue
				}
				ok, fuzzy := vendorMatch(c.Supplier, cp.p.Vendor)
				if !ok {
					continue
				}
				note := ""
				if fuzzy {
					note = fmt.Sprintf("vendor %q taken as a spelling of %q", cp.p.Vendor, c.Supplier)
				}
				add(csafHit{cp, RuleCSAFName, strings.TrimSpace(c.Supplier + " " + c.Name + " " + c.version), note})
			}
		}
	}
	return hits
}

// position says where a version stands against a product's versions: in
// (inside its range, or equal to its one version), before or after (its
// one version), or unknown.
type position int

const (
	posUnknown position = iota
	posIn
	posBefore
	posAfter
	posOut
)

func (cp *csafProduct) position(c *subject, scheme versions.Scheme) (position, error) {
	version := c.version
	if cp.rngErr != nil {
		return posUnknown, fmt.Errorf("version range %q of %s not understood: %v", cp.p.VersionRange+cp.p.Version, cp.p.ID, cp.rngErr)
	}
	if cp.purl != nil && cp.purl.Version != "" {
		return comparePos(scheme, version, cp.purl.Version)
	}
	if cp.cpe != nil && !cp.cpe.Version.IsAny() && !cp.cpe.Version.IsNA() && cp.rng == nil {
		return comparePos(scheme, version, cp.cpe.Version.Text())
	}
	if cp.rng == nil {
		return posIn, nil
	}
	if version == "" {
		return posUnknown, fmt.Errorf("no version to compare with %q", cp.rng.Text)
	}
	// "8.x model 35700BAX2" covers that model only.
	if cp.rng.Model != "" && normName(cp.rng.Model) != normName(c.Model) {
		return posOut, nil
	}
	if !cp.rng.All && cp.rng.Vers == nil && len(cp.rng.Constraints) == 1 && cp.rng.Constraints[0].Op == versions.OpEQ {
		return comparePos(scheme, version, cp.rng.Constraints[0].Version)
	}
	in, err := cp.rng.Contains(version, scheme)
	if err != nil {
		return posUnknown, err
	}
	if in {
		return posIn, nil
	}
	return posOut, nil
}

func comparePos(scheme versions.Scheme, version, named string) (position, error) {
	if strings.EqualFold(strings.TrimSpace(version), strings.TrimSpace(named)) {
		return posIn, nil
	}
	c, err := versions.Compare(scheme, version, named)
	switch {
	case err != nil:
		return posUnknown, err
	case c == 0:
		return posIn, nil
	case c < 0:
		return posBefore, nil
	}
	return posAfter, nil
}

// matchCSAF evaluates every CSAF product that names the subject against
// the product status of each vulnerability. It also returns the product
// keys the subject is (for VEX).
func (m *Matcher) matchCSAF(c *subject, rels map[string]bool) ([]*Finding, []string) {
	if m.csaf == nil {
		return nil, nil
	}
	hits := m.csaf.identify(c)
	if len(hits) == 0 {
		return nil, nil
	}
	scheme := versions.Firmware
	if c.purl != nil {
		if s, ok := versions.ForPurlType(c.purl.Type); ok {
			scheme = s
		}
	}
	byDoc := map[*csafDoc][]csafHit{}
	var docs []*csafDoc
	for _, h := range hits {
		if _, ok := byDoc[h.cp.doc]; !ok {
			docs = append(docs, h.cp.doc)
		}
		byDoc[h.cp.doc] = append(byDoc[h.cp.doc], h)
	}
	var (
		out  []*Finding
		keys []string
	)
	for _, d := range docs {
		doc := d.src.Doc
		pos := map[string]position{}
		hitOf := map[string]csafHit{}
		for _, h := range byDoc[d] {
			p, err := h.cp.position(c, scheme)
			if err != nil {
				m.warnf("%s: %s %s: %v", d.src.Path, c.Name, c.version, err)
			}
			pos[h.cp.p.ID] = p
			hitOf[h.cp.p.ID] = h
			if p == posIn {
				keys = append(keys, CSAFProductKey(doc, h.cp.p.ID))
			}
		}
		// Products defined by a relationship ("firmware installed on
		// device") hold when the subject is the firmware and the same SBOM
		// or device names the platform.
		for _, rp := range m.csaf.rels {
			if rp.doc != d {
				continue
			}
			rel := rp.p.Relationship
			if pos[rel.ProductReference] == posIn && rels[CSAFProductKey(doc, rel.RelatesToProductReference)] {
				pos[rp.p.ID] = posIn
				h := hitOf[rel.ProductReference]
				h.cp = rp
				hitOf[rp.p.ID] = h
				keys = append(keys, CSAFProductKey(doc, rp.p.ID))
			}
		}
		for vi := range doc.Vulnerabilities {
			if f := m.csafFinding(c, d, vi, pos, hitOf); f != nil {
				out = append(out, f)
			}
		}
	}
	return out, keys
}

func (m *Matcher) csafFinding(c *subject, d *csafDoc, vi int, pos map[string]position, hitOf map[string]csafHit) *Finding {
	doc := d.src.Doc
	v := &doc.Vulnerabilities[vi]
	st := v.ProductStatus
	type verdict struct {
		pid    string
		bucket string
	}
	var affected []verdict
	check := func(bucket string, ids []string, want ...position) {
		for _, pid := range ids {
			if p, ok := pos[pid]; ok && slices.Contains(want, p) {
				affected = append(affected, verdict{pid, bucket})
			}
		}
	}
	check("known_affected", st.KnownAffected, posIn)
	check("first_affected", st.FirstAffected, posIn, posAfter)
	check("last_affected", st.LastAffected, posIn, posBefore)
	check("under_investigation", st.UnderInvestigation, posIn)
	if len(affected) == 0 {
		return nil
	}
	// A product the subject is that the advisory calls fixed overrides a
	// broader affected range (an advisory lists "< 2.0" affected and "2.0"
	// fixed; the versions agree, but be safe with overlapping products).
	for _, pid := range append(append([]string(nil), st.Fixed...), st.FirstFixed...) {
		if pos[pid] == posIn || slices.Contains(st.FirstFixed, pid) && pos[pid] == posAfter {
			return nil
		}
	}
	id, aliases := csafVulnID(doc, v)
	if id == "" {
		return nil
	}
	f := m.newFinding(c, id, aliases)
	f.Summary = v.Title
	if f.Summary == "" {
		f.Summary = doc.Title
	}
	for _, a := range affected {
		h := hitOf[a.pid]
		cp := d.products[a.pid]
		crit := fmt.Sprintf("%s %q is %s", a.pid, cp.p.Name, a.bucket)
		note := h.note
		if cp.rng == nil && cp.rngErr == nil && (cp.purl == nil || cp.purl.Version == "") {
			note = joinNote(note, "the advisory names no version: all versions")
		} else if h.rule == RuleCSAFName {
			note = joinNote(note, "versions compared with the vendor-firmware heuristic")
		}
		f.Evidence = append(f.Evidence, Evidence{Rule: h.rule, Matched: h.what, Criterion: crit, ProductID: a.pid,
			Document: doc.Tracking.ID + " v" + doc.Tracking.Version + " (" + d.src.Path + ")", Date: doc.Tracking.CurrentReleaseDate, Note: note})
	}
	// Fixed versions: the same product's fixed entries.
	for _, pid := range append(append([]string(nil), st.Fixed...), st.FirstFixed...) {
		cp := d.products[pid]
		if cp == nil || cp.p.Version == "" {
			continue
		}
		for _, a := range affected {
			if ap := d.products[a.pid]; ap != nil && normName(ap.p.ProductName) == normName(cp.p.ProductName) {
				f.FixedVersions = append(f.FixedVersions, cp.p.Version)
				break
			}
		}
	}
	f.FixedVersions = slices.Compact(slices.Sorted(slices.Values(f.FixedVersions)))
	m.csafSeverity(f, doc, v, affected[0].pid)
	return f
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// csafVulnID is the id a CSAF vulnerability is known by: its CVE, else its
// first listed id; the others, and the advisory's tracking id when it
// covers only this vulnerability, are aliases.
func csafVulnID(doc *csaf.Document, v *csaf.Vulnerability) (string, []string) {
	id := v.CVE
	var aliases []string
	for _, x := range v.IDs {
		if id == "" {
			id = x.Text
		} else {
			aliases = append(aliases, x.Text)
		}
	}
	if id == "" && len(doc.Vulnerabilities) == 1 {
		return doc.Tracking.ID, nil
	}
	if len(doc.Vulnerabilities) == 1 && doc.Tracking.ID != "" {
		aliases = append(aliases, doc.Tracking.ID)
	}
	return id, aliases
}

func (m *Matcher) csafSeverity(f *Finding, doc *csaf.Document, v *csaf.Vulnerability, pid string) {
	var best *Score
	sev := Unknown
	for _, s := range v.Scores {
		if !slices.Contains(s.Products, pid) {
			continue
		}
		for _, c := range []*csaf.CVSS{s.CVSSv3, s.CVSSv2} {
			if c == nil {
				continue
			}
			if sc, ok := ScoreVector(c.VectorString); ok {
				if best == nil || better(sc, *best) {
					best = &sc
				}
			} else if ps := ParseSeverity(c.BaseSeverity); ps.Rank() > sev.Rank() {
				sev = ps
			}
		}
	}
	if best != nil {
		f.Score, f.Severity = best, best.Severity
	} else if sev != Unknown {
		f.Severity = sev
	} else if doc.AggregateSeverity != nil {
		f.Severity = ParseSeverity(doc.AggregateSeverity.Text)
	}
}
