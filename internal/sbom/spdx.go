package sbom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/tagvalue"
)

// spdxJSON repairs, validates and decodes an SPDX 2.x JSON document.
//
// Repairs run before schema validation, so the schema checks the document
// as it will be read; every repair is reported as a Warning.
func (d *decoder) spdxJSON(b []byte) (*Document, error) {
	f := SPDXJSON
	if off, deep := jsonDepth(b, d.lim.MaxDepth); deep {
		return nil, errorf(f, "", "nesting deeper than %d levels at byte %d", d.lim.MaxDepth, off)
	}
	var warnings []string
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var inst any
	if err := dec.Decode(&inst); err != nil {
		return nil, jsonSyntaxError(f, b, err)
	}
	end := dec.InputOffset()
	if rest := bytes.TrimSpace(b[end:]); len(rest) > 0 {
		warnings = append(warnings, fmt.Sprintf("%d bytes of trailing data after the JSON document ignored (starting %q)", len(rest), preview(rest)))
		b = b[:end]
	}
	m, ok := inst.(map[string]any)
	if !ok {
		return nil, errorf(f, "/", "not a JSON object")
	}
	version, _ := m["spdxVersion"].(string)
	if version != "SPDX-2.2" && version != "SPDX-2.3" {
		return nil, errorf(f, "/spdxVersion", "unsupported version %s (SPDX-2.2 and SPDX-2.3 are read as JSON)", quoteAny(m["spdxVersion"]))
	}
	repaired := repairSPDXJSON(m, &warnings)
	if d.schemas != nil {
		sch, err := d.schemas.spdx23()
		if err != nil {
			return nil, errorf(f, "", "SPDX 2.3 schema: %v", err)
		}
		if err := sch.Validate(inst); err != nil {
			return nil, schemaError(f, err, "")
		}
	}
	if repaired {
		nb, err := json.Marshal(m)
		if err != nil {
			return nil, errorf(f, "", "re-encode repaired document: %v", err)
		}
		b = nb
	}
	sd, err := spdxjson.Read(bytes.NewReader(b))
	if err != nil {
		return nil, errorf(f, "", "%s", jsonErrText(err))
	}
	return d.fromSPDX(f, sd, version, warnings)
}

// spdxIDLists names the JSON members that hold element ids.
var spdxIDLists = []string{"packages", "files", "snippets"}

