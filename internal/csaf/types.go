package csaf

import (
	"encoding/json"
	"time"
)

// Document is a CSAF 2.0 advisory. The fields of the JSON "document" object
// are flattened into it; product_tree and vulnerabilities follow.
type Document struct {
	Acknowledgments   []Acknowledgment
	AggregateSeverity *AggregateSeverity
	Category          string
	CSAFVersion       string
	Distribution      *Distribution
	Lang              string
	SourceLang        string
	Notes             []Note
	Publisher         Publisher
	References        []Reference
	Title             string
	Tracking          Tracking

	ProductTree     ProductTree
	Vulnerabilities []Vulnerability

	// hasProductTree records whether the JSON had a product_tree at all,
	// which profile test 6.1.27.4 needs and the value type cannot show.
	hasProductTree bool
}

// Acknowledgment credits people or organisations.
type Acknowledgment struct {
	Names        []string `json:"names,omitempty"`
	Organization string   `json:"organization,omitempty"`
	Summary      string   `json:"summary,omitempty"`
	URLs         []string `json:"urls,omitempty"`
}

// AggregateSeverity is the publisher's overall rating of a document.
type AggregateSeverity struct {
	Namespace string `json:"namespace,omitempty"`
	Text      string `json:"text"`
}

// Distribution says how a document may be shared.
type Distribution struct {
	Text string `json:"text,omitempty"`
	TLP  *TLP   `json:"tlp,omitempty"`
}

// TLP is a Traffic Light Protocol label.
type TLP struct {
	Label string `json:"label"`
	URL   string `json:"url,omitempty"`
}

// Note is a free-text note of a document or vulnerability.
type Note struct {
	Audience string `json:"audience,omitempty"`
	Category string `json:"category"`
	Text     string `json:"text"`
	Title    string `json:"title,omitempty"`
}

// Publisher is the issuer of a document.
type Publisher struct {
	Category         string `json:"category"`
	ContactDetails   string `json:"contact_details,omitempty"`
	IssuingAuthority string `json:"issuing_authority,omitempty"`
	Name             string `json:"name"`
	Namespace        string `json:"namespace"`
}

// Reference points to a related resource.
type Reference struct {
	Category string `json:"category,omitempty"`
	Summary  string `json:"summary"`
	URL      string `json:"url"`
}

// Tracking holds a document's identity and history.
type Tracking struct {
	Aliases            []string   `json:"aliases,omitempty"`
	CurrentReleaseDate time.Time  `json:"current_release_date"`
	Generator          *Generator `json:"generator,omitempty"`
	ID                 string     `json:"id"`
	InitialReleaseDate time.Time  `json:"initial_release_date"`
	RevisionHistory    []Revision `json:"revision_history"`
	Status             string     `json:"status"`
	Version            string     `json:"version"`
}

// Generator names the tool that wrote a document.
type Generator struct {
	Date   time.Time `json:"date,omitzero"`
	Engine Engine    `json:"engine"`
}

// Engine is a generator's name and version.
type Engine struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

// Revision is one entry of the revision history.
type Revision struct {
	Date          time.Time `json:"date"`
	LegacyVersion string    `json:"legacy_version,omitempty"`
	Number        string    `json:"number"`
	Summary       string    `json:"summary"`
}

// ProductTree defines the products a document talks about.
type ProductTree struct {
	Branches         []Branch          `json:"branches,omitempty"`
	FullProductNames []FullProductName `json:"full_product_names,omitempty"`
	ProductGroups    []ProductGroup    `json:"product_groups,omitempty"`
	Relationships    []Relationship    `json:"relationships,omitempty"`
}

// Branch is one node of the vendor → product → version tree. A leaf carries
// a Product.
type Branch struct {
	Branches []Branch         `json:"branches,omitempty"`
	Category string           `json:"category"`
	Name     string           `json:"name"`
	Product  *FullProductName `json:"product,omitempty"`
}

