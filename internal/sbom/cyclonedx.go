package sbom

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// cycloneDXJSON validates (when schemas are loaded), decodes and checks a
// CycloneDX JSON document.
func (d *decoder) cycloneDXJSON(b []byte) (*Document, error) {
	f := CycloneDXJSON
	if off, deep := jsonDepth(b, d.lim.MaxDepth); deep {
		return nil, errorf(f, "", "nesting deeper than %d levels at byte %d", d.lim.MaxDepth, off)
	}
	var head struct {
		BOMFormat   any `json:"bomFormat"`
		SpecVersion any `json:"specVersion"`
	}
	var inst any
	if d.schemas != nil {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, jsonSyntaxError(f, b, err)
		}
		inst = v
		m, ok := v.(map[string]any)
		if !ok {
			return nil, errorf(f, "/", "not a JSON object")
		}
		head.BOMFormat, head.SpecVersion = m["bomFormat"], m["specVersion"]
	} else {
		// Without schema validation, read just the two members instead
		// of decoding the document an extra time.
		top, err := topLevel(b, 1<<20)
		if err != nil {
			return nil, errorf(f, "", "%v", err)
		}
		_ = json.Unmarshal(top["bomFormat"], &head.BOMFormat)
		_ = json.Unmarshal(top["specVersion"], &head.SpecVersion)
	}
	if s, _ := head.BOMFormat.(string); s != "CycloneDX" {
		return nil, errorf(f, "/bomFormat", "must be \"CycloneDX\", got %s", quoteAny(head.BOMFormat))
	}
	version, _ := head.SpecVersion.(string)
	sv, ok := cdxVersions[version]
	if !ok || sv < cdx.SpecVersion1_2 {
		return nil, errorf(f, "/specVersion", "unsupported CycloneDX JSON version %s (1.2–1.7 are known)", quoteAny(head.SpecVersion))
	}
	if d.schemas != nil {
		sch, err := d.schemas.cycloneDX(version)
		if err != nil {
			return nil, errorf(f, "", "schema for CycloneDX %s: %v", version, err)
		}
		if sch != nil {
			if err := sch.Validate(inst); err != nil {
				return nil, schemaError(f, err, "")
			}
		}
	}
	var warnings []string
	bom := new(cdx.BOM)
	// json.Unmarshal is what the library's JSON decoder does after reading
	// its reader to the end; b is in memory already, so no second copy.
	if err := json.Unmarshal(b, bom); err != nil {
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) || !strings.HasPrefix(te.Field, "declarations") {
			return nil, jsonSyntaxError(f, b, err)
		}
		// The library mistypes parts of the 1.6 attestation section
		// (declarations); keep the rest of the document.
		stripped, serr := withoutKey(b, "declarations")
		if serr != nil {
			return nil, jsonSyntaxError(f, b, err)
		}
		bom = new(cdx.BOM)
		if err2 := json.Unmarshal(stripped, bom); err2 != nil {
			return nil, jsonSyntaxError(f, stripped, err2)
		}
		warnings = append(warnings, "declarations (attestations) not read: "+jsonErrText(err))
	}
	return d.fromBOM(f, bom, version, warnings)
}

var cdxVersions = map[string]cdx.SpecVersion{
	"1.0": cdx.SpecVersion1_0, "1.1": cdx.SpecVersion1_1, "1.2": cdx.SpecVersion1_2,
	"1.3": cdx.SpecVersion1_3, "1.4": cdx.SpecVersion1_4, "1.5": cdx.SpecVersion1_5,
	"1.6": cdx.SpecVersion1_6, "1.7": cdx.SpecVersion1_7,
}

func quoteAny(v any) string {
	if v == nil {
		return "nothing"
	}
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprintf("%v", v)
}

// withoutKey re-encodes a JSON object without one top-level key.
func withoutKey(b []byte, key string) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	delete(m, key)
	return json.Marshal(m)
}

// jsonSyntaxError names where encoding/json failed: a JSON pointer for type
// errors, a line for syntax errors.
func jsonSyntaxError(f Format, b []byte, err error) *DecodeError {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		path := "/"
		if te.Field != "" {
			path = "/" + strings.ReplaceAll(te.Field, ".", "/")
		}
		return errorf(f, path, "cannot decode JSON %s into %s", te.Value, te.Type)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return errorf(f, lineOf(b, se.Offset), "%v", se)
	}
	return errorf(f, "", "%s", jsonErrText(err))
}