// repairSPDXJSON fixes, in place, the non-conformities real tools emit that
// the library rejects outright, and reports whether it changed anything.
func repairSPDXJSON(m map[string]any, warnings *[]string) bool {
	fixed := 0
	example := ""
	fixID := func(v any) any {
		s, ok := v.(string)
		if !ok || !needsPrefix(s) {
			return v
		}
		fixed++
		if example == "" {
			example = s
		}
		return "SPDXRef-" + s
	}
	m["SPDXID"] = fixID(m["SPDXID"])
	if l, ok := m["documentDescribes"].([]any); ok {
		for i := range l {
			l[i] = fixID(l[i])
		}
	}
	suppliers, algs, algExample, fileNames := 0, 0, "", 0
	for _, key := range spdxIDLists {
		l, _ := m[key].([]any)
		for _, e := range l {
			o, ok := e.(map[string]any)
			if !ok {
				continue
			}
			if _, ok := o["SPDXID"]; ok {
				o["SPDXID"] = fixID(o["SPDXID"])
			}
			if _, ok := o["snippetFromFile"]; ok {
				o["snippetFromFile"] = fixID(o["snippetFromFile"])
			}
			if hf, ok := o["hasFiles"].([]any); ok {
				for i := range hf {
					hf[i] = fixID(hf[i])
				}
			}
			if cs, ok := o["checksums"].([]any); ok {
				for _, c := range cs {
					if co, ok := c.(map[string]any); ok {
						if a, ok := co["algorithm"].(string); ok && a != strings.ToUpper(a) && knownChecksum[strings.ToUpper(a)] {
							co["algorithm"] = strings.ToUpper(a)
							algs++
							if algExample == "" {
								algExample = a
							}
						}
					}
				}
			}
			if key == "files" {
				if n, ok := o["name"]; ok {
					// syft 0.33 writes a "name" (the base name) next to
					// "fileName"; files have no such property.
					if o["fileName"] == nil {
						o["fileName"] = n
					}
					delete(o, "name")
					fileNames++
				}
			}
			if key != "packages" {
				continue
			}
			for _, field := range []string{"supplier", "originator"} {
				s, ok := o[field].(string)
				if !ok || s == "NOASSERTION" || strings.Contains(s, ":") {
					continue
				}
				o[field] = "Organization: " + s
				suppliers++
				*warnings = append(*warnings, fmt.Sprintf("package %s: %s %q has no \"Organization:\"/\"Person:\" prefix; read as an organization", quoteAny(o["SPDXID"]), field, s))
			}
		}
	}
	if rels, ok := m["relationships"].([]any); ok {
		for _, r := range rels {
			if o, ok := r.(map[string]any); ok {
				o["spdxElementId"] = fixID(o["spdxElementId"])
				o["relatedSpdxElement"] = fixID(o["relatedSpdxElement"])
			}
		}
	}
	if fixed > 0 {
		*warnings = append(*warnings, fmt.Sprintf("%d element ids lacked the SPDXRef- prefix and were prefixed (first: %q)", fixed, example))
	}
	if algs > 0 {
		*warnings = append(*warnings, fmt.Sprintf("%d checksum algorithm names were not upper case and were upper-cased (first: %q)", algs, algExample))
	}
	if fileNames > 0 {
		*warnings = append(*warnings, fmt.Sprintf("%d files had a \"name\" property, which SPDX files do not have; removed (kept as fileName where that was missing)", fileNames))
	}
	return fixed > 0 || suppliers > 0 || algs > 0 || fileNames > 0
}

var knownChecksum = map[string]bool{
	"SHA1": true, "SHA224": true, "SHA256": true, "SHA384": true, "SHA512": true, "SHA3-256": true,
	"SHA3-384": true, "SHA3-512": true, "MD2": true, "MD4": true, "MD5": true, "MD6": true,
	"BLAKE3": true, "ADLER32": true,
}

// needsPrefix reports whether an element id lacks its SPDXRef- prefix.
// Special values and references into other documents are left alone.
func needsPrefix(s string) bool {
	return s != "" && !strings.HasPrefix(s, "SPDXRef-") && !strings.HasPrefix(s, "DocumentRef-") &&
		s != "NONE" && s != "NOASSERTION"
}

// spdxTagValue repairs and decodes an SPDX 2.x tag-value document.
func (d *decoder) spdxTagValue(b []byte) (*Document, error) {
	f := SPDXTagValue
	var warnings []string
	if bytes.IndexByte(b, '\r') >= 0 {
		if bytes.Contains(b, []byte("\r\n")) {
			b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
			warnings = append(warnings, "CRLF line endings normalised to LF")
		}
		if bytes.IndexByte(b, '\r') >= 0 {
			b = bytes.ReplaceAll(b, []byte("\r"), []byte("\n"))
			warnings = append(warnings, "CR-only line endings normalised to LF")
		}
	}
	b, version, err := repairTagValue(b, &warnings, d.lim.MaxComponents)
	if err != nil {
		return nil, err
	}
	switch version {
	case "SPDX-2.1", "SPDX-2.2", "SPDX-2.3":
	default:
		return nil, errorf(f, "", "unsupported SPDXVersion %q (SPDX-2.1 to SPDX-2.3 are read as tag-value)", version)
	}
	sd, err := tagvalue.Read(bytes.NewReader(b))
	if err != nil {
		return nil, errorf(f, "", "%v", err)
	}
	return d.fromSPDX(f, sd, version, warnings)
}