// FullProductName defines one product id.
type FullProductName struct {
	Name      string                       `json:"name"`
	ProductID string                       `json:"product_id"`
	Helper    *ProductIdentificationHelper `json:"product_identification_helper,omitempty"`
}

// ProductIdentificationHelper carries machine-readable identifiers of a
// product.
type ProductIdentificationHelper struct {
	CPE           string       `json:"cpe,omitempty"`
	Hashes        []FileHashes `json:"hashes,omitempty"`
	ModelNumbers  []string     `json:"model_numbers,omitempty"`
	PURL          string       `json:"purl,omitempty"`
	SBOMURLs      []string     `json:"sbom_urls,omitempty"`
	SerialNumbers []string     `json:"serial_numbers,omitempty"`
	SKUs          []string     `json:"skus,omitempty"`
	XGenericURIs  []GenericURI `json:"x_generic_uris,omitempty"`
}

// FileHashes lists hashes of one file.
type FileHashes struct {
	FileHashes []FileHash `json:"file_hashes"`
	Filename   string     `json:"filename"`
}

// FileHash is one hash value.
type FileHash struct {
	Algorithm string `json:"algorithm"`
	Value     string `json:"value"`
}

// GenericURI is an identifier in a namespace of its own.
type GenericURI struct {
	Namespace string `json:"namespace"`
	URI       string `json:"uri"`
}

// ProductGroup names a set of product ids.
type ProductGroup struct {
	GroupID    string   `json:"group_id"`
	ProductIDs []string `json:"product_ids"`
	Summary    string   `json:"summary,omitempty"`
}

// Relationship defines a product made of two others, such as firmware
// installed on a device.
type Relationship struct {
	Category                  string          `json:"category"`
	FullProductName           FullProductName `json:"full_product_name"`
	ProductReference          string          `json:"product_reference"`
	RelatesToProductReference string          `json:"relates_to_product_reference"`
}

// Vulnerability is one entry of the vulnerabilities array.
type Vulnerability struct {
	Acknowledgments []Acknowledgment `json:"acknowledgments,omitempty"`
	CVE             string           `json:"cve,omitempty"`
	CWE             *CWE             `json:"cwe,omitempty"`
	DiscoveryDate   time.Time        `json:"discovery_date,omitzero"`
	Flags           []Flag           `json:"flags,omitempty"`
	IDs             []VulnID         `json:"ids,omitempty"`
	Involvements    []Involvement    `json:"involvements,omitempty"`
	Notes           []Note           `json:"notes,omitempty"`
	ProductStatus   ProductStatus    `json:"product_status,omitzero"`
	References      []Reference      `json:"references,omitempty"`
	ReleaseDate     time.Time        `json:"release_date,omitzero"`
	Remediations    []Remediation    `json:"remediations,omitempty"`
	Scores          []Score          `json:"scores,omitempty"`
	Threats         []Threat         `json:"threats,omitempty"`
	Title           string           `json:"title,omitempty"`

	hasProductStatus bool
}

// CWE is a weakness id and name.
type CWE struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// VulnID is an identifier of a vulnerability in some tracking system.
type VulnID struct {
	SystemName string `json:"system_name"`
	Text       string `json:"text"`
}

// Flag is a machine-readable VEX justification for products.
type Flag struct {
	Date       time.Time `json:"date,omitzero"`
	GroupIDs   []string  `json:"group_ids,omitempty"`
	Label      string    `json:"label"`
	ProductIDs []string  `json:"product_ids,omitempty"`
}

// Involvement records a party's part in handling a vulnerability.
type Involvement struct {
	Date    time.Time `json:"date,omitzero"`
	Party   string    `json:"party"`
	Status  string    `json:"status"`
	Summary string    `json:"summary,omitempty"`
}

