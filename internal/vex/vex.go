package vex

import (
	"fmt"
	"strings"
	"time"
)

// Status is the VEX status of a vulnerability for a product, in OpenVEX terms.
type Status string

// The four statuses every VEX format maps to.
const (
	NotAffected        Status = "not_affected"
	Affected           Status = "affected"
	Fixed              Status = "fixed"
	UnderInvestigation Status = "under_investigation"
)

// Valid reports whether s is one of the four statuses.
func (s Status) Valid() bool {
	switch s {
	case NotAffected, Affected, Fixed, UnderInvestigation:
		return true
	}
	return false
}

// Suppresses reports whether a finding governed by a statement with status s
// is suppressed (shown with its justification, not counted as open).
func (s Status) Suppresses() bool { return s == NotAffected || s == Fixed }

// Justification values. The first five are OpenVEX's names. CycloneDX
// code_not_present and code_not_reachable map to VulnerableCodeNotPresent and
// VulnerableCodeNotInExecutePath; the other CycloneDX justifications
// (requires_configuration, requires_dependency, requires_environment,
// protected_by_compiler, protected_at_runtime, protected_at_perimeter,
// protected_by_mitigating_control) have no OpenVEX equivalent and keep their
// CycloneDX name. FalsePositive records the CycloneDX state false_positive.
const (
	ComponentNotPresent                         = "component_not_present"
	VulnerableCodeNotPresent                    = "vulnerable_code_not_present"
	VulnerableCodeNotInExecutePath              = "vulnerable_code_not_in_execute_path"
	VulnerableCodeCannotBeControlledByAdversary = "vulnerable_code_cannot_be_controlled_by_adversary"
	InlineMitigationsAlreadyExist               = "inline_mitigations_already_exist"
	FalsePositive                               = "false_positive"
)

// Product identifies what a statement is about, by whatever the source
// document uses. Empty fields are not used for matching.
type Product struct {
	PURL      string // package URL as written in the source
	CPE       string // CPE 2.2 or 2.3 name
	BOMRef    string // CycloneDX bom-ref, or a BOM-Link urn:cdx:serial/version#bom-ref
	ProductID string // CSAF product id, or an OpenVEX @id that is neither purl nor CPE
	// Versions, when not empty, limits the statement to these versions of
	// the product (CycloneDX affects[].versions).
	Versions      []Version
	Subcomponents []Product
}

// Version is one CycloneDX affects[].versions entry that scopes a statement:
// an exact version or a vers range, and the status the source gave it
// ("affected", "unaffected" or "unknown").
type Version struct {
	Version string
	Range   string
	Status  string
}

// Statement is one VEX statement: the status of one vulnerability for some
// products, with the reasons the source gave.
type Statement struct {
	Vulnerability string   // as written (CVE-…, GHSA-…, GO-…)
	Aliases       []string // other ids the source gives for it
	Products      []Product
	Status        Status
	// Justification is an OpenVEX justification name, or a CycloneDX one
	// kept where OpenVEX has no equivalent; see the constants.
	Justification string
	Impact        string    // impact statement / analysis detail
	Action        string    // action statement / response
	Timestamp     time.Time // when the statement was made; zero if unknown
	Source        string    // document id or path, for evidence
	Format        string    // "openvex", "cyclonedx" or "csaf"
}

// addAlias appends id to aliases unless it is empty, the vulnerability
// itself, or already there (ids compare case-insensitively).
func addAlias(aliases []string, vuln, id string) []string {
	id = strings.TrimSpace(id)
	if id == "" || strings.EqualFold(id, vuln) {
		return aliases
	}
	for _, a := range aliases {
		if strings.EqualFold(a, id) {
			return aliases
		}
	}
	return append(aliases, id)
}

// Limits on untrusted input.
const (
	// MaxDocumentSize is the largest document DecodeOpenVEX and
	// DecodeCycloneDX accept, in bytes.
	MaxDocumentSize = 32 << 20
	// MaxStatements is the most statements one document may yield.
	MaxStatements = 100_000
	// maxComponentDepth bounds the walk through nested CycloneDX components.
	maxComponentDepth = 64
)

// Error reports why a VEX document was rejected and where: Path is a JSON
// path such as "statements[3].justification", or "" for the whole document.
type Error struct {
	Source string
	Path   string
	Reason string
}

func (e *Error) Error() string {
	where := e.Source
	if e.Path != "" {
		if where != "" {
			where += ": "
		}
		where += e.Path
	}
	if where == "" {
		return "vex: " + e.Reason
	}
	return fmt.Sprintf("vex %s: %s", where, e.Reason)
}