func jsonErrText(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%s: cannot decode JSON %s into %s", te.Field, te.Value, te.Type)
	}
	return err.Error()
}

func lineOf(b []byte, off int64) string {
	if off < 0 {
		off = 0
	}
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	return "line " + strconv.Itoa(bytes.Count(b[:off], []byte{'\n'})+1)
}

// cycloneDXXML decodes and checks a CycloneDX XML document. XML Schema
// validation is not available without cgo; when schemas are loaded, the
// decoded BOM is re-encoded as JSON and checked against the JSON schema of
// the same version instead (see xmlSchemaCheck).
func (d *decoder) cycloneDXXML(b []byte) (*Document, error) {
	f := CycloneDXXML
	if path, deep, err := xmlDepth(b, d.lim.MaxDepth); err != nil {
		return nil, errorf(f, path, "%v", err)
	} else if deep {
		return nil, errorf(f, path, "nesting deeper than %d levels", d.lim.MaxDepth)
	}
	bom := new(cdx.BOM)
	if err := cdx.NewBOMDecoder(bytes.NewReader(b), cdx.BOMFileFormatXML).Decode(bom); err != nil {
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			return nil, errorf(f, "line "+strconv.Itoa(se.Line), "%s", se.Msg)
		}
		return nil, errorf(f, "", "%v", err)
	}
	if bom.SpecVersion == 0 {
		return nil, errorf(f, "/bom", "unknown CycloneDX namespace %q", bom.XMLNS)
	}
	version := bom.SpecVersion.String()
	var warnings []string
	if bom.Declarations != nil {
		warnings = append(warnings, "declarations (attestations) read incompletely from XML and not validated: the decoder drops claim, evidence and mitigation references")
	}
	doc, err := d.fromBOM(f, bom, version, warnings)
	if err != nil {
		return nil, err
	}
	if d.schemas != nil && bom.SpecVersion >= cdx.SpecVersion1_2 {
		if err := d.xmlSchemaCheck(bom, version); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

// xmlDepth checks the element nesting of an XML document with a byte scan
// (no allocation per element) and returns the element path where the limit
// was passed.
func xmlDepth(b []byte, max int) (string, bool, error) {
	depth := 0
	for i := 0; i < len(b); i++ {
		if b[i] != '<' {
			continue
		}
		rest := b[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			j := bytes.Index(rest[4:], []byte("-->"))
			if j < 0 {
				return "line " + lineNo(b, i), false, errors.New("unterminated comment")
			}
			i += 4 + j + 2
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			j := bytes.Index(rest, []byte("]]>"))
			if j < 0 {
				return "line " + lineNo(b, i), false, errors.New("unterminated CDATA section")
			}
			i += j + 2
		case len(rest) > 1 && (rest[1] == '?' || rest[1] == '!'):
			j := bytes.IndexByte(rest, '>')
			if j < 0 {
				return "line " + lineNo(b, i), false, errors.New("unterminated declaration")
			}
			i += j
		case len(rest) > 1 && rest[1] == '/':
			depth--
		default:
			// A start tag: find its end, skipping quoted attribute values.
			var quote byte
			j := 1
			for ; j < len(rest); j++ {
				c := rest[j]
				if quote != 0 {
					if c == quote {
						quote = 0
					}
					continue
				}
				if c == '"' || c == '\'' {
					quote = c
				} else if c == '>' {
					break
				}
			}
			if j == len(rest) {
				return "line " + lineNo(b, i), false, errors.New("unterminated start tag")
			}
			if rest[j-1] != '/' {
				depth++
				if depth > max {
					return "line " + lineNo(b, i), true, nil
				}
			}
			i += j
		}
	}
	return "", false, nil
}

func lineNo(b []byte, off int) string { return strconv.Itoa(bytes.Count(b[:off], []byte{'\n'}) + 1) }

// xmlRoot returns the local name and namespace of the root element.
func xmlRoot(b []byte) (name, ns string, err error) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	for range 1000 {
		tok, err := dec.RawToken()
		if err == io.EOF {
			return "", "", errors.New("no root element")
		}
		if err != nil {
			return "", "", err
		}
		if se, ok := tok.(xml.StartElement); ok {
			for _, a := range se.Attr {
				if a.Name.Space == "" && a.Name.Local == "xmlns" && se.Name.Space == "" {
					ns = a.Value
				}
				if a.Name.Space == "xmlns" && a.Name.Local == se.Name.Space {
					ns = a.Value
				}
			}
			return se.Name.Local, ns, nil
		}
	}
	return "", "", errors.New("no root element in the first 1000 tokens")
}

