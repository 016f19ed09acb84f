package advisory

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

// MaxOSVBytes bounds one OSV record; the largest in public databases are a
// few hundred KB (long versions lists).
const MaxOSVBytes = 8 << 20

// OSV is one record in the Open Source Vulnerability format.
type OSV struct {
	SchemaVersion string
	ID            string
	Modified      time.Time
	Published     time.Time
	Withdrawn     *time.Time
	Aliases       []string
	Related       []string
	Summary       string
	Details       string
	Severity      []OSVSeverity
	Affected      []OSVAffected
	References    []OSVReference
}

// OSVSeverity is a scored severity: a CVSS vector or another scheme's value.
type OSVSeverity struct {
	Type  string `json:"type"`  // CVSS_V2, CVSS_V3, CVSS_V4, Ubuntu
	Score string `json:"score"` // the vector or value
}

// OSVReference is a link from a record.
type OSVReference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// OSVAffected is one affected package with its ranges and explicit versions.
type OSVAffected struct {
	Package  OSVPackage
	Ranges   []OSVRange
	Versions []string
	Severity []OSVSeverity
}

// OSVPackage names a package; either ecosystem and name, or a purl, or both.
type OSVPackage struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	PURL      string `json:"purl"`
}

// OSVRange is one range of affected versions, as a sorted list of events.
type OSVRange struct {
	Type   string // SEMVER, ECOSYSTEM or GIT
	Repo   string // for GIT
	Events []OSVEvent
}

// OSVEvent is one range event; exactly one field is set.
type OSVEvent struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

type osvJSON struct {
	SchemaVersion string         `json:"schema_version"`
	ID            string         `json:"id"`
	Modified      string         `json:"modified"`
	Published     string         `json:"published"`
	Withdrawn     string         `json:"withdrawn"`
	Aliases       []string       `json:"aliases"`
	Related       []string       `json:"related"`
	Summary       string         `json:"summary"`
	Details       string         `json:"details"`
	Severity      []OSVSeverity  `json:"severity"`
	References    []OSVReference `json:"references"`
	Affected      []struct {
		Package  *OSVPackage   `json:"package"`
		Severity []OSVSeverity `json:"severity"`
		Versions []string      `json:"versions"`
		Ranges   []struct {
			Type   string     `json:"type"`
			Repo   string     `json:"repo"`
			Events []OSVEvent `json:"events"`
		} `json:"ranges"`
	} `json:"affected"`
}

// DecodeOSV decodes and checks one OSV record. Problems that make the record
// unusable or ambiguous are errors naming the JSON path; problems a matcher
// can live with (an affected entry without a package, a duplicate range)
// are returned as warnings.
func DecodeOSV(b []byte) (*OSV, []string, error) {
	if len(b) > MaxOSVBytes {
		return nil, nil, fmt.Errorf("osv: record is larger than %d bytes", MaxOSVBytes)
	}
	var raw osvJSON
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, nil, fmt.Errorf("osv: %w", jsonErr(err, b))
	}
	if raw.ID == "" || len(raw.ID) > 256 || strings.ContainsAny(raw.ID, " \t\r\n/") {
		return nil, nil, fmt.Errorf("osv: id %q is missing or malformed (not an OSV record?)", clip(raw.ID))
	}
	fail := func(format string, args ...any) (*OSV, []string, error) {
		return nil, nil, fmt.Errorf("osv %s: "+format, append([]any{raw.ID}, args...)...)
	}
	rec := &OSV{SchemaVersion: raw.SchemaVersion, ID: raw.ID, Aliases: raw.Aliases, Related: raw.Related,
		Summary: raw.Summary, Details: raw.Details, Severity: raw.Severity, References: raw.References}
	var err error
	if rec.Modified, err = osvTime(raw.Modified); err != nil || raw.Modified == "" {
		return fail("modified %q is not an RFC 3339 time (it is required)", clip(raw.Modified))
	}
	if raw.Published != "" {
		if rec.Published, err = osvTime(raw.Published); err != nil {
			return fail("published %q is not an RFC 3339 time", clip(raw.Published))
		}
	}
	if raw.Withdrawn != "" {
		t, err := osvTime(raw.Withdrawn)
		if err != nil {
			return fail("withdrawn %q is not an RFC 3339 time", clip(raw.Withdrawn))
		}
		rec.Withdrawn = &t
	}
	var warnings []string
	for i, a := range raw.Affected {
		at := fmt.Sprintf("affected[%d]", i)
		var out OSVAffected
		if a.Package == nil || (a.Package.Name == "" && a.Package.PURL == "") {
			warnings = append(warnings, at+" has no package: it can only be matched by repository commits, which Vigil does not do")
		} else {
			out.Package = *a.Package
			if a.Package.Name != "" && a.Package.Ecosystem == "" {
				return fail("%s.package has a name but no ecosystem", at)
			}
		}
		out.Versions, out.Severity = a.Versions, a.Severity
		seen := map[string]bool{}
		for j, r := range a.Ranges {
			rat := fmt.Sprintf("%s.ranges[%d]", at, j)
			rg := OSVRange{Type: r.Type, Repo: r.Repo}
			switch r.Type {
			case "SEMVER", "ECOSYSTEM":
			case "GIT":
				if r.Repo == "" {
					return fail("%s is a GIT range without a repo", rat)
				}
			default:
				return fail("%s.type %q is not SEMVER, ECOSYSTEM or GIT", rat, clip(r.Type))
			}
			if len(r.Events) == 0 {
				return fail("%s has no events", rat)
			}
			introduced, repeated := false, false
			values := map[string]bool{}
			for k, ev := range r.Events {
				e, err := checkEvent(ev)
				if err != nil {
					return fail("%s.events[%d]: %v", rat, k, err)
				}
				introduced = introduced || e.Introduced != ""
				v := e.Introduced + e.Fixed + e.LastAffected + e.Limit
				repeated = repeated || values[v]
				values[v] = true
				rg.Events = append(rg.Events, e)
			}
			if repeated {
				warnings = append(warnings, rat+" names one version in two events; the range may be empty or mistaken")
			}
			if !introduced {
				return fail("%s has no introduced event, so no version is inside it", rat)
			}
			key := rangeKey(rg)
			if seen[key] {
				warnings = append(warnings, rat+" repeats an earlier range; ignored")
				continue
			}
			seen[key] = true
			out.Ranges = append(out.Ranges, rg)
		}
		if len(a.Ranges) == 0 && len(a.Versions) == 0 {
			warnings = append(warnings, at+" lists neither ranges nor versions: nothing is affected")
		}
		rec.Affected = append(rec.Affected, out)
	}
	return rec, warnings, nil
}

