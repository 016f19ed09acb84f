package codec

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
)

// CheckAdvisoryDoc checks what the stores need of a document to be put:
// a kind and a doc id, Data within core.MaxAdvisoryDocSize. It fills in an
// empty SHA256 from Data and normalises Modified.
func CheckAdvisoryDoc(i int, d *core.AdvisoryDoc) error {
	if d == nil {
		return core.Invalid("docs", "document %d is nil", i)
	}
	if len(d.Data) > core.MaxAdvisoryDocSize {
		return core.Errorf(core.KindTooLarge, "advisory document %s %s is %d bytes, more than the %d MiB allowed",
			d.Kind, d.DocID, len(d.Data), core.MaxAdvisoryDocSize>>20)
	}
	v := core.Validation{What: "advisory document"}
	if strings.TrimSpace(d.Kind) == "" {
		v.Add("kind", "is required")
	}
	if strings.TrimSpace(d.DocID) == "" {
		v.Add("doc_id", "is required")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if d.SHA256 == "" {
		sum := sha256.Sum256(d.Data)
		d.SHA256 = hex.EncodeToString(sum[:])
	}
	d.Modified = Time(d.Modified)
	return nil
}

// CheckSBOM checks an SBOM's size and its components' refs before PutSBOM.
func CheckSBOM(s *core.SBOM, comps []*core.Component) error {
	if s == nil {
		return core.Invalid("sbom", "is required")
	}
	if len(s.Data) > core.MaxAdvisoryDocSize {
		return core.Errorf(core.KindTooLarge, "the SBOM is %d bytes, more than the %d MiB allowed",
			len(s.Data), core.MaxAdvisoryDocSize>>20)
	}
	if s.ReleaseID <= 0 {
		return core.Invalid("release_id", "is required")
	}
	for i, c := range comps {
		if c == nil {
			return core.Invalid("components", "component %d is nil", i)
		}
	}
	return nil
}

// Outcome decides what PutAdvisoryDocs does with d given the stored
// revision's Modified and SHA-256.
func Outcome(storedModified time.Time, storedSHA string, d *core.AdvisoryDoc) core.PutOutcome {
	switch {
	case d.SHA256 == storedSHA:
		return core.PutUnchanged
	case d.Modified.After(storedModified), d.Modified.Equal(storedModified):
		return core.PutUpdated
	}
	return core.PutOlder
}

// DocKey is the map key of a (kind, doc id) pair.
func DocKey(kind, docID string) string { return kind + "\x00" + docID }

// UniqueKeys returns the non-empty keys of l without repeats, in order.
func UniqueKeys(l []string) []string {
	out := make([]string, 0, len(l))
	seen := make(map[string]bool, len(l))
	for _, k := range l {
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, k)
	}
	return out
}

// Hashes encodes a component's hashes as a JSON object with sorted keys;
// nil becomes {}.
func Hashes(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b := []byte{'{'}
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, m[k])
	}
	return string(append(b, '}'))
}