// componentTypes lists the component types each spec version defines.
var componentTypes = func() map[cdx.SpecVersion]map[string]bool {
	base := []string{"application", "framework", "library", "container", "operating-system", "device", "firmware", "file"}
	v15 := append(append([]string{}, base...), "platform", "device-driver", "machine-learning-model", "data")
	v16 := append(append([]string{}, v15...), "cryptographic-asset")
	set := func(s []string) map[string]bool {
		m := map[string]bool{}
		for _, t := range s {
			m[t] = true
		}
		return m
	}
	return map[cdx.SpecVersion]map[string]bool{
		cdx.SpecVersion1_0: set(base), cdx.SpecVersion1_1: set(base), cdx.SpecVersion1_2: set(base),
		cdx.SpecVersion1_3: set(base), cdx.SpecVersion1_4: set(base), cdx.SpecVersion1_5: set(v15),
		cdx.SpecVersion1_6: set(v16), cdx.SpecVersion1_7: set(v16),
	}
}()

// fromBOM flattens a decoded BOM into a Document, checking what every
// version requires of a component (type and name).
func (d *decoder) fromBOM(f Format, bom *cdx.BOM, version string, warnings []string) (*Document, error) {
	doc := &Document{
		Format:       f,
		SpecVersion:  version,
		SerialNumber: bom.SerialNumber,
		Warnings:     warnings,
		CycloneDX:    bom,
		Dependencies: map[string][]string{},
	}
	w := &cdxWalker{d: d, f: f, doc: doc, types: componentTypes[bom.SpecVersion], xml: f == CycloneDXXML,
		refs: map[string]bool{}, spec: bom.SpecVersion}
	if m := bom.Metadata; m != nil {
		if m.Timestamp != "" {
			t, err := time.Parse(time.RFC3339, m.Timestamp)
			if err != nil {
				doc.Warnings = append(doc.Warnings, fmt.Sprintf("metadata.timestamp %q is not an RFC 3339 date-time", m.Timestamp))
			} else {
				doc.Created = t
			}
		}
		if err := w.properties(m.Properties, w.loc("metadata", "/metadata")); err != nil {
			return nil, err
		}
		if m.Component != nil {
			c, err := w.component(m.Component, "", "component-metadata", w.loc("metadata/component", "/metadata/component"), 1)
			if err != nil {
				return nil, err
			}
			doc.Root = &c
			doc.Name, doc.Version = c.Name, c.Version
			if m.Component.Components != nil {
				if err := w.list(*m.Component.Components, c.Ref, "component-metadata.", w.loc("metadata/component/components/component", "/metadata/component/components"), 2); err != nil {
					return nil, err
				}
			}
		}
	}
	if bom.Components != nil {
		if err := w.list(*bom.Components, "", "component-", w.loc("components/component", "/components"), 1); err != nil {
			return nil, err
		}
	}
	if bom.Dependencies != nil {
		for i, dep := range *bom.Dependencies {
			if dep.Ref == "" {
				return nil, errorf(f, w.item(w.loc("dependencies/dependency", "/dependencies"), i), "dependency ref is missing")
			}
			if dep.Dependencies == nil {
				if _, ok := doc.Dependencies[dep.Ref]; !ok {
					doc.Dependencies[dep.Ref] = nil
				}
				continue
			}
			doc.Dependencies[dep.Ref] = append(doc.Dependencies[dep.Ref], *dep.Dependencies...)
		}
	}
	return doc, nil
}

type cdxWalker struct {
	d     *decoder
	f     Format
	doc   *Document
	types map[string]bool
	xml   bool
	count int
	refs  map[string]bool
	spec  cdx.SpecVersion
}

