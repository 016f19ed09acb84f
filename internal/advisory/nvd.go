package advisory

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/vigil-oss/vigil/internal/cpe"
)

// MaxNVDBytes bounds one NVD document: a single record, or an API response
// or feed file holding many. NVD's API pages hold at most 2,000 records
// (tens of MB); yearly feed files stay under this too.
const MaxNVDBytes = 512 << 20

// NVDRecord is one CVE as NVD's CVE API 2.0 publishes it, narrowed to what
// Vigil shows and matches.
type NVDRecord struct {
	ID               string
	SourceIdentifier string
	Published        time.Time // UTC; NVD writes no zone
	LastModified     time.Time // UTC
	Status           string    // vulnStatus: "Analyzed", "Modified", "Deferred", "Awaiting Analysis"…
	Description      string    // the English ("en") description
	Metrics          []NVDMetric
	Weaknesses       []string // "CWE-79", each once; NVD-CWE-noinfo and NVD-CWE-Other are left out
	References       []string // URLs, each once
	Configurations   []cpe.Configuration
	KEV              *NVDKEV // set when NVD carries CISA's KEV fields
}

// NVDMetric is one CVSS score NVD lists, from NVD itself (Primary) or from
// the CVE's numbering authority (Secondary).
type NVDMetric struct {
	Version   string // "4.0", "3.1", "3.0" or "2.0"
	Source    string // "nvd@nist.gov" or the source's e-mail or UUID
	Type      string // "Primary" or "Secondary"
	Vector    string
	BaseScore float64
	Severity  string // "CRITICAL", "HIGH"…; for 2.0 the metric-level baseSeverity
}

// NVDKEV is CISA's Known Exploited Vulnerabilities entry as NVD copies it
// into the CVE record.
type NVDKEV struct {
	ExploitAdd        time.Time // cisaExploitAdd, a calendar day
	ActionDue         time.Time // cisaActionDue, a calendar day
	RequiredAction    string
	VulnerabilityName string
}

// metricVersions maps NVD's metric keys to versions, highest first.
var metricVersions = []struct{ key, version string }{
	{"cvssMetricV40", "4.0"}, {"cvssMetricV31", "3.1"}, {"cvssMetricV30", "3.0"}, {"cvssMetricV2", "2.0"},
}

// Primary returns the metric to show: the highest CVSS version present
// and, within it, NVD's own (Primary) score before a Secondary one. A newer
// version wins over type because its vector means more (a 3.1 Secondary
// score tells more than a 2.0 Primary one). The second result is false
// when there is no metric.
func (r *NVDRecord) Primary() (NVDMetric, bool) {
	for _, mv := range metricVersions {
		var best *NVDMetric
		for i := range r.Metrics {
			m := &r.Metrics[i]
			if m.Version != mv.version {
				continue
			}
			if best == nil || (m.Type == "Primary" && best.Type != "Primary") {
				best = m
			}
		}
		if best != nil {
			return *best, true
		}
	}
	return NVDMetric{}, false
}

type nvdMetricJSON struct {
	Source       string `json:"source"`
	Type         string `json:"type"`
	BaseSeverity string `json:"baseSeverity"` // v2 only
	CVSSData     struct {
		Version      string   `json:"version"`
		VectorString string   `json:"vectorString"`
		BaseScore    *float64 `json:"baseScore"`
		BaseSeverity string   `json:"baseSeverity"`
	} `json:"cvssData"`
}

type nvdLangString struct {
	Lang  string `json:"lang"`
	Value string `json:"value"`
}

type nvdJSON struct {
	ID               *string                    `json:"id"`
	SourceIdentifier string                     `json:"sourceIdentifier"`
	Published        string                     `json:"published"`
	LastModified     string                     `json:"lastModified"`
	VulnStatus       string                     `json:"vulnStatus"`
	Descriptions     []nvdLangString            `json:"descriptions"`
	Metrics          map[string][]nvdMetricJSON `json:"metrics"`
	Weaknesses       []struct {
		Description []nvdLangString `json:"description"`
	} `json:"weaknesses"`
	References []struct {
		URL string `json:"url"`
	} `json:"references"`
	Configurations        []cpe.Configuration `json:"configurations"`
	CISAExploitAdd        string              `json:"cisaExploitAdd"`
	CISAActionDue         string              `json:"cisaActionDue"`
	CISARequiredAction    string              `json:"cisaRequiredAction"`
	CISAVulnerabilityName string              `json:"cisaVulnerabilityName"`
}

