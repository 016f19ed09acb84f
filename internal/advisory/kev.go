package advisory

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
)

// MaxKEVBytes bounds a KEV catalog: the real one is about 1.5 MB.
const MaxKEVBytes = 64 << 20

// KEVCatalog is CISA's Known Exploited Vulnerabilities catalog.
type KEVCatalog struct {
	Title          string
	CatalogVersion string
	DateReleased   time.Time
	Entries        []KEVEntry
}

// KEVEntry is one exploited CVE with CISA's remediation due date.
type KEVEntry struct {
	CVE              string
	VendorProject    string
	Product          string
	Name             string
	DateAdded        time.Time // a calendar day, UTC midnight
	ShortDescription string
	RequiredAction   string
	DueDate          time.Time // a calendar day, UTC midnight
	KnownRansomware  bool      // knownRansomwareCampaignUse == "Known"
	Notes            string
	CWEs             []string
}

// cveRE is the CVE id syntax: CVE-YYYY-NNNN with four or more digits.
var cveRE = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)

type kevJSON struct {
	Title           *string `json:"title"`
	CatalogVersion  string  `json:"catalogVersion"`
	DateReleased    string  `json:"dateReleased"`
	Count           *int    `json:"count"`
	Vulnerabilities []struct {
		CVEID                      string   `json:"cveID"`
		VendorProject              string   `json:"vendorProject"`
		Product                    string   `json:"product"`
		VulnerabilityName          string   `json:"vulnerabilityName"`
		DateAdded                  string   `json:"dateAdded"`
		ShortDescription           string   `json:"shortDescription"`
		RequiredAction             string   `json:"requiredAction"`
		DueDate                    string   `json:"dueDate"`
		KnownRansomwareCampaignUse string   `json:"knownRansomwareCampaignUse"`
		Notes                      string   `json:"notes"`
		CWEs                       []string `json:"cwes"`
	} `json:"vulnerabilities"`
}

// ReadKEV decodes the catalog's JSON form. Every entry must carry a valid
// CVE id and dates; the first bad entry fails the read, naming its index
// and field, because a partly read catalog would silently drop exploited
// vulnerabilities.
func ReadKEV(r io.Reader) (*KEVCatalog, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxKEVBytes+1))
	if err != nil {
		return nil, fmt.Errorf("kev: read: %w", err)
	}
	if len(b) > MaxKEVBytes {
		return nil, fmt.Errorf("kev: catalog is larger than %d bytes", MaxKEVBytes)
	}
	var raw kevJSON
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("kev: not a KEV catalog: %w", jsonErr(err, b))
	}
	if raw.Vulnerabilities == nil || raw.Count == nil {
		return nil, fmt.Errorf("kev: not a KEV catalog: no \"vulnerabilities\" or \"count\" member")
	}
	cat := &KEVCatalog{CatalogVersion: raw.CatalogVersion, Entries: make([]KEVEntry, 0, len(raw.Vulnerabilities))}
	if raw.Title != nil {
		cat.Title = *raw.Title
	}
	if raw.DateReleased != "" {
		t, err := time.Parse(time.RFC3339, raw.DateReleased)
		if err != nil {
			return nil, fmt.Errorf("kev: dateReleased %q is not an RFC 3339 time", clip(raw.DateReleased))
		}
		cat.DateReleased = t.UTC()
	}
	seen := make(map[string]int, len(raw.Vulnerabilities))
	for i, v := range raw.Vulnerabilities {
		at := func(field string) string { return fmt.Sprintf("kev: vulnerabilities[%d].%s", i, field) }
		id := strings.TrimSpace(v.CVEID)
		if !cveRE.MatchString(id) {
			return nil, fmt.Errorf("%s: %q is not a CVE id", at("cveID"), clip(v.CVEID))
		}
		if j, dup := seen[id]; dup {
			return nil, fmt.Errorf("%s: %s is listed twice (also at index %d)", at("cveID"), id, j)
		}
		seen[id] = i
		added, err := time.Parse(time.DateOnly, v.DateAdded)
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not a date (YYYY-MM-DD)", at("dateAdded"), clip(v.DateAdded))
		}
		due, err := time.Parse(time.DateOnly, v.DueDate)
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not a date (YYYY-MM-DD)", at("dueDate"), clip(v.DueDate))
		}
		var ransomware bool
		switch v.KnownRansomwareCampaignUse {
		case "Known":
			ransomware = true
		case "Unknown", "":
		default:
			return nil, fmt.Errorf("%s: %q is neither Known nor Unknown", at("knownRansomwareCampaignUse"), clip(v.KnownRansomwareCampaignUse))
		}
		cat.Entries = append(cat.Entries, KEVEntry{
			CVE: id, VendorProject: v.VendorProject, Product: v.Product, Name: v.VulnerabilityName,
			DateAdded: added, ShortDescription: v.ShortDescription, RequiredAction: v.RequiredAction,
			DueDate: due, KnownRansomware: ransomware, Notes: v.Notes, CWEs: v.CWEs,
		})
	}
	if *raw.Count != len(cat.Entries) {
		return nil, fmt.Errorf("kev: count says %d entries but the catalog lists %d (truncated file?)", *raw.Count, len(cat.Entries))
	}
	return cat, nil
}

// jsonErr adds the line and column to a JSON syntax error.
func jsonErr(err error, b []byte) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case asErr(err, &se):
		line, col := lineCol(b, se.Offset)
		return fmt.Errorf("line %d, column %d: %v", line, col, err)
	case asErr(err, &te):
		line, col := lineCol(b, te.Offset)
		return fmt.Errorf("line %d, column %d: member %q has the wrong type (JSON %s)", line, col, te.Field, te.Value)
	}
	return err
}

func lineCol(b []byte, off int64) (int, int) {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	line, col := 1, 1
	for _, c := range b[:off] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// clip shortens hostile values before they reach an error message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
