package vex

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// DecodeCycloneDX decodes a CycloneDX BOM (JSON or XML, told apart by the
// first non-blank byte) and returns its VEX/VDR statements as FromCycloneDX
// does. The BOM is not schema-validated; a JSON document must say bomFormat
// "CycloneDX" and an XML one must use a CycloneDX namespace.
func DecodeCycloneDX(b []byte, source string) ([]Statement, []string, error) {
	fail := func(path, format string, args ...any) error {
		return &Error{Source: source, Path: path, Reason: fmt.Sprintf(format, args...)}
	}
	if len(b) > MaxDocumentSize {
		return nil, nil, fail("", "document is %d bytes, more than the %d allowed", len(b), MaxDocumentSize)
	}
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), " \t\r\n")
	var format cdx.BOMFileFormat
	switch {
	case len(trimmed) == 0:
		return nil, nil, fail("", "empty document")
	case trimmed[0] == '{':
		format = cdx.BOMFileFormatJSON
	case trimmed[0] == '<':
		format = cdx.BOMFileFormatXML
	default:
		return nil, nil, fail("", "neither JSON nor XML (starts with %q)", trimmed[0])
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(trimmed), format).Decode(&bom); err != nil {
		return nil, nil, fail("", "decoding CycloneDX: %v", err)
	}
	if format == cdx.BOMFileFormatJSON && bom.BOMFormat != "CycloneDX" {
		return nil, nil, fail("bomFormat", "%q, want \"CycloneDX\"", bom.BOMFormat)
	}
	if format == cdx.BOMFileFormatXML && bom.SpecVersion == 0 {
		return nil, nil, fail("bom", "XML namespace %q is not a CycloneDX namespace", bom.XMLNS)
	}
	st, warns := FromCycloneDX(&bom, source)
	return st, warns, nil
}

// FromCycloneDX reads the vulnerabilities of a decoded CycloneDX BOM as VEX
// statements, one per vulnerability entry that names at least one target.
//
// analysis.state maps to Status: not_affected → NotAffected; false_positive →
// NotAffected with Justification "false_positive"; resolved and
// resolved_with_pedigree → Fixed; exploitable → Affected; in_triage →
// UnderInvestigation; no analysis (a VDR entry) → Affected. Justifications map
// as documented on the constants. References become Aliases, analysis.detail
// the Impact, the responses (and the recommendation) the Action. The
// timestamp is analysis.lastUpdated, else analysis.firstIssued, else
// metadata.timestamp.
//
// affects[].ref is resolved against the BOM's components and metadata
// component by bom-ref, and their purl and CPE are copied into the Product. A
// BOM-Link (urn:cdx:serial/version#bom-ref) into another BOM is kept as BOMRef;
// one into this BOM is resolved like a bom-ref. affects[].versions entries
// whose status agrees with the state (unaffected for not_affected, affected or
// unknown for affected and under_investigation, any for fixed) scope the
// product to those versions; disagreeing entries are dropped with a warning.
//
// The warnings name the JSON path of each problem; they never stop the
// conversion.
func FromCycloneDX(bom *cdx.BOM, source string) ([]Statement, []string) {
	var warns []string
	warn := func(format string, args ...any) { warns = append(warns, fmt.Sprintf(format, args...)) }
	if bom == nil || bom.Vulnerabilities == nil {
		return nil, nil
	}
	if source == "" {
		source = bom.SerialNumber
	}

	refs := map[string]*cdx.Component{}
	var walk func(cs *[]cdx.Component, path string, depth int)
	walk = func(cs *[]cdx.Component, path string, depth int) {
		if cs == nil {
			return
		}
		if depth > maxComponentDepth {
			warn("%s: components nested deeper than %d levels are not read", path, maxComponentDepth)
			return
		}
		for i := range *cs {
			c := &(*cs)[i]
			if c.BOMRef != "" {
				if _, dup := refs[c.BOMRef]; !dup {
					refs[c.BOMRef] = c
				}
			}
			walk(c.Components, fmt.Sprintf("%s[%d].components", path, i), depth+1)
		}
	}
	var docTime time.Time
	if md := bom.Metadata; md != nil {
		if md.Component != nil {
			if md.Component.BOMRef != "" {
				refs[md.Component.BOMRef] = md.Component
			}
			walk(md.Component.Components, "metadata.component.components", 1)
		}
		if md.Timestamp != "" {
			t, err := time.Parse(time.RFC3339, md.Timestamp)
			if err != nil {
				warn("metadata.timestamp: not an RFC 3339 time: %q", md.Timestamp)
			} else {
				docTime = t
			}
		}
	}
	walk(bom.Components, "components", 0)
	services := map[string]bool{}
	if bom.Services != nil {
		for _, s := range *bom.Services {
			services[s.BOMRef] = true
		}
	}
	serial := strings.TrimPrefix(bom.SerialNumber, "urn:uuid:")

	var out []Statement
	for i, v := range *bom.Vulnerabilities {
		path := fmt.Sprintf("vulnerabilities[%d]", i)
		if len(out) >= MaxStatements {
			warn("%s: more than %d statements; the rest are not read", path, MaxStatements)
			break
		}
		id := strings.TrimSpace(v.ID)
		if id == "" {
			warn("%s.id: missing; entry skipped", path)
			continue
		}
		st := Statement{Vulnerability: id, Source: source, Format: "cyclonedx", Timestamp: docTime, Status: Affected}
		if v.References != nil {
			for _, r := range *v.References {
				st.Aliases = addAlias(st.Aliases, id, r.ID)
			}
		}
		if a := v.Analysis; a != nil {
			st.Status, st.Justification = mapCycloneDXState(a, path, warn)
			st.Impact = a.Detail
			var resp []string
			if a.Response != nil {
				for _, r := range *a.Response {
					resp = append(resp, string(r))
				}
			}
			st.Action = strings.Join(resp, ", ")
			for _, ts := range []struct{ name, v string }{{"lastUpdated", a.LastUpdated}, {"firstIssued", a.FirstIssued}} {
				if ts.v == "" {
					continue
				}
				if t, err := time.Parse(time.RFC3339, ts.v); err == nil {
					st.Timestamp = t
					break
				}
				warn("%s.analysis.%s: not an RFC 3339 time: %q", path, ts.name, ts.v)
			}
		}
		if rec := strings.TrimSpace(v.Recommendation); rec != "" {
			if st.Action != "" {
				st.Action += ": "
			}
			st.Action += rec
		}
		if v.Affects == nil || len(*v.Affects) == 0 {
			warn("%s.affects: no targets; entry skipped", path)
			continue
		}
		for j, af := range *v.Affects {
			apath := fmt.Sprintf("%s.affects[%d]", path, j)
			p, ok := resolveRef(strings.TrimSpace(af.Ref), refs, services, serial)
			if !ok {
				if af.Ref == "" {
					warn("%s.ref: missing; target skipped", apath)
					continue
				}
				warn("%s.ref: %q names no component in this BOM; kept as a bom-ref", apath, af.Ref)
			}
			if af.Range != nil && len(*af.Range) > 0 {
				for k, r := range *af.Range {
					vs := string(r.Status)
					if vs == "" {
						vs = string(cdx.VulnerabilityStatusAffected) // the spec's default
					}
					if r.Version == "" && r.Range == "" {
						warn("%s.versions[%d]: neither version nor range; ignored", apath, k)
						continue
					}
					if !versionStatusAgrees(st.Status, vs) {
						warn("%s.versions[%d]: status %q disagrees with analysis %q; ignored", apath, k, vs, st.Status)
						continue
					}
					p.Versions = append(p.Versions, Version{Version: strings.TrimSpace(r.Version), Range: strings.TrimSpace(r.Range), Status: vs})
				}
				if len(p.Versions) == 0 {
					warn("%s.versions: no entry agrees with the analysis; the statement applies to the target as identified", apath)
				}
			}
			st.Products = append(st.Products, p)
		}
		if len(st.Products) == 0 {
			warn("%s: no usable target; entry skipped", path)
			continue
		}
		out = append(out, st)
	}
	return out, warns
}

