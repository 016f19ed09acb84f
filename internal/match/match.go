package match

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/vigil-oss/vigil/internal/advisory"
	"github.com/vigil-oss/vigil/internal/cpe"
	"github.com/vigil-oss/vigil/internal/purl"
	"github.com/vigil-oss/vigil/internal/versions"
	"github.com/vigil-oss/vigil/internal/vex"
)

// Component is one thing to match: an SBOM component, the device an SBOM
// describes, or an inventory software release.
type Component struct {
	Source   string // the SBOM file or release it belongs to
	Ref      string // bom-ref, SPDX id, or release key
	Type     string // library, firmware, device, …
	Supplier string // maker, for name-based CSAF matching
	Group    string // CycloneDX group, or the product family
	Name     string
	Model    string // the device model's number, for a device or a release
	Version  string
	PURL     string
	CPEs     []string
}

// subject is a Component with its identifiers parsed once.
type subject struct {
	Component
	source   string
	version  string
	purl     *purl.PURL
	purlText string
	wfns     []cpe.WFN
}

// names reports whether w is one of the subject's CPE names.
func (s *subject) names(w cpe.WFN) bool {
	for _, x := range s.wfns {
		if x == w {
			return true
		}
	}
	return false
}

func newSubject(c Component) *subject {
	s := &subject{Component: c, source: c.Source, version: c.Version}
	if p := parsedPURL(c.PURL); p != nil {
		s.purl = p
		s.purlText = c.PURL
		if p.Version != "" {
			s.version = p.Version
		}
	}
	for _, c := range c.CPEs {
		if w, err := cpe.Parse(c); err == nil {
			s.wfns = append(s.wfns, w)
		}
	}
	return s
}

// Sources is the advisory data a Matcher consults.
type Sources struct {
	OSV     []OSVLookup
	NVD     []*advisory.NVDRecord
	CSAF    []CSAFSource
	VEX     []vex.Statement
	KEV     *advisory.KEVCatalog
	EPSS    *advisory.EPSS
	Aliases *advisory.Aliases
}

// Matcher matches components against advisory data. It is safe for
// concurrent use once built.
type Matcher struct {
	osv     []OSVLookup
	nvd     *nvdIndex
	csaf    *csafIndex
	vex     *vex.Index
	kev     map[string]*advisory.KEVEntry
	epss    *advisory.EPSS
	aliases *advisory.Aliases

	mu        sync.Mutex
	warnings  []string
	amu       sync.Mutex // guards aliases, which matching extends
	cmu       sync.Mutex // guards osvCache
	osvCache  map[string]*osvMemo
	compCache map[string]*compMemo
}

func (m *Matcher) addAliases(ids []string) {
	m.amu.Lock()
	defer m.amu.Unlock()
	m.aliases.Add(ids...)
}

func (m *Matcher) aliasGroup(id string) []string {
	m.amu.Lock()
	defer m.amu.Unlock()
	return m.aliases.Group(id)
}

// New builds a Matcher over src.
func New(src Sources) *Matcher {
	m := &Matcher{osv: src.OSV, epss: src.EPSS, aliases: src.Aliases, kev: map[string]*advisory.KEVEntry{}, osvCache: map[string]*osvMemo{}, compCache: map[string]*compMemo{}}
	if len(src.NVD) > 0 {
		m.nvd = newNVDIndex(src.NVD)
	}
	if len(src.CSAF) > 0 {
		m.csaf = newCSAFIndex(src.CSAF)
	}
	if len(src.VEX) > 0 {
		m.vex = vex.NewIndexWithRanges(src.VEX, versRange)
	}
	if m.aliases == nil {
		m.aliases = advisory.NewAliases()
	}
	if src.KEV != nil {
		for i := range src.KEV.Entries {
			e := &src.KEV.Entries[i]
			m.kev[e.CVE] = e
		}
	}
	return m
}

// Warnings returns what the matcher could not evaluate (a version a range
// could not compare, a record that failed to decode), each once.
func (m *Matcher) Warnings() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Compact(slices.Sorted(slices.Values(m.warnings)))
}

func (m *Matcher) warnf(format string, args ...any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.warnings) < 10000 {
		m.warnings = append(m.warnings, fmt.Sprintf(format, args...))
	}
}