// ParseHashes decodes Hashes' output; an empty object is nil.
func ParseHashes(b []byte) (map[string]string, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// CheckFinding checks what the stores need of a finding: an advisory id,
// evidence that is JSON. An empty severity becomes "unknown".
func CheckFinding(r core.ReleaseID, f *core.Finding) error {
	if f == nil {
		return core.Invalid("findings", "release %d has a nil finding", r)
	}
	if strings.TrimSpace(f.AdvisoryID) == "" {
		return core.Invalid("advisory_id", "is required (release %d, component %q)", r, f.ComponentRef)
	}
	if len(f.Evidence) > 0 && !json.Valid(f.Evidence) {
		return core.Invalid("evidence", "is not JSON (release %d, %s)", r, f.AdvisoryID)
	}
	if f.Severity == "" {
		f.Severity = "unknown"
	}
	return nil
}

// FindingKey is the identity of a finding within its release.
func FindingKey(ref, advisory string) string { return ref + "\x00" + advisory }

// Evidence is the column text of a finding's evidence ("" for none).
func Evidence(e json.RawMessage) string { return string(e) }

// ParseEvidence turns the column text back into Evidence (nil for none).
func ParseEvidence(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

// FindingDigest fingerprints the content of a finding, everything but its
// ids and times, so that a replace can tell whether it changed (see
// core.FindingDigest).
func FindingDigest(f *core.Finding) int64 { return int64(core.FindingDigest(f)) }

// FindingLimit applies the page rules to a finding filter.
func FindingLimit(f core.FindingFilter) (int, error) {
	if f.After < 0 {
		return 0, core.Invalid("after", "must not be negative")
	}
	return Limit(f.Limit)
}

// SplitVEX separates VEXNone from the real statuses of a VEXStatus filter.
func SplitVEX(l []string) (statuses []string, none bool) {
	for _, s := range l {
		if s == core.VEXNone {
			none = true
			continue
		}
		statuses = append(statuses, s)
	}
	return statuses, none
}

// Chunks calls fn with consecutive slices of l of at most size elements.
func Chunks[T any](l []T, size int, fn func([]T) error) error {
	for len(l) > 0 {
		n := min(size, len(l))
		if err := fn(l[:n]); err != nil {
			return err
		}
		l = l[n:]
	}
	return nil
}

// CheckFindings checks every finding of a ReplaceFindings call (see
// CheckFinding; two findings of a release with the same key are invalid)
// and returns the releases in id order.
func CheckFindings(byRelease map[core.ReleaseID][]*core.Finding) ([]core.ReleaseID, error) {
	releases := make([]core.ReleaseID, 0, len(byRelease))
	for r, fs := range byRelease {
		if r <= 0 {
			return nil, core.Invalid("release_id", "must be positive")
		}
		releases = append(releases, r)
		seen := make(map[string]bool, len(fs))
		for _, f := range fs {
			if err := CheckFinding(r, f); err != nil {
				return nil, err
			}
			key := FindingKey(f.ComponentRef, f.AdvisoryID)
			if seen[key] {
				return nil, core.Invalid("findings", "release %d has two findings of %s on component %q",
					r, f.AdvisoryID, f.ComponentRef)
			}
			seen[key] = true
		}
	}
	slices.Sort(releases)
	return releases, nil
}

// StoredFinding is what ReplaceFindings reads of a finding already stored.
type StoredFinding struct {
	ID, ComponentID, Digest int64
	FirstSeen, UpdatedAt    time.Time
}

// FindingWrite is a finding with the id, times and digest it is stored under.
type FindingWrite struct {
	F                    *core.Finding
	Release              core.ReleaseID
	ID                   int64 // 0 until a new finding is given one
	FirstSeen, UpdatedAt time.Time
	Digest               int64
	Stored               bool // the finding is stored under ID and changed
}

// FindingDiff is what ReplaceFindings does: delete the rows Deletes names
// (findings gone), rewrite the Writes marked Stored under their ids and
// insert the others under fresh ids; Keep are the findings left as stored.
type FindingDiff struct {
	Deletes []int64
	Writes  []FindingWrite
	Keep    []FindingWrite
	New     int // how many Writes need a fresh id
}

// StoredIDs returns the ids of the changed findings.
func (d *FindingDiff) StoredIDs() []int64 {
	var ids []int64
	for _, w := range d.Writes {
		if w.Stored {
			ids = append(ids, w.ID)
		}
	}
	return ids
}

// DiffFindings compares each release's findings with the stored ones (by
// release, then FindingKey). A finding whose content and component are as
// stored is kept; one whose content is the same but component id differs
// is rewritten keeping UpdatedAt; any other change is rewritten with
// UpdatedAt now. FirstSeen and ID always persist.
func DiffFindings(releases []core.ReleaseID, byRelease map[core.ReleaseID][]*core.Finding,
	stored map[core.ReleaseID]map[string]StoredFinding, now time.Time) *FindingDiff {
	d := &FindingDiff{}
	for _, r := range releases {
		old := stored[r]
		for _, f := range byRelease[r] {
			digest := FindingDigest(f)
			key := FindingKey(f.ComponentRef, f.AdvisoryID)
			s, ok := old[key]
			switch {
			case !ok:
				d.Writes = append(d.Writes, FindingWrite{f, r, 0, now, now, digest, false})
				d.New++
				continue
			case s.Digest == digest && s.ComponentID == int64(f.ComponentID):
				d.Keep = append(d.Keep, FindingWrite{f, r, s.ID, s.FirstSeen, s.UpdatedAt, digest, false})
			default:
				upd := now
				if s.Digest == digest {
					upd = s.UpdatedAt
				}
				d.Writes = append(d.Writes, FindingWrite{f, r, s.ID, s.FirstSeen, upd, digest, true})
			}
			delete(old, key)
		}
		for _, s := range old {
			d.Deletes = append(d.Deletes, s.ID)
		}
	}
	slices.Sort(d.Deletes)
	return d
}

// AssignIDs gives the new findings of d the ids ids, in order.
func (d *FindingDiff) AssignIDs(ids []int64) {
	j := 0
	for i := range d.Writes {
		if d.Writes[i].ID == 0 {
			d.Writes[i].ID = ids[j]
			j++
		}
	}
}

// Apply sets ID, ReleaseID, FirstSeen and UpdatedAt on the findings, once
// they are stored.
func (d *FindingDiff) Apply() {
	for _, l := range [][]FindingWrite{d.Writes, d.Keep} {
		for _, w := range l {
			w.F.ID, w.F.ReleaseID, w.F.FirstSeen, w.F.UpdatedAt = core.FindingID(w.ID), w.Release, w.FirstSeen, w.UpdatedAt
		}
	}
}
