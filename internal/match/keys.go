package match

import (
	"slices"

	"github.com/vigil-oss/vigil/internal/advisory"
	"github.com/vigil-oss/vigil/internal/cpe"
	"github.com/vigil-oss/vigil/internal/csaf"
	"github.com/vigil-oss/vigil/internal/purl"
)

// Keys say which components an advisory document can possibly match, so a
// server can re-match only the releases a feed change touches. A document's
// keys and a component's keys share a key exactly when the matcher could
// connect them:
//
//	pkg:<ecosystem>/<name>   an OSV package (ecosystem without ":release")
//	cpe:<vendor>:<product>   a CPE name, lower case
//	name:<folded name>       a product name, for CSAF matching by name
//	purl:<purl key>          a CSAF helper purl (type/namespace/name)
//
// KeyAll is the key of documents that concern every finding (KEV, EPSS,
// VEX): a change to them re-matches everything.
const KeyAll = "*"

// ComponentKeys returns c's keys.
func ComponentKeys(c Component) []string {
	var out []string
	if p := parsedPURL(c.PURL); p != nil {
		out = append(out, "purl:"+p.Key())
		if eco, name := p.Ecosystem(), osvPackageName(p); eco != "" && name != "" {
			out = append(out, pkgKey(eco, name))
		}
	}
	for _, s := range c.CPEs {
		if w, err := cpe.Parse(s); err == nil {
			out = append(out, "cpe:"+cpeKey(w))
		}
	}
	if n := normName(c.Name); n != "" {
		out = append(out, "name:"+n)
	}
	if c.Group != "" {
		if n := normName(c.Group + " " + c.Name); n != "" {
			out = append(out, "name:"+n)
		}
	}
	if c.Model != "" {
		out = append(out, "name:"+normName(c.Name+" "+c.Model), "name:"+normName(c.Name+" model "+c.Model))
	}
	return dedupe(out)
}

func osvPackageName(p *purl.PURL) string {
	if p.Type == "golang" {
		return p.GoModulePath()
	}
	return p.OSVName()
}

func pkgKey(ecosystem, name string) string {
	return "pkg:" + advisory.EcosystemBase(ecosystem) + "/" + osvKeyName(ecosystem, name)
}

func osvKeyName(ecosystem, name string) string {
	if advisory.EcosystemBase(ecosystem) == "PyPI" {
		return pypiName(name)
	}
	return name
}

// OSVKeys returns the keys of an OSV record: its affected packages.
func OSVKeys(r *advisory.OSV) []string {
	var out []string
	for _, a := range r.Affected {
		if a.Package.Ecosystem != "" && a.Package.Name != "" {
			out = append(out, pkgKey(a.Package.Ecosystem, a.Package.Name))
		}
	}
	return dedupe(out)
}

// NVDKeys returns the keys of an NVD record: the vendor and product of its
// vulnerable criteria. A criterion with a wildcard vendor or product can
// match anything, so such a record has KeyAll.
func NVDKeys(r *advisory.NVDRecord) []string {
	names, wild := vulnerableNames(r)
	if wild {
		return []string{KeyAll}
	}
	out := make([]string, len(names))
	for i, k := range names {
		out[i] = "cpe:" + k
	}
	return dedupe(out)
}

// CSAFKeys returns the keys of a CSAF document: its products' helper purls
// and CPEs, names and model numbers.
func CSAFKeys(doc *csaf.Document) []string {
	var out []string
	for _, p := range doc.Products() {
		if p.Helper != nil {
			if u, err := purl.Parse(p.Helper.PURL); p.Helper.PURL != "" && err == nil {
				out = append(out, "purl:"+u.Key())
			}
			if w, err := cpe.Parse(p.Helper.CPE); p.Helper.CPE != "" && err == nil {
				out = append(out, "cpe:"+cpeKey(w))
			}
			for _, mn := range p.Helper.ModelNumbers {
				if n := normName(mn); n != "" {
					out = append(out, "name:"+n)
				}
			}
		}
		if n := normName(p.ProductName); n != "" {
			out = append(out, "name:"+n)
			if v := normName(p.Vendor); v != "" && len(n) > len(v)+1 && n[:len(v)+1] == v+" " {
				out = append(out, "name:"+n[len(v)+1:])
			}
		}
	}
	return dedupe(out)
}

func dedupe(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

// NameKey is the key of a product or model name.
func NameKey(name string) string { return "name:" + normName(name) }