// mapCycloneDXState maps analysis.state and analysis.justification.
func mapCycloneDXState(a *cdx.VulnerabilityAnalysis, path string, warn func(string, ...any)) (Status, string) {
	just := string(a.Justification)
	switch a.Justification {
	case "":
	case cdx.IAJCodeNotPresent:
		just = VulnerableCodeNotPresent
	case cdx.IAJCodeNotReachable:
		just = VulnerableCodeNotInExecutePath
	case cdx.IAJRequiresConfiguration, cdx.IAJRequiresDependency, cdx.IAJRequiresEnvironment,
		cdx.IAJProtectedByCompiler, cdx.IAJProtectedAtRuntime, cdx.IAJProtectedAtPerimeter,
		cdx.IAJProtectedByMitigatingControl:
	default:
		warn("%s.analysis.justification: %q is not a CycloneDX justification; kept as written", path, a.Justification)
	}
	switch a.State {
	case cdx.IASNotAffected:
		if just == "" && strings.TrimSpace(a.Detail) == "" {
			warn("%s.analysis: not_affected without justification or detail", path)
		}
		return NotAffected, just
	case cdx.IASFalsePositive:
		return NotAffected, FalsePositive
	case cdx.IASResolved, cdx.IASResolvedWithPedigree:
		return Fixed, just
	case cdx.IASExploitable:
		return Affected, just
	case cdx.IASInTriage:
		return UnderInvestigation, just
	case "":
		return Affected, just
	default:
		warn("%s.analysis.state: %q is not a CycloneDX state; treated as affected", path, a.State)
		return Affected, just
	}
}

// versionStatusAgrees reports whether an affects[].versions entry with the
// CycloneDX status vs scopes a statement with status s.
func versionStatusAgrees(s Status, vs string) bool {
	switch s {
	case Fixed:
		return true
	case NotAffected:
		return vs == string(cdx.VulnerabilityStatusNotAffected)
	default:
		return vs != string(cdx.VulnerabilityStatusNotAffected)
	}
}

// resolveRef turns an affects[].ref into a Product. ok is false when the ref
// names nothing in this BOM (the ref is still kept as BOMRef).
func resolveRef(ref string, refs map[string]*cdx.Component, services map[string]bool, serial string) (Product, bool) {
	if ref == "" {
		return Product{}, false
	}
	local := ref
	if rest, ok := strings.CutPrefix(ref, "urn:cdx:"); ok {
		head, frag, hasFrag := strings.Cut(rest, "#")
		ser, _, _ := strings.Cut(head, "/")
		if !hasFrag || serial == "" || !strings.EqualFold(ser, serial) {
			// A BOM-Link into another BOM: keep it whole; its fragment may
			// still be a purl.
			p := Product{BOMRef: ref}
			if hasFrag && hasPrefixFold(frag, "pkg:") {
				p.PURL = frag
			}
			return p, true
		}
		local = frag
	}
	p := Product{BOMRef: local}
	if c, ok := refs[local]; ok {
		p.PURL = strings.TrimSpace(c.PackageURL)
		p.CPE = strings.TrimSpace(c.CPE)
		return p, true
	}
	if hasPrefixFold(local, "pkg:") {
		p.PURL = local
	}
	return p, services[local]
}