func (m *Matcher) newFinding(c *subject, id string, aliases []string) *Finding {
	m.addAliases(append([]string{id}, aliases...))
	cpe := ""
	if len(c.CPEs) > 0 {
		cpe = c.CPEs[0]
	}
	return &Finding{
		Source:        c.Source,
		BOMRef:        c.Ref,
		Component:     c.Name,
		Version:       c.version,
		PURL:          c.PURL,
		CPE:           cpe,
		AdvisoryID:    advisory.NormalizeID(id),
		Severity:      Unknown,
		FixedVersions: []string{},
	}
}

// Match returns the findings for the components of one SBOM (or one
// device), in component order and then by advisory id. Findings for one
// component whose advisories are aliases of each other are merged into
// one, keeping every piece of evidence. The components are matched
// together because an advisory may need two of them at once: an NVD
// configuration for an application running on a platform, or a CSAF
// product that is firmware installed on a device.
func (m *Matcher) Match(components []Component) []Finding {
	var present []cpe.WFN
	if m.nvd != nil {
		for _, c := range components {
			for _, x := range c.CPEs {
				if w, err := cpe.Parse(x); err == nil {
					present = append(present, w)
				}
			}
		}
	}
	// First pass: which CSAF products does this SBOM or device contain?
	var rels map[string]bool
	hasRels := m.csaf != nil && len(m.csaf.rels) > 0
	if hasRels {
		rels = map[string]bool{}
		for _, c := range components {
			_, keys := m.matchCSAF(newSubject(c), nil)
			for _, k := range keys {
				rels[k] = true
			}
		}
	}
	// Components are independent from here on: match them on every core,
	// keeping component order in the result.
	per := make([][]Finding, len(components))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(components)/64, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(components) {
					return
				}
				c := components[i]
				// What a component matches depends on itself alone, unless
				// the SBOM's other names take part (NVD AND configurations
				// through its CPEs; CSAF relationships): fleets and the
				// releases of one product share most components, so the
				// outcome is computed once per distinct component.
				if hasRels || m.nvd != nil && len(c.CPEs) > 0 {
					per[i] = m.matchOne(newSubject(c), present, rels)
					continue
				}
				per[i] = m.matchShared(c)
			}
		}()
	}
	wg.Wait()
	n := 0
	for _, fs := range per {
		n += len(fs)
	}
	if n == 0 {
		return nil
	}
	out := make([]Finding, 0, n) // findings are large: grow once
	for _, fs := range per {
		out = append(out, fs...)
	}
	return out
}

// compMemo is the outcome for one distinct component: its findings merged
// and enriched, before VEX (which depends on the bom-ref too).
type compMemo struct {
	once     sync.Once
	findings []Finding
	keys     []string
	version  string
}

func componentKey(c Component) string {
	return strings.Join(append([]string{c.Type, c.Supplier, c.Group, c.Name, c.Model, c.Version, c.PURL}, c.CPEs...), "\x00")
}

func (m *Matcher) matchShared(c Component) []Finding {
	k := componentKey(c)
	m.cmu.Lock()
	e, ok := m.compCache[k]
	if !ok {
		e = &compMemo{}
		if len(m.compCache) < maxCached {
			m.compCache[k] = e
		}
	}
	m.cmu.Unlock()
	e.once.Do(func() {
		s := newSubject(c)
		fs, keys := m.evalComponent(s, nil, nil)
		e.findings, e.keys, e.version = make([]Finding, len(fs)), keys, s.version
		for i, f := range fs {
			f.Evidence = slices.Clip(f.Evidence)
			f.FixedVersions = slices.Clip(f.FixedVersions)
			f.Aliases = slices.Clip(f.Aliases)
			e.findings[i] = *f
		}
	})
	if len(e.findings) == 0 {
		return nil
	}
	s := &subject{Component: c, version: e.version}
	out := make([]Finding, len(e.findings))
	for i := range e.findings {
		f := e.findings[i]
		f.Source, f.BOMRef = c.Source, c.Ref
		m.applyVEX(&f, s, e.keys)
		out[i] = f
	}
	return out
}

