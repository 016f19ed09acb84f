package vex

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	ovex "github.com/openvex/go-vex/pkg/vex"
)

// openVEXContext is the JSON-LD context every OpenVEX document names. The
// unversioned form is what documents before v0.2.0 used.
const openVEXContext = "https://openvex.dev/ns"

// ovHead is the part of an OpenVEX document read before the statements, with
// the statements kept raw so that errors can name the statement's index.
type ovHead struct {
	Context     json.RawMessage   `json:"@context"`
	ID          string            `json:"@id"`
	Timestamp   string            `json:"timestamp"`
	LastUpdated string            `json:"last_updated"`
	Statements  []json.RawMessage `json:"statements"`
}

// ovLegacyStatement is the statement shape of the unversioned (v0.0.1)
// OpenVEX context: the vulnerability, products and subcomponents are plain
// strings.
type ovLegacyStatement struct {
	Vulnerability   string     `json:"vulnerability"`
	Timestamp       *time.Time `json:"timestamp"`
	Products        []string   `json:"products"`
	Subcomponents   []string   `json:"subcomponents"`
	Status          string     `json:"status"`
	StatusNotes     string     `json:"status_notes"`
	Justification   string     `json:"justification"`
	ImpactStatement string     `json:"impact_statement"`
	ActionStatement string     `json:"action_statement"`
}

func (l ovLegacyStatement) toOpenVEX() ovex.Statement {
	st := ovex.Statement{
		Vulnerability:   ovex.Vulnerability{Name: ovex.VulnerabilityID(l.Vulnerability)},
		Timestamp:       l.Timestamp,
		Status:          ovex.Status(l.Status),
		StatusNotes:     l.StatusNotes,
		Justification:   ovex.Justification(l.Justification),
		ImpactStatement: l.ImpactStatement,
		ActionStatement: l.ActionStatement,
	}
	var subs []ovex.Subcomponent
	for _, s := range l.Subcomponents {
		if s != "" {
			subs = append(subs, ovex.Subcomponent{Component: ovex.Component{ID: s}})
		}
	}
	for _, p := range l.Products {
		st.Products = append(st.Products, ovex.Product{Component: ovex.Component{ID: p}, Subcomponents: subs})
	}
	return st
}