// ProductStatus sorts product ids into status buckets.
type ProductStatus struct {
	FirstAffected      []string `json:"first_affected,omitempty"`
	FirstFixed         []string `json:"first_fixed,omitempty"`
	Fixed              []string `json:"fixed,omitempty"`
	KnownAffected      []string `json:"known_affected,omitempty"`
	KnownNotAffected   []string `json:"known_not_affected,omitempty"`
	LastAffected       []string `json:"last_affected,omitempty"`
	Recommended        []string `json:"recommended,omitempty"`
	UnderInvestigation []string `json:"under_investigation,omitempty"`
}

// Remediation says what to do about a vulnerability.
type Remediation struct {
	Category        string           `json:"category"`
	Date            time.Time        `json:"date,omitzero"`
	Details         string           `json:"details"`
	Entitlements    []string         `json:"entitlements,omitempty"`
	GroupIDs        []string         `json:"group_ids,omitempty"`
	ProductIDs      []string         `json:"product_ids,omitempty"`
	RestartRequired *RestartRequired `json:"restart_required,omitempty"`
	URL             string           `json:"url,omitempty"`
}

// RestartRequired says what a remediation needs restarted.
type RestartRequired struct {
	Category string `json:"category"`
	Details  string `json:"details,omitempty"`
}

// Score is a CVSS rating for some products.
type Score struct {
	CVSSv2   *CVSS    `json:"cvss_v2,omitempty"`
	CVSSv3   *CVSS    `json:"cvss_v3,omitempty"`
	Products []string `json:"products"`
}

// CVSS is a CVSS v2 or v3 object. The four fields every version has are
// typed; all properties, these included, are kept in Properties as written.
type CVSS struct {
	Version      string
	VectorString string
	BaseScore    float64
	BaseSeverity string
	Properties   map[string]json.RawMessage
}

// UnmarshalJSON keeps every property and types the common ones.
func (c *CVSS) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	var out CVSS
	out.Properties = m
	for k, dst := range map[string]any{"version": &out.Version, "vectorString": &out.VectorString, "baseScore": &out.BaseScore, "baseSeverity": &out.BaseSeverity} {
		if raw, ok := m[k]; ok {
			if err := json.Unmarshal(raw, dst); err != nil {
				return &json.UnmarshalTypeError{Value: string(raw), Field: k}
			}
		}
	}
	*c = out
	return nil
}

// MarshalJSON writes the properties back.
func (c CVSS) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(c.Properties)+4)
	for k, v := range c.Properties {
		m[k] = v
	}
	m["version"] = c.Version
	m["vectorString"] = c.VectorString
	m["baseScore"] = c.BaseScore
	if c.BaseSeverity != "" {
		m["baseSeverity"] = c.BaseSeverity
	}
	return json.Marshal(m)
}

// Threat describes exploitation status, impact or targets.
type Threat struct {
	Category   string    `json:"category"`
	Date       time.Time `json:"date,omitzero"`
	Details    string    `json:"details"`
	GroupIDs   []string  `json:"group_ids,omitempty"`
	ProductIDs []string  `json:"product_ids,omitempty"`
}

// docMeta is the JSON "document" object.
type docMeta struct {
	Acknowledgments   []Acknowledgment   `json:"acknowledgments,omitempty"`
	AggregateSeverity *AggregateSeverity `json:"aggregate_severity,omitempty"`
	Category          string             `json:"category"`
	CSAFVersion       string             `json:"csaf_version"`
	Distribution      *Distribution      `json:"distribution,omitempty"`
	Lang              string             `json:"lang,omitempty"`
	Notes             []Note             `json:"notes,omitempty"`
	Publisher         Publisher          `json:"publisher"`
	References        []Reference        `json:"references,omitempty"`
	SourceLang        string             `json:"source_lang,omitempty"`
	Title             string             `json:"title"`
	Tracking          Tracking           `json:"tracking"`
}

// wireDoc is the top level of the JSON form.
type wireDoc struct {
	Document        docMeta         `json:"document"`
	ProductTree     *ProductTree    `json:"product_tree,omitempty"`
	Vulnerabilities []Vulnerability `json:"vulnerabilities,omitempty"`
}