// evalComponent matches one component against every source and merges and
// enriches its findings; it returns the CSAF product keys it is, for VEX.
func (m *Matcher) evalComponent(s *subject, present []cpe.WFN, rels map[string]bool) ([]*Finding, []string) {
	var fs []*Finding
	fs = append(fs, m.matchOSV(s)...)
	fs = append(fs, m.matchNVD(s, present)...)
	cf, keys := m.matchCSAF(s, rels)
	fs = append(fs, cf...)
	merged := m.merge(fs)
	for _, f := range merged {
		m.enrich(f)
	}
	return merged, keys
}

func (m *Matcher) matchOne(s *subject, present []cpe.WFN, rels map[string]bool) []Finding {
	fs, keys := m.evalComponent(s, present, rels)
	out := make([]Finding, 0, len(fs))
	for _, f := range fs {
		m.applyVEX(f, s, keys)
		out = append(out, *f)
	}
	return out
}

// applyVEX marks a finding with the VEX statement that governs it.
func (m *Matcher) applyVEX(f *Finding, s *subject, productKeys []string) {
	if m.vex == nil {
		return
	}
	subj := vex.Subject{VulnIDs: append([]string{f.AdvisoryID}, f.Aliases...), PURL: s.PURL, BOMRef: s.Ref, ProductIDs: productKeys, Version: s.version}
	if len(s.CPEs) > 0 {
		subj.CPE = s.CPEs[0]
	}
	st, ok := m.vex.Lookup(subj)
	if !ok {
		return
	}
	f.VEX = &VEXStatus{Status: string(st.Status), Justification: st.Justification, Impact: st.Impact, Action: st.Action,
		Source: st.Source, Format: st.Format, Timestamp: st.Timestamp}
	f.VEXStatus = string(st.Status)
	f.Suppressed = st.Status == vex.NotAffected || st.Status == vex.Fixed
}

// merge joins findings of one component that name the same vulnerability.
func (m *Matcher) merge(fs []*Finding) []*Finding {
	if len(fs) < 2 {
		return fs
	}
	var out []*Finding
	byGroup := map[string]*Finding{}
	for _, f := range fs {
		key := m.aliasGroup(f.AdvisoryID)[0]
		if prev, ok := byGroup[key]; ok {
			prev.Evidence = append(prev.Evidence, f.Evidence...)
			prev.FixedVersions = slices.Compact(slices.Sorted(slices.Values(append(prev.FixedVersions, f.FixedVersions...))))
			if f.Score != nil && (prev.Score == nil || better(*f.Score, *prev.Score)) {
				prev.Score, prev.Severity = f.Score, f.Severity
			}
			if prev.Summary == "" {
				prev.Summary = f.Summary
			}
			continue
		}
		byGroup[key] = f
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b *Finding) int { return cmp.Compare(a.AdvisoryID, b.AdvisoryID) })
	return out
}

// enrich fills aliases, KEV and EPSS from the finding's alias group.
func (m *Matcher) enrich(f *Finding) {
	group := m.aliasGroup(f.AdvisoryID)
	f.Aliases = make([]string, 0, len(group))
	for _, id := range group {
		if id != f.AdvisoryID {
			f.Aliases = append(f.Aliases, id)
		}
	}
	for _, id := range group {
		if !strings.HasPrefix(id, "CVE-") {
			continue
		}
		if e := m.kev[id]; e != nil && f.KEV == nil {
			f.KEV = &KEV{CVE: id, DateAdded: e.DateAdded, DueDate: e.DueDate, Ransomware: e.KnownRansomware}
		}
		if m.epss != nil {
			if s, ok := m.epss.Scores[id]; ok && (f.EPSS == nil || s.Probability > f.EPSS.Probability) {
				f.EPSS = &EPSS{CVE: id, Probability: s.Probability, Percentile: s.Percentile}
			}
		}
	}
}

// versRange evaluates a CycloneDX affects[].versions range (a vers string)
// for VEX statements scoped to versions.
func versRange(rng, version string) (in, ok bool) {
	v, err := versions.ParseVers(rng)
	if err != nil {
		return false, false
	}
	in, err = v.Contains(version)
	return in, err == nil
}