// DecodeNVD reads NVD CVE API 2.0 JSON in any of its three shapes: a bare
// CVE object (as NVD's per-CVE files), the {"cve": {…}} wrapper, or an API
// response or feed file {"vulnerabilities": [{"cve": {…}}, …]}. Records come
// back in document order. Content that is odd but usable (a timestamp that
// does not parse, a score out of range, a CPE name that does not parse) is
// reported as a warning naming the JSON path; wrong JSON types, a missing
// or malformed id, and syntax errors fail the whole document with an error
// naming the JSON path or line and column. NVD timestamps carry no zone
// and are read as UTC.
func DecodeNVD(b []byte) ([]*NVDRecord, []string, error) {
	if len(b) > MaxNVDBytes {
		return nil, nil, fmt.Errorf("nvd: document is larger than %d bytes", MaxNVDBytes)
	}
	var top struct {
		ID              json.RawMessage `json:"id"`
		CVE             json.RawMessage `json:"cve"`
		Vulnerabilities json.RawMessage `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, nil, fmt.Errorf("nvd: %w", jsonErr(err, b))
	}
	var warnings []string
	switch {
	case top.Vulnerabilities != nil && !isNull(top.Vulnerabilities):
		var items []struct {
			CVE json.RawMessage `json:"cve"`
		}
		if err := json.Unmarshal(top.Vulnerabilities, &items); err != nil {
			return nil, nil, fmt.Errorf("nvd vulnerabilities: %w", jsonErr(err, top.Vulnerabilities))
		}
		recs := make([]*NVDRecord, 0, len(items))
		for i, it := range items {
			at := fmt.Sprintf("vulnerabilities[%d].cve", i)
			if it.CVE == nil || isNull(it.CVE) {
				return nil, nil, fmt.Errorf("nvd %s: missing", at)
			}
			rec, w, err := decodeNVDCVE(it.CVE, at)
			if err != nil {
				return nil, nil, err
			}
			recs = append(recs, rec)
			warnings = append(warnings, w...)
		}
		return recs, warnings, nil
	case top.CVE != nil && top.ID == nil:
		rec, w, err := decodeNVDCVE(top.CVE, "cve")
		if err != nil {
			return nil, nil, err
		}
		return []*NVDRecord{rec}, w, nil
	}
	rec, w, err := decodeNVDCVE(b, "")
	if err != nil {
		return nil, nil, err
	}
	return []*NVDRecord{rec}, w, nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func decodeNVDCVE(b []byte, at string) (*NVDRecord, []string, error) {
	join := func(field string) string {
		switch {
		case at == "":
			return field
		case field == "":
			return at
		}
		return at + "." + field
	}
	var raw nvdJSON
	if err := json.Unmarshal(b, &raw); err != nil {
		var te *json.UnmarshalTypeError
		if asErr(err, &te) {
			line, col := lineCol(b, te.Offset)
			return nil, nil, fmt.Errorf("nvd %s: wrong type (JSON %s) at line %d, column %d of the record", join(te.Field), te.Value, line, col)
		}
		if at == "" {
			return nil, nil, fmt.Errorf("nvd: %w", jsonErr(err, b))
		}
		return nil, nil, fmt.Errorf("nvd %s: %w", at, jsonErr(err, b))
	}
	if raw.ID == nil || *raw.ID == "" {
		return nil, nil, fmt.Errorf("nvd %s: missing (not an NVD CVE record?)", join("id"))
	}
	if !cveRE.MatchString(*raw.ID) {
		return nil, nil, fmt.Errorf("nvd %s: %q is not a CVE id", join("id"), clip(*raw.ID))
	}
	id := *raw.ID
	var warnings []string
	warn := func(field, format string, args ...any) {
		warnings = append(warnings, id+" "+join(field)+": "+fmt.Sprintf(format, args...))
	}
	rec := &NVDRecord{ID: id, SourceIdentifier: raw.SourceIdentifier, Status: raw.VulnStatus,
		Configurations: raw.Configurations}
	var err error
	if rec.Published, err = nvdTime(raw.Published); err != nil {
		warn("published", "%q is not a timestamp", clip(raw.Published))
	}
	if rec.LastModified, err = nvdTime(raw.LastModified); err != nil {
		warn("lastModified", "%q is not a timestamp", clip(raw.LastModified))
	}
	for _, d := range raw.Descriptions {
		if d.Lang == "en" && rec.Description == "" {
			rec.Description = d.Value
		}
	}
	if rec.Description == "" && len(raw.Descriptions) > 0 {
		warn("descriptions", "no English description")
	}
	known := map[string]bool{}
	for _, mv := range metricVersions {
		known[mv.key] = true
		for i, m := range raw.Metrics[mv.key] {
			mat := fmt.Sprintf("metrics.%s[%d]", mv.key, i)
			if m.CVSSData.BaseScore == nil || *m.CVSSData.BaseScore < 0 || *m.CVSSData.BaseScore > 10 {
				warn(mat+".cvssData.baseScore", "missing or outside 0–10; metric ignored")
				continue
			}
			if m.CVSSData.Version != "" && m.CVSSData.Version != mv.version {
				warn(mat+".cvssData.version", "%q under %s; taken as %s", clip(m.CVSSData.Version), mv.key, mv.version)
			}
			sev := m.CVSSData.BaseSeverity
			if mv.version == "2.0" {
				sev = m.BaseSeverity
			}
			rec.Metrics = append(rec.Metrics, NVDMetric{Version: mv.version, Source: m.Source, Type: m.Type,
				Vector: m.CVSSData.VectorString, BaseScore: *m.CVSSData.BaseScore, Severity: sev})
		}
	}
	for k := range raw.Metrics {
		if !known[k] {
			warn("metrics."+clip(k), "unknown metric kind; ignored")
		}
	}
	seen := map[string]bool{}
	for _, w := range raw.Weaknesses {
		for _, d := range w.Description {
			v := d.Value
			if !strings.HasPrefix(v, "CWE-") || seen[v] {
				continue
			}
			seen[v] = true
			rec.Weaknesses = append(rec.Weaknesses, v)
		}
	}
	clear(seen)
	for _, r := range raw.References {
		if r.URL != "" && !seen[r.URL] {
			seen[r.URL] = true
			rec.References = append(rec.References, r.URL)
		}
	}
	for i, c := range raw.Configurations {
		for j, n := range c.Nodes {
			for k, m := range n.CPEMatch {
				if _, err := cpe.Parse(m.Criteria); err != nil {
					warn(fmt.Sprintf("configurations[%d].nodes[%d].cpeMatch[%d].criteria", i, j, k), "%v", err)
				}
			}
		}
	}
	if raw.CISAExploitAdd != "" || raw.CISAActionDue != "" || raw.CISARequiredAction != "" || raw.CISAVulnerabilityName != "" {
		k := &NVDKEV{RequiredAction: raw.CISARequiredAction, VulnerabilityName: raw.CISAVulnerabilityName}
		if k.ExploitAdd, err = time.Parse(time.DateOnly, raw.CISAExploitAdd); err != nil {
			warn("cisaExploitAdd", "%q is not a YYYY-MM-DD date", clip(raw.CISAExploitAdd))
		}
		if k.ActionDue, err = time.Parse(time.DateOnly, raw.CISAActionDue); err != nil {
			warn("cisaActionDue", "%q is not a YYYY-MM-DD date", clip(raw.CISAActionDue))
		}
		rec.KEV = k
	}
	return rec, warnings, nil
}

// nvdTime parses NVD's zone-less timestamps ("2017-03-17T00:59:03.977") as
// UTC, and accepts RFC 3339 with a zone too.
func nvdTime(s string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02T15:04:05.999999999", s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t.UTC(), err
}