// DecodeOpenVEX parses an OpenVEX document (context
// https://openvex.dev/ns/v0.2.0, or the older unversioned context with its
// string-valued statements) and validates every statement with the OpenVEX
// rules. Statements without a timestamp take the document's. Errors are *Error
// values naming the statement index and field; source (a path or document id,
// defaulting to the document's @id) is recorded in each Statement.
func DecodeOpenVEX(b []byte, source string) ([]Statement, error) {
	fail := func(path, format string, args ...any) error {
		return &Error{Source: source, Path: path, Reason: fmt.Sprintf(format, args...)}
	}
	if len(b) > MaxDocumentSize {
		return nil, fail("", "document is %d bytes, more than the %d allowed", len(b), MaxDocumentSize)
	}
	var head ovHead
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fail("", "not an OpenVEX JSON document: %v", err)
	}
	var ctx string
	if err := json.Unmarshal(head.Context, &ctx); err != nil {
		return nil, fail("@context", "missing or not a string")
	}
	version, ok := strings.CutPrefix(ctx, openVEXContext)
	if !ok {
		return nil, fail("@context", "%q is not an OpenVEX context", ctx)
	}
	version = strings.TrimPrefix(version, "/")
	switch version {
	case "", "v0.0.1", "v" + ovex.SpecVersion:
	default:
		return nil, fail("@context", "OpenVEX version %q is not supported (v0.0.1 and v0.2.0 are)", version)
	}
	if source == "" {
		source = head.ID
	}
	var docTime time.Time
	if head.Timestamp != "" {
		t, err := time.Parse(time.RFC3339, head.Timestamp)
		if err != nil {
			return nil, fail("timestamp", "not an RFC 3339 time: %q", head.Timestamp)
		}
		docTime = t
	}
	if len(head.Statements) > MaxStatements {
		return nil, fail("statements", "%d statements, more than the %d allowed", len(head.Statements), MaxStatements)
	}

	legacy := false
	for _, raw := range head.Statements {
		var probe struct {
			Vulnerability json.RawMessage `json:"vulnerability"`
		}
		if json.Unmarshal(raw, &probe) == nil && bytes.HasPrefix(bytes.TrimSpace(probe.Vulnerability), []byte(`"`)) {
			legacy = true
			break
		}
	}
	var parsed []ovex.Statement
	if !legacy {
		if doc, err := ovex.Parse(b); err == nil && len(doc.Statements) == len(head.Statements) {
			parsed = doc.Statements
		}
	}
	if parsed == nil {
		// Legacy shape, or go-vex refused the document: decode statement by
		// statement so the error can say which one is wrong.
		parsed = make([]ovex.Statement, len(head.Statements))
		for i, raw := range head.Statements {
			var err error
			var probe struct {
				Vulnerability json.RawMessage `json:"vulnerability"`
			}
			_ = json.Unmarshal(raw, &probe)
			if bytes.HasPrefix(bytes.TrimSpace(probe.Vulnerability), []byte(`"`)) {
				var l ovLegacyStatement
				if err = json.Unmarshal(raw, &l); err == nil {
					parsed[i] = l.toOpenVEX()
				}
			} else {
				err = json.Unmarshal(raw, &parsed[i])
			}
			if err != nil {
				return nil, fail(fmt.Sprintf("statements[%d]", i), "%v", jsonReason(err))
			}
		}
	}

	out := make([]Statement, 0, len(parsed))
	for i := range parsed {
		st, err := convertOpenVEX(&parsed[i], docTime, source)
		if err != nil {
			err.Source = source
			err.Path = fmt.Sprintf("statements[%d]%s", i, err.Path)
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// jsonReason shortens encoding/json errors to the part that helps a user.
func jsonReason(err error) string {
	if te, ok := err.(*json.UnmarshalTypeError); ok {
		return fmt.Sprintf("field %q: JSON %s where %s was expected", te.Field, te.Value, te.Type)
	}
	return err.Error()
}

// convertOpenVEX validates one go-vex statement and turns it into a Statement.
// The returned error's Path is relative to the statement.
func convertOpenVEX(s *ovex.Statement, docTime time.Time, source string) (Statement, *Error) {
	if !ovex.Status(s.Status).Valid() {
		return Statement{}, &Error{Path: ".status", Reason: fmt.Sprintf("%q is not an OpenVEX status", s.Status)}
	}
	if err := s.Validate(); err != nil {
		return Statement{}, &Error{Path: validateField(s), Reason: err.Error()}
	}
	name := strings.TrimSpace(string(s.Vulnerability.Name))
	if name == "" {
		name = strings.TrimSpace(s.Vulnerability.ID)
	}
	if name == "" {
		return Statement{}, &Error{Path: ".vulnerability.name", Reason: "missing"}
	}
	if len(s.Products) == 0 {
		return Statement{}, &Error{Path: ".products", Reason: "no products given (products taken from an attestation subject are not read)"}
	}
	st := Statement{
		Vulnerability: name,
		Status:        Status(s.Status),
		Justification: string(s.Justification),
		Impact:        s.ImpactStatement,
		Action:        s.ActionStatement,
		Timestamp:     docTime,
		Source:        source,
		Format:        "openvex",
	}
	if st.Impact == "" && s.Status != ovex.StatusAffected {
		st.Impact = s.StatusNotes
	}
	if s.Timestamp != nil && !s.Timestamp.IsZero() {
		st.Timestamp = *s.Timestamp
	}
	for _, a := range s.Vulnerability.Aliases {
		st.Aliases = addAlias(st.Aliases, name, string(a))
	}
	for j, p := range s.Products {
		prod, ok := fromOpenVEXComponent(p.Component)
		if !ok {
			return Statement{}, &Error{Path: fmt.Sprintf(".products[%d]", j), Reason: "no @id, purl or CPE to identify the product (hashes alone are not matched)"}
		}
		for k, sc := range p.Subcomponents {
			sub, ok := fromOpenVEXComponent(sc.Component)
			if !ok {
				return Statement{}, &Error{Path: fmt.Sprintf(".products[%d].subcomponents[%d]", j, k), Reason: "no @id, purl or CPE to identify the subcomponent (hashes alone are not matched)"}
			}
			prod.Subcomponents = append(prod.Subcomponents, sub)
		}
		st.Products = append(st.Products, prod)
	}
	return st, nil
}

// validateField names the field go-vex's Validate complained about, by
// re-checking which rule the statement breaks.
func validateField(s *ovex.Statement) string {
	switch {
	case s.Status == ovex.StatusNotAffected && s.Justification == "" && s.ImpactStatement == "":
		return ".justification"
	case s.Justification != "" && (s.Status != ovex.StatusNotAffected || !s.Justification.Valid()):
		return ".justification"
	case s.ImpactStatement != "" && s.Status != ovex.StatusNotAffected:
		return ".impact_statement"
	default:
		return ".action_statement"
	}
}

// fromOpenVEXComponent maps an OpenVEX product or subcomponent. An @id that is
// a purl or CPE fills that field; any other @id is kept as ProductID. The
// identifiers map fills PURL and CPE when @id did not.
func fromOpenVEXComponent(c ovex.Component) (Product, bool) {
	var p Product
	id := strings.TrimSpace(c.ID)
	switch {
	case hasPrefixFold(id, "pkg:"):
		p.PURL = id
	case hasPrefixFold(id, "cpe:"):
		p.CPE = id
	default:
		p.ProductID = id
	}
	if p.PURL == "" {
		p.PURL = strings.TrimSpace(c.Identifiers[ovex.PURL])
	}
	if p.CPE == "" {
		p.CPE = strings.TrimSpace(c.Identifiers[ovex.CPE23])
	}
	if p.CPE == "" {
		p.CPE = strings.TrimSpace(c.Identifiers[ovex.CPE22])
	}
	return p, p.PURL != "" || p.CPE != "" || p.ProductID != ""
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
