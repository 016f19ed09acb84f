package match

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/vigil-oss/vigil/internal/advisory"
	"github.com/vigil-oss/vigil/internal/purl"
	"github.com/vigil-oss/vigil/internal/versions"
)

// OSVLookup finds the OSV records that name a package; advisory.OSVIndex
// serves.
type OSVLookup interface {
	Lookup(ecosystem, name string) ([]*advisory.OSV, []advisory.Problem)
}

func osvKey(ecosystem, name string) string {
	base, _, _ := strings.Cut(ecosystem, ":")
	if base == "PyPI" {
		name = pypiName(name)
	}
	return base + "\x00" + name
}

// pypiName is PEP 503's normal form: lower case, runs of -_. as one -.
func pypiName(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r == '-' || r == '_' || r == '.' {
			dash = true
			continue
		}
		if dash && b.Len() > 0 {
			b.WriteByte('-')
		}
		dash = false
		b.WriteRune(r)
	}
	return b.String()
}

// sameOSVPackage reports whether an affected entry names the package.
func sameOSVPackage(p advisory.OSVPackage, ecosystem, name string) bool {
	return osvKey(p.Ecosystem, p.Name) == osvKey(ecosystem, name)
}

// matchOSV evaluates every OSV record naming the component's package.
// Fleets share components, and so do the SBOMs of one scan: the outcome for
// one purl and version is computed once and copied for the next component
// that has it.
func (m *Matcher) matchOSV(c *subject) []*Finding {
	if c.purl == nil || c.version == "" {
		return nil
	}
	key := c.purlText + "\x00" + c.version
	m.cmu.Lock()
	e, ok := m.osvCache[key]
	if !ok {
		e = &osvMemo{}
		if len(m.osvCache) < maxCached {
			m.osvCache[key] = e
		}
	}
	m.cmu.Unlock()
	// SBOMs matched concurrently ask for the same purls at the same time:
	// one evaluates, the others wait for it.
	e.once.Do(func() {
		e.findings = m.evalOSV(c)
		for _, f := range e.findings {
			f.Evidence = slices.Clip(f.Evidence)
			f.FixedVersions = slices.Clip(f.FixedVersions)
		}
	})
	cached := e.findings
	out := make([]*Finding, len(cached))
	for i, f := range cached {
		cp := *f
		cp.Source, cp.BOMRef, cp.Component = c.Source, c.Ref, c.Name
		cp.CPE = ""
		if len(c.CPEs) > 0 {
			cp.CPE = c.CPEs[0]
		}
		out[i] = &cp
	}
	return out
}

// maxCached bounds the per-purl memo of matchOSV.
const maxCached = 1 << 20

type osvMemo struct {
	once     sync.Once
	findings []*Finding
}

func (m *Matcher) evalOSV(c *subject) []*Finding {
	eco, name := c.purl.Ecosystem(), c.purl.OSVName()
	if c.purl.Type == "golang" {
		name = c.purl.GoModulePath() // module paths are case-sensitive
	}
	if eco == "" || name == "" {
		return nil
	}
	scheme, _ := versions.ForEcosystem(eco)
	var out []*Finding
	for _, src := range m.osv {
		recs, problems := src.Lookup(eco, name)
		for _, p := range problems {
			m.warnf("%s: %s", p.Path, p.Reason)
		}
		for _, r := range recs {
			if r.Withdrawn != nil {
				continue
			}
			f := m.osvFinding(c, r, eco, name, scheme)
			if f != nil {
				out = append(out, f)
			}
		}
	}
	return out
}

func (m *Matcher) osvFinding(c *subject, r *advisory.OSV, eco, name string, scheme versions.Scheme) *Finding {
	var (
		f     *Finding
		fixed []string
	)
	for i, a := range r.Affected {
		if !sameOSVPackage(a.Package, eco, name) {
			continue
		}
		ranges := make([]versions.Range, 0, len(a.Ranges))
		for _, rg := range a.Ranges {
			vr := versions.Range{Type: versions.RangeType(rg.Type)}
			for _, e := range rg.Events {
				vr.Events = append(vr.Events, versions.Event{Introduced: e.Introduced, Fixed: e.Fixed, LastAffected: e.LastAffected, Limit: e.Limit})
			}
			ranges = append(ranges, vr)
		}
		verdict, err := versions.Affects(scheme, c.version, ranges, a.Versions)
		if err != nil {
			m.warnf("%s: %s affected[%d]: version %q: %v", c.source, r.ID, i, c.version, err)
			continue
		}
		if verdict != versions.Affected {
			continue
		}
		if f == nil {
			f = m.newFinding(c, r.ID, r.Aliases)
			f.Summary = r.Summary
			m.osvSeverity(f, r, a)
		}
		for _, rg := range a.Ranges {
			for _, e := range rg.Events {
				if e.Fixed == "" {
					continue
				}
				if cmp, err := versions.Compare(scheme, e.Fixed, c.version); err == nil && cmp > 0 {
					fixed = append(fixed, e.Fixed)
				} else if rg.Type == "SEMVER" && err != nil {
					fixed = append(fixed, e.Fixed)
				}
			}
		}
		f.Evidence = append(f.Evidence, Evidence{
			Rule:      RulePURL,
			Matched:   c.purlText,
			Criterion: describeOSVAffected(a, eco),
			Document:  r.ID,
			Date:      r.Modified,
		})
	}
	if f != nil {
		slices.SortFunc(fixed, func(a, b string) int {
			if c, err := versions.Compare(scheme, a, b); err == nil {
				return c
			}
			return strings.Compare(a, b)
		})
		f.FixedVersions = slices.Compact(fixed)
	}
	return f
}

// describeOSVAffected renders an affected entry's ranges for evidence:
// "Go SEMVER [introduced 0, fixed 1.2.3)".
func describeOSVAffected(a advisory.OSVAffected, eco string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", eco, a.Package.Name)
	for _, rg := range a.Ranges {
		b.WriteString(" ")
		b.WriteString(rg.Type)
		b.WriteString(" [")
		for i, e := range rg.Events {
			if i > 0 {
				b.WriteString(", ")
			}
			switch {
			case e.Introduced != "":
				b.WriteString("introduced " + e.Introduced)
			case e.Fixed != "":
				b.WriteString("fixed " + e.Fixed)
			case e.LastAffected != "":
				b.WriteString("last_affected " + e.LastAffected)
			case e.Limit != "":
				b.WriteString("limit " + e.Limit)
			}
		}
		b.WriteString(")")
	}
	if len(a.Versions) > 0 {
		fmt.Fprintf(&b, " versions(%d)", len(a.Versions))
	}
	return b.String()
}

// osvSeverity takes the best CVSS vector of the affected entry or the
// record.
func (m *Matcher) osvSeverity(f *Finding, r *advisory.OSV, a advisory.OSVAffected) {
	var best *Score
	for _, sev := range append(append([]advisory.OSVSeverity(nil), a.Severity...), r.Severity...) {
		if !strings.HasPrefix(sev.Type, "CVSS") {
			continue
		}
		if s, ok := ScoreVector(sev.Score); ok && (best == nil || better(s, *best)) {
			best = &s
		}
	}
	if best != nil {
		f.Score = best
		f.Severity = best.Severity
	}
}

// parsedPURL parses a component's purl, or nil.
func parsedPURL(s string) *purl.PURL {
	if s == "" {
		return nil
	}
	p, err := purl.Parse(s)
	if err != nil {
		return nil
	}
	return &p
}