// repairTagValue rewrites, line by line, what the library rejects:
// element ids without SPDXRef-, suppliers without a type prefix and
// snippets that follow a package without files. Multi-line <text> values
// are passed through untouched. It also returns the SPDXVersion as written.
func repairTagValue(b []byte, warnings *[]string, maxPackages int) ([]byte, string, error) {
	var out bytes.Buffer
	out.Grow(len(b))
	version := ""
	inText := false
	section := ""     // last section-starting tag: PackageName, FileName, SnippetSPDXID, LicenseID
	dropping := false // inside a snippet that cannot be read
	fixed, packages := 0, 0
	example := ""
	fix := func(id string) string {
		if !needsPrefix(id) {
			return id
		}
		fixed++
		if example == "" {
			example = id
		}
		return "SPDXRef-" + id
	}
	lineNo := 0
	for line := range bytes.Lines(b) {
		lineNo++
		if inText {
			if bytes.Contains(line, []byte("</text>")) {
				inText = false
			}
			if !dropping {
				out.Write(line)
			}
			continue
		}
		s := strings.TrimRight(string(line), "\n")
		tag, value, ok := strings.Cut(s, ":")
		if !ok || strings.HasPrefix(strings.TrimSpace(s), "#") {
			out.Write(line)
			continue
		}
		tag = strings.TrimSpace(tag)
		value = strings.TrimSpace(value)
		if strings.HasPrefix(value, "<text>") && !strings.Contains(value, "</text>") {
			inText = true
		}
		switch tag {
		case "PackageName", "FileName", "LicenseID":
			section, dropping = tag, false
			if tag == "PackageName" {
				packages++
				if packages > maxPackages {
					return nil, "", errorf(SPDXTagValue, fmt.Sprintf("line %d", lineNo), "more than %d packages", maxPackages)
				}
			}
		case "SnippetSPDXID":
			if section == "PackageName" {
				// The library cannot read a snippet after a package with
				// no files. Snippets are not components: drop it.
				dropping = true
				*warnings = append(*warnings, fmt.Sprintf("line %d: snippet %s follows a package with no file section; snippet not read", lineNo, value))
			} else {
				section, dropping = tag, false
			}
		case "SPDXVersion":
			if version == "" {
				version = value
			}
		}
		if dropping && (strings.HasPrefix(tag, "Snippet") || tag == "LicenseInfoInSnippet") {
			continue
		}
		switch tag {
		case "SPDXID", "SnippetSPDXID", "SnippetFromFileSPDXID", "SPDXREF":
			if n := fix(value); n != value {
				s = tag + ": " + n
			}
		case "Relationship":
			if f := strings.Fields(value); len(f) == 3 {
				a, c := fix(f[0]), fix(f[2])
				if a != f[0] || c != f[2] {
					s = tag + ": " + a + " " + f[1] + " " + c
				}
			}
		case "PackageSupplier", "PackageOriginator":
			if value != "NOASSERTION" && value != "" && !strings.Contains(value, ":") {
				s = tag + ": Organization: " + value
				*warnings = append(*warnings, fmt.Sprintf("line %d: %s %q has no \"Organization:\"/\"Person:\" prefix; read as an organization", lineNo, tag, value))
			}
		}
		out.WriteString(s)
		out.WriteByte('\n')
	}
	if fixed > 0 {
		*warnings = append(*warnings, fmt.Sprintf("%d element ids lacked the SPDXRef- prefix and were prefixed (first: %q)", fixed, example))
	}
	return out.Bytes(), version, nil
}

