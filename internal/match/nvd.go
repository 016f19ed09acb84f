package match

import (
	"strings"

	"github.com/vigil-oss/vigil/internal/advisory"
	"github.com/vigil-oss/vigil/internal/cpe"
	"github.com/vigil-oss/vigil/internal/versions"
)

// nvdIndex finds NVD records by the vendor and product of their vulnerable
// criteria; criteria with a wildcard vendor or product are kept aside and
// tried for every name.
type nvdIndex struct {
	byName map[string][]*advisory.NVDRecord
	wild   []*advisory.NVDRecord
}

func cpeKey(w cpe.WFN) string {
	return strings.ToLower(w.Vendor.Text()) + ":" + strings.ToLower(w.Product.Text())
}

// vulnerableNames returns the vendor:product keys of a record's vulnerable
// criteria, each once, and whether any has a wildcard vendor or product
// (and so may name anything).
func vulnerableNames(r *advisory.NVDRecord) (keys []string, wild bool) {
	seen := map[string]bool{}
	for _, c := range r.Configurations {
		for _, n := range c.Nodes {
			for _, cr := range n.CPEMatch {
				if !cr.Vulnerable {
					continue
				}
				w, err := cpe.Parse(cr.Criteria)
				if err != nil {
					continue
				}
				if w.Vendor.IsAny() || w.Product.IsAny() || w.Vendor.HasWildcard() || w.Product.HasWildcard() {
					wild = true
					continue
				}
				if k := cpeKey(w); !seen[k] {
					seen[k] = true
					keys = append(keys, k)
				}
			}
		}
	}
	return keys, wild
}

func newNVDIndex(recs []*advisory.NVDRecord) *nvdIndex {
	ix := &nvdIndex{byName: map[string][]*advisory.NVDRecord{}}
	for _, r := range recs {
		keys, wild := vulnerableNames(r)
		for _, k := range keys {
			ix.byName[k] = append(ix.byName[k], r)
		}
		if wild {
			ix.wild = append(ix.wild, r)
		}
	}
	return ix
}

// candidates returns the records that may name w, each once.
func (ix *nvdIndex) candidates(names []cpe.WFN) []*advisory.NVDRecord {
	var out []*advisory.NVDRecord
	seen := map[*advisory.NVDRecord]bool{}
	for _, w := range names {
		for _, r := range ix.byName[cpeKey(w)] {
			if !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
	}
	for _, r := range ix.wild {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}

// matchNVD evaluates the NVD configurations naming the component's CPEs.
// present is every CPE name of the SBOM the component belongs to, so that
// an AND configuration (application on a platform) can hold.
func (m *Matcher) matchNVD(c *subject, present []cpe.WFN) []*Finding {
	if m.nvd == nil || len(c.wfns) == 0 {
		return nil
	}
	scheme := versions.Firmware
	if c.purl != nil {
		if s, ok := versions.ForPurlType(c.purl.Type); ok {
			scheme = s
		}
	}
	cmpFn := func(a, b string) (int, error) { return versions.Compare(scheme, a, b) }
	var out []*Finding
	for _, r := range m.nvd.candidates(c.wfns) {
		res := cpe.Evaluate(r.Configurations, present, cmpFn)
		if !res.Vulnerable {
			continue
		}
		var f *Finding
		for _, ev := range res.Evidence {
			if !c.names(ev.Target) {
				continue
			}
			if f == nil {
				f = m.newFinding(c, r.ID, nil)
				f.Summary = firstSentence(r.Description)
				if mt, ok := r.Primary(); ok {
					if s, ok := ScoreVector(mt.Vector); ok {
						f.Score, f.Severity = &s, s.Severity
					} else if sev := ParseSeverity(mt.Severity); sev != Unknown {
						f.Severity = sev
					}
				}
			}
			crit := ev.Criteria
			if !ev.Range.IsZero() {
				crit += " (" + ev.Range.String() + ")"
			}
			note := ""
			if scheme == versions.Firmware && !ev.Range.IsZero() {
				note = "versions compared with the vendor-firmware heuristic"
			}
			f.Evidence = append(f.Evidence, Evidence{Rule: RuleCPE, Matched: ev.Target.String(), Criterion: crit,
				Document: r.ID, Date: r.LastModified, Note: note})
			if ev.Range.EndExcluding != "" {
				f.FixedVersions = append(f.FixedVersions, ev.Range.EndExcluding)
			}
		}
		if f != nil {
			out = append(out, f)
		}
	}
	return out
}

// firstSentence shortens a description for a summary line.
func firstSentence(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, ". "); i > 0 && i < 300 {
		return s[:i+1]
	}
	if len(s) > 300 {
		return s[:297] + "..."
	}
	return s
}