// properties checks that every property has a name, which 1.6 requires.
func (w *cdxWalker) properties(ps *[]cdx.Property, path string) error {
	if ps == nil || w.spec < cdx.SpecVersion1_6 {
		return nil
	}
	for i, p := range *ps {
		if p.Name == "" {
			return errorf(w.f, w.item(path+w.loc2("/properties/property", "/properties"), i), "property name is missing")
		}
	}
	return nil
}

// loc2 is loc for a path suffix.
func (w *cdxWalker) loc2(xmlPath, jsonPath string) string {
	if w.xml {
		return xmlPath
	}
	return jsonPath
}

// loc picks the XML or JSON spelling of a location.
func (w *cdxWalker) loc(xmlPath, jsonPath string) string {
	if w.xml {
		return "/bom/" + xmlPath
	}
	return jsonPath
}

func (w *cdxWalker) item(base string, i int) string {
	if w.xml {
		return fmt.Sprintf("%s[%d]", base, i+1)
	}
	return fmt.Sprintf("%s/%d", base, i)
}

func (w *cdxWalker) list(cs []cdx.Component, parent, refPrefix, base string, depth int) error {
	if depth > w.d.lim.MaxDepth {
		return errorf(w.f, base, "components nested deeper than %d levels", w.d.lim.MaxDepth)
	}
	for i := range cs {
		path := w.item(base, i)
		c, err := w.component(&cs[i], parent, refPrefix+strconv.Itoa(i), path, depth)
		if err != nil {
			return err
		}
		w.doc.Components = append(w.doc.Components, c)
		if cs[i].Components != nil {
			sub := path + "/components"
			if w.xml {
				sub += "/component"
			}
			if err := w.list(*cs[i].Components, c.Ref, refPrefix+strconv.Itoa(i)+".", sub, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *cdxWalker) component(in *cdx.Component, parent, synth, path string, depth int) (Component, error) {
	w.count++
	if w.count > w.d.lim.MaxComponents {
		return Component{}, errorf(w.f, path, "more than %d components", w.d.lim.MaxComponents)
	}
	if depth > w.d.lim.MaxDepth {
		return Component{}, errorf(w.f, path, "components nested deeper than %d levels", w.d.lim.MaxDepth)
	}
	typ := string(in.Type)
	attr := "/type"
	if w.xml {
		attr = "/@type"
	}
	switch {
	case typ == "":
		return Component{}, errorf(w.f, path+attr, "component type is missing")
	case w.types != nil && !w.types[typ]:
		return Component{}, errorf(w.f, path+attr, "%q is not a component type of this spec version", typ)
	case strings.TrimSpace(in.Name) == "":
		return Component{}, errorf(w.f, path+"/name", "component name is missing")
	}
	if in.SWID != nil && in.SWID.TagID == "" {
		return Component{}, errorf(w.f, path+"/swid", "swid tagId is missing")
	}
	if in.BOMRef != "" {
		if w.refs[in.BOMRef] {
			return Component{}, errorf(w.f, path, "bom-ref %q is not unique", in.BOMRef)
		}
		w.refs[in.BOMRef] = true
	}
	if err := w.properties(in.Properties, path); err != nil {
		return Component{}, err
	}
	c := Component{
		Ref:     in.BOMRef,
		Parent:  parent,
		Type:    typ,
		Group:   in.Group,
		Name:    in.Name,
		Version: in.Version,
		PURL:    in.PackageURL,
	}
	if c.Ref == "" {
		c.Ref, c.Synthetic = synth, true
	}
	if in.CPE != "" {
		c.CPEs = []string{in.CPE}
	}
	switch {
	case in.Supplier != nil && in.Supplier.Name != "":
		c.Supplier = in.Supplier.Name
	case in.Publisher != "":
		c.Supplier = in.Publisher
	case in.Manufacturer != nil && in.Manufacturer.Name != "":
		c.Supplier = in.Manufacturer.Name
	}
	if in.Hashes != nil {
		for _, h := range *in.Hashes {
			c.Hashes = append(c.Hashes, Hash{Alg: string(h.Algorithm), Value: h.Value})
		}
	}
	if in.Licenses != nil {
		for i, l := range *in.Licenses {
			if l.License != nil && l.License.ID == "" && l.License.Name == "" {
				return Component{}, errorf(w.f, w.item(path+w.loc2("/licenses/license", "/licenses"), i), "license has neither id nor name")
			}
			switch {
			case l.Expression != "":
				c.Licenses = append(c.Licenses, l.Expression)
			case l.License != nil && l.License.ID != "":
				c.Licenses = append(c.Licenses, l.License.ID)
			case l.License != nil && l.License.Name != "":
				c.Licenses = append(c.Licenses, l.License.Name)
			}
		}
	}
	if in.Properties != nil && len(*in.Properties) > 0 {
		c.Properties = make(map[string]string, len(*in.Properties))
		for _, p := range *in.Properties {
			c.Properties[p.Name] = p.Value
			switch fdaField(p.Name) {
			case fdaLevelOfSupport:
				c.LevelOfSupport = p.Value
			case fdaEndOfSupport:
				c.EndOfSupport = p.Value
			}
		}
		if c.EndOfSupport != "" {
			if _, err := time.Parse(time.DateOnly, c.EndOfSupport); err != nil {
				w.doc.Warnings = append(w.doc.Warnings, fmt.Sprintf("component %q: end-of-support %q is not a YYYY-MM-DD date", c.Ref, c.EndOfSupport))
			}
		}
	}
	return c, nil
}

type fdaKind int

const (
	fdaNone fdaKind = iota
	fdaLevelOfSupport
	fdaEndOfSupport
)

// fdaField recognises the property names manufacturers use for the FDA
// fields: case, spaces, hyphens and underscores are ignored, as is a
// namespace prefix ending in ':'.
func fdaField(name string) fdaKind {
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		name = name[i+1:]
	}
	var sb strings.Builder
	for _, r := range strings.ToLower(name) {
		switch r {
		case ' ', '-', '_', '.':
			continue
		}
		sb.WriteRune(r)
	}
	switch sb.String() {
	case "levelofsupport", "supportlevel":
		return fdaLevelOfSupport
	case "endofsupport", "endofsupportdate", "eos", "eosdate", "supportenddate":
		return fdaEndOfSupport
	}
	return fdaNone
}

// xmlSchemaCheck validates the JSON form of a BOM decoded from XML against
// the JSON schema of its version. It stands in for XML Schema validation,
// which needs cgo. Two differences between the forms are normalised first
// so that valid XML is not rejected: see normaliseForSchema.
func (d *decoder) xmlSchemaCheck(bom *cdx.BOM, version string) error {
	sch, err := d.schemas.cycloneDX(version)
	if err != nil {
		return errorf(CycloneDXXML, "", "schema for CycloneDX %s: %v", version, err)
	}
	if sch == nil {
		return nil
	}
	cp := *bom
	cp.BOMFormat = "CycloneDX"
	var buf bytes.Buffer
	// Encode, not EncodeVersion: converting to a version drops values that
	// version does not know, which would hide exactly the errors we look for.
	if err := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON).Encode(&cp); err != nil {
		return errorf(CycloneDXXML, "", "re-encode as JSON for validation: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(&buf)
	if err != nil {
		return errorf(CycloneDXXML, "", "re-encode as JSON for validation: %v", err)
	}
	if m, ok := inst.(map[string]any); ok {
		// The XML decoder reads attestations incompletely (empty
		// references), so their JSON form is not evidence of anything.
		delete(m, "declarations")
	}
	normaliseForSchema(inst, bom.SpecVersion)
	if err := sch.Validate(inst); err != nil {
		return schemaError(CycloneDXXML, err, " (checked on the JSON form of the XML document)")
	}
	return nil
}

// normaliseForSchema removes artefacts of the XML→JSON conversion that the
// JSON schema would reject although the XML is valid.
func normaliseForSchema(v any, sv cdx.SpecVersion) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if l, ok := x.([]any); ok && k == "identity" && sv < cdx.SpecVersion1_6 && len(l) == 1 {
				// The library always writes evidence identity as a list
				// (1.6); before 1.6 it is a single object.
				t[k], x = l[0], l[0]
			}
			if s, ok := x.(string); ok && (k == "description" || k == "name" || k == "text") {
				// XML text keeps the document's line breaks and
				// indentation; the 1.2 schema forbids line breaks in
				// some strings that XSD normalises away.
				t[k] = strings.Join(strings.Fields(s), " ")
			}
			normaliseForSchema(x, sv)
		}
	case []any:
		for _, x := range t {
			normaliseForSchema(x, sv)
		}
	}
}