// fromSPDX maps an SPDX document (2.3 model) to a Document.
func (d *decoder) fromSPDX(f Format, sd *spdx.Document, version string, warnings []string) (*Document, error) {
	doc := &Document{
		Format:       f,
		SpecVersion:  version,
		SerialNumber: sd.DocumentNamespace,
		Name:         sd.DocumentName,
		Warnings:     warnings,
		Dependencies: map[string][]string{},
	}
	if len(sd.Packages) > d.lim.MaxComponents {
		return nil, errorf(f, "", "more than %d packages", d.lim.MaxComponents)
	}
	if ci := sd.CreationInfo; ci != nil && ci.Created != "" {
		t, err := time.Parse(time.RFC3339, ci.Created)
		if err != nil {
			doc.Warnings = append(doc.Warnings, fmt.Sprintf("creationInfo.created %q is not an RFC 3339 date-time", ci.Created))
		} else {
			doc.Created = t
		}
	}
	docID := "SPDXRef-" + string(sd.SPDXIdentifier)
	described := map[string]bool{}
	var describedOrder []string
	for _, r := range sd.Relationships {
		if r == nil {
			continue
		}
		a, b := docElementRef(r.RefA), docElementRef(r.RefB)
		switch strings.ToUpper(r.Relationship) {
		case "DESCRIBES":
			if a == docID && !described[b] {
				described[b] = true
				describedOrder = append(describedOrder, b)
			}
		case "DESCRIBED_BY":
			if b == docID && !described[a] {
				described[a] = true
				describedOrder = append(describedOrder, a)
			}
		case "DEPENDS_ON", "CONTAINS":
			if a != "" && b != "" {
				doc.Dependencies[a] = append(doc.Dependencies[a], b)
			}
		case "DEPENDENCY_OF":
			if a != "" && b != "" {
				doc.Dependencies[b] = append(doc.Dependencies[b], a)
			}
		}
	}
	rootRef := ""
	if len(describedOrder) == 1 {
		rootRef = describedOrder[0]
	}
	for _, p := range sd.Packages {
		if p == nil {
			continue
		}
		c := spdxComponent(p)
		if c.Ref == rootRef {
			root := c
			doc.Root = &root
			doc.Version = c.Version
			continue
		}
		doc.Components = append(doc.Components, c)
	}
	for k, v := range doc.Dependencies {
		doc.Dependencies[k] = dedupe(v)
	}
	return doc, nil
}

func docElementRef(id common.DocElementID) string {
	switch {
	case id.SpecialID != "":
		return "" // NONE / NOASSERTION name no element
	case id.DocumentRefID != "":
		return "DocumentRef-" + string(id.DocumentRefID) + ":SPDXRef-" + string(id.ElementRefID)
	case id.ElementRefID == "":
		return ""
	}
	return "SPDXRef-" + string(id.ElementRefID)
}

func spdxComponent(p *spdx.Package) Component {
	c := Component{
		Ref:     "SPDXRef-" + string(p.PackageSPDXIdentifier),
		Type:    "library",
		Name:    p.PackageName,
		Version: p.PackageVersion,
	}
	if p.PrimaryPackagePurpose != "" {
		c.Type = strings.ToLower(p.PrimaryPackagePurpose)
	}
	if s := p.PackageSupplier; s != nil && s.Supplier != "NOASSERTION" {
		c.Supplier = s.Supplier
	}
	for _, h := range p.PackageChecksums {
		c.Hashes = append(c.Hashes, Hash{Alg: string(h.Algorithm), Value: h.Value})
	}
	for _, l := range []string{p.PackageLicenseConcluded, p.PackageLicenseDeclared} {
		if l != "" && l != "NOASSERTION" && l != "NONE" && !contains(c.Licenses, l) {
			c.Licenses = append(c.Licenses, l)
		}
	}
	for _, r := range p.PackageExternalReferences {
		if r == nil {
			continue
		}
		cat := strings.ToUpper(strings.ReplaceAll(r.Category, "_", "-"))
		switch {
		case cat == "PACKAGE-MANAGER" && r.RefType == "purl":
			if c.PURL == "" {
				c.PURL = r.Locator
			}
		case cat == "SECURITY" && (r.RefType == "cpe23Type" || r.RefType == "cpe22Type"):
			c.CPEs = append(c.CPEs, r.Locator)
		}
	}
	return c
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func dedupe(l []string) []string {
	if len(l) < 2 {
		return l
	}
	seen := make(map[string]bool, len(l))
	out := l[:0]
	for _, s := range l {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