// checkEvent checks a decoded event: exactly one member set, none empty or
// overlong. Members other than the four are not read; an event with none
// of them is refused.
func checkEvent(e OSVEvent) (OSVEvent, error) {
	n := 0
	for _, v := range [...]string{e.Introduced, e.Fixed, e.LastAffected, e.Limit} {
		if v != "" {
			n++
		}
		if len(v) > 256 {
			return e, fmt.Errorf("a version is longer than 256 bytes")
		}
	}
	switch n {
	case 0:
		return e, fmt.Errorf("unknown event: it has no non-empty introduced, fixed, last_affected or limit")
	case 1:
		return e, nil
	}
	return e, fmt.Errorf("an event has exactly one of introduced, fixed, last_affected, limit; this has %d", n)
}

func rangeKey(r OSVRange) string {
	var b strings.Builder
	b.WriteString(r.Type + "\x00" + r.Repo)
	for _, e := range r.Events {
		b.WriteString("\x00" + e.Introduced + "\x01" + e.Fixed + "\x01" + e.LastAffected + "\x01" + e.Limit)
	}
	return b.String()
}

func osvTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t.UTC(), err
}

// Problem says why one file of a feed was skipped.
type Problem struct {
	Path   string
	Reason string
}

// OSVSet is what ReadOSV found: the records, the files skipped, and the
// warnings on records that were kept.
type OSVSet struct {
	Records  []*OSV
	Skipped  []Problem
	Warnings []Problem
}

// ReadOSV reads every *.json file under root in fsys: a directory
// (os.DirFS) or a zip archive (zip.Reader) alike. A bad file is skipped
// with its reason, never fatal; two files with one id keep the newer
// modified time.
func ReadOSV(ctx context.Context, fsys fs.FS, root string) (*OSVSet, error) {
	set := &OSVSet{}
	byID := map[string]int{}
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			set.Skipped = append(set.Skipped, Problem{p, err.Error()})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || !strings.EqualFold(path.Ext(p), ".json") {
			return nil
		}
		info, err := d.Info()
		if err == nil && info.Size() > MaxOSVBytes {
			set.Skipped = append(set.Skipped, Problem{p, fmt.Sprintf("larger than %d bytes", MaxOSVBytes)})
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			set.Skipped = append(set.Skipped, Problem{p, err.Error()})
			return nil
		}
		rec, warns, err := DecodeOSV(b)
		if err != nil {
			set.Skipped = append(set.Skipped, Problem{p, err.Error()})
			return nil
		}
		for _, w := range warns {
			set.Warnings = append(set.Warnings, Problem{p, w})
		}
		if i, dup := byID[rec.ID]; dup {
			if rec.Modified.After(set.Records[i].Modified) {
				set.Records[i] = rec
			}
			set.Warnings = append(set.Warnings, Problem{p, "record " + rec.ID + " appears more than once; the newest is kept"})
			return nil
		}
		byID[rec.ID] = len(set.Records)
		set.Records = append(set.Records, rec)
		return nil
	})
	if err != nil {
		return set, fmt.Errorf("osv: read %s: %w", root, err)
	}
	sort.Slice(set.Records, func(i, j int) bool { return set.Records[i].ID < set.Records[j].ID })
	return set, nil
}
