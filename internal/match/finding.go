package match

import (
	"time"
)

// Rule names how a finding matched.
type Rule string

// The matching rules, most specific first.
const (
	RulePURL       Rule = "purl"        // OSV package and version range
	RuleCPE        Rule = "cpe"         // NVD CPE configuration
	RuleCSAFHelper Rule = "csaf-helper" // CSAF product identification helper (purl or CPE)
	RuleCSAFName   Rule = "csaf-name"   // CSAF vendor, product name and version
)

// Evidence says why one advisory applies to one component: what on our side
// matched, what in the advisory it matched, and where that advisory came
// from.
type Evidence struct {
	Rule      Rule      `json:"rule"`
	Matched   string    `json:"matched"`              // the component's purl, CPE, or "vendor product version"
	Criterion string    `json:"criterion"`            // the range, CPE criterion, or CSAF product it fell in
	ProductID string    `json:"product_id,omitempty"` // CSAF product id
	Document  string    `json:"document"`             // the advisory document (file or tracking id and version)
	Date      time.Time `json:"date,omitzero"`        // that document's last change
	Note      string    `json:"note,omitempty"`       // a heuristic the match relied on
}

// KEV is CISA's Known Exploited Vulnerabilities entry for a finding's CVE.
type KEV struct {
	CVE        string    `json:"cve"`
	DateAdded  time.Time `json:"date_added"`
	DueDate    time.Time `json:"due_date"`
	Ransomware bool      `json:"known_ransomware_use"`
}

// EPSS is FIRST's exploit prediction for a finding's CVE.
type EPSS struct {
	CVE         string  `json:"cve"`
	Probability float64 `json:"probability"`
	Percentile  float64 `json:"percentile"`
}

// VEXStatus is the VEX statement that governs a finding.
type VEXStatus struct {
	Status        string    `json:"status"` // not_affected, affected, fixed, under_investigation
	Justification string    `json:"justification,omitempty"`
	Impact        string    `json:"impact,omitempty"`
	Action        string    `json:"action,omitempty"`
	Source        string    `json:"source"`
	Format        string    `json:"format"`
	Timestamp     time.Time `json:"timestamp,omitzero"`
}

// Finding is one advisory that applies to one component of one SBOM (or to
// the device the SBOM describes).
type Finding struct {
	Source     string `json:"source"`  // the SBOM it came from
	BOMRef     string `json:"bom_ref"` // the component's bom-ref or SPDX id
	Component  string `json:"component"`
	Version    string `json:"version"`
	PURL       string `json:"purl,omitempty"`
	CPE        string `json:"cpe,omitempty"`
	AdvisoryID string `json:"advisory_id"`
	// Aliases are the other ids of the vulnerability, sorted; CVE ids first.
	Aliases       []string   `json:"aliases"`
	Summary       string     `json:"summary,omitempty"`
	Severity      Severity   `json:"severity"`
	Score         *Score     `json:"cvss,omitempty"`
	FixedVersions []string   `json:"fixed_versions"`
	KEV           *KEV       `json:"kev"`
	EPSS          *EPSS      `json:"epss"`
	VEX           *VEXStatus `json:"vex,omitempty"`
	// VEXStatus is VEX.Status, or "" when no statement applies.
	VEXStatus string `json:"vex_status"`
	// Suppressed is set when a VEX statement says not_affected or fixed:
	// the finding is kept, with its justification, but does not count.
	Suppressed bool       `json:"suppressed"`
	Evidence   []Evidence `json:"evidence"`
}

// Active reports whether the finding counts: not suppressed by VEX.
func (f *Finding) Active() bool { return !f.Suppressed }
