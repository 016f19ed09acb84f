package core

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"math/bits"
	"slices"
	"time"
)

// Identifiers of vulnerability data; the store assigns them, zero means "not set".
type (
	SBOMID        int64
	ComponentID   int64
	AdvisoryDocID int64
	FindingID     int64
)

// MaxAdvisoryDocSize bounds one stored advisory document or SBOM; a larger
// one is KindTooLarge.
const MaxAdvisoryDocSize = 64 << 20

// Advisory document kinds.
const (
	AdvisoryOSV          = "osv"
	AdvisoryNVD          = "nvd"
	AdvisoryCSAF         = "csaf"
	AdvisoryKEV          = "kev"
	AdvisoryEPSS         = "epss"
	AdvisoryOpenVEX      = "openvex"
	AdvisoryCycloneDXVEX = "cyclonedx-vex"
)

// AdvisoryDoc is one advisory document as imported: the raw bytes are kept
// so that findings can be recomputed from the store alone.
type AdvisoryDoc struct {
	ID       AdvisoryDocID `json:"id"`
	Kind     string        `json:"kind"`   // one of the Advisory* kinds
	DocID    string        `json:"doc_id"` // GO-2020-0001, CVE-…, ICSMA-18-058-02, "kev", "epss"
	Revision string        `json:"revision,omitempty"`
	// Modified orders revisions: CSAF current_release_date, OSV modified,
	// NVD lastModified.
	Modified time.Time `json:"modified"`
	Source   string    `json:"source,omitempty"` // the file it came from
	SHA256   string    `json:"sha256"`           // of Data, lower-case hex
	Data     []byte    `json:"-"`
	// Keys are the match keys the service computed, e.g. "pkg:Go/github.com/x/y",
	// "cpe:vendor:product", "name:philips intellivue mx40"; components with
	// the same keys are the ones a change of this document touches.
	Keys       []string  `json:"keys"`
	ImportedAt time.Time `json:"imported_at"` // when this revision was stored
}

// PutOutcome is what PutAdvisoryDocs did with one document.
type PutOutcome string

const (
	PutAdded     PutOutcome = "added"     // no document of that kind and id was stored
	PutUpdated   PutOutcome = "updated"   // a newer revision replaced the stored one
	PutUnchanged PutOutcome = "unchanged" // the stored one has the same SHA-256
	PutOlder     PutOutcome = "older"     // the stored revision is newer; nothing written
)

// SBOM is the software bill of materials of one release, as imported.
type SBOM struct {
	ID          SBOMID    `json:"id"`
	ReleaseID   ReleaseID `json:"release_id"`
	Format      string    `json:"format"` // cyclonedx, spdx
	SpecVersion string    `json:"spec_version,omitempty"`
	Name        string    `json:"name,omitempty"`
	Source      string    `json:"source,omitempty"`
	SHA256      string    `json:"sha256"`
	Components  int       `json:"components"` // set by PutSBOM to the number stored
	ImportedAt  time.Time `json:"imported_at"`
	Data        []byte    `json:"-"`
}

// Component is one component of a release's SBOM.
type Component struct {
	ID             ComponentID       `json:"id"`
	SBOMID         SBOMID            `json:"sbom_id"`
	ReleaseID      ReleaseID         `json:"release_id"`
	Ref            string            `json:"ref"` // bom-ref or SPDXID, unique within the SBOM
	Parent         string            `json:"parent,omitempty"`
	Type           string            `json:"type,omitempty"`
	Group          string            `json:"group,omitempty"`
	Name           string            `json:"name"`
	Version        string            `json:"version,omitempty"`
	PURL           string            `json:"purl,omitempty"`
	CPEs           []string          `json:"cpes"`
	Supplier       string            `json:"supplier,omitempty"`
	Hashes         map[string]string `json:"hashes,omitempty"`
	LevelOfSupport string            `json:"level_of_support,omitempty"`
	EndOfSupport   string            `json:"end_of_support,omitempty"`
	Keys           []string          `json:"keys"` // match keys, as AdvisoryDoc.Keys
}

// Finding severities, most severe first.
var Severities = []string{"critical", "high", "medium", "low", "none", "unknown"}

// VEX statuses a finding can carry; "" is no statement.
var VEXStatuses = []string{"not_affected", "affected", "fixed", "under_investigation"}

// VEXNone selects, in FindingFilter.VEXStatus, findings without a VEX statement.
const VEXNone = "none"

// Finding is one advisory matching one component of a release (or, with
// ComponentID 0, the release itself, as a CSAF product match by maker,
// model and version). It is identified by (ReleaseID, ComponentRef,
// AdvisoryID) across recomputations.
type Finding struct {
	ID               FindingID       `json:"id"`
	ReleaseID        ReleaseID       `json:"release_id"`
	ComponentID      ComponentID     `json:"component_id,omitempty"`
	ComponentRef     string          `json:"component_ref,omitempty"`
	ComponentName    string          `json:"component_name,omitempty"`
	ComponentVersion string          `json:"component_version,omitempty"`
	PURL             string          `json:"purl,omitempty"`
	CPE              string          `json:"cpe,omitempty"`
	AdvisoryID       string          `json:"advisory_id"`
	Aliases          []string        `json:"aliases"`
	Summary          string          `json:"summary,omitempty"`
	Severity         string          `json:"severity"` // one of Severities
	Score            float64         `json:"score,omitempty"`
	Vector           string          `json:"vector,omitempty"`
	FixedVersions    []string        `json:"fixed_versions"`
	KEV              bool            `json:"kev"`
	KEVDueDate       *Date           `json:"kev_due_date,omitempty"`
	EPSS             float64         `json:"epss,omitempty"` // 0: unknown
	EPSSPercentile   float64         `json:"epss_percentile,omitempty"`
	VEXStatus        string          `json:"vex_status,omitempty"` // "" or one of VEXStatuses
	VEXJustification string          `json:"vex_justification,omitempty"`
	Suppressed       bool            `json:"suppressed"`
	Evidence         json.RawMessage `json:"evidence,omitempty"` // the matcher's evidence list
	// FirstSeen is when the finding was first stored; UpdatedAt when its
	// content last changed.
	FirstSeen time.Time `json:"first_seen"`
	UpdatedAt time.Time `json:"updated_at"`
}

// FindingFilter selects findings; zero fields do not filter.
type FindingFilter struct {
	ReleaseID   ReleaseID
	DeviceID    DeviceID // the findings of the device's release
	ComponentID ComponentID
	Severity    []string
	KEV         *bool
	VEXStatus   []string // VEXNone selects findings without a statement
	// FixedAvailable selects findings with (true) or without (false) a fixed version.
	FixedAvailable    *bool
	IncludeSuppressed bool      // suppressed findings are left out unless set
	AdvisoryID        string    // exactly; aliases are not searched
	Limit             int       // 1..1000; 0 means 100 (ignored by CountFindings)
	After             FindingID // keyset cursor: findings with a greater id
}

// FindingPage is one page of findings in id order.
type FindingPage struct {
	Findings []*Finding
	Next     FindingID // the After of the next page; 0 on the last page
}

// FeedStatus summarises the stored documents of one kind.
type FeedStatus struct {
	Kind           string    `json:"kind"`
	Documents      int       `json:"documents"`
	NewestModified time.Time `json:"newest_modified"`
	LastImport     time.Time `json:"last_import"` // the latest ImportedAt: when a document was last added or updated
}

// AdvisoryRef names a stored advisory document.
type AdvisoryRef struct {
	Kind  string `json:"kind"`
	DocID string `json:"doc_id"`
}

// VulnStore keeps SBOMs, advisory documents and the findings matched from
// them. The store checks sizes and shapes it needs, not domain rules.
type VulnStore interface {
	// PutAdvisoryDocs upserts by (Kind, DocID) in one transaction and
	// returns one outcome per document, in order: a document whose Modified
	// is after the stored one's (or equal with a different SHA256) replaces
	// it, keeping its ID — PutUpdated; the same SHA256 is PutUnchanged;
	// a stored newer revision PutOlder. Nothing is written for the last
	// two. ID and ImportedAt are set on every document (to the stored ones
	// for unchanged and older). An empty SHA256 is computed from Data.
	// Data over MaxAdvisoryDocSize is KindTooLarge and writes nothing.
	PutAdvisoryDocs(ctx context.Context, docs []*AdvisoryDoc) ([]PutOutcome, error)
	GetAdvisoryDoc(ctx context.Context, kind, docID string) (*AdvisoryDoc, error)
	// EachAdvisoryDoc calls fn with every stored document of the given
	// kinds (all when empty) in id order, reading a page at a time; fn may
	// use the store. An error from fn stops the walk and is returned.
	EachAdvisoryDoc(ctx context.Context, kinds []string, fn func(*AdvisoryDoc) error) error
	// AdvisoryDocIDsByKeys returns the documents having any of the keys,
	// ordered by kind and doc id.
	AdvisoryDocIDsByKeys(ctx context.Context, keys []string) ([]AdvisoryRef, error)
	// FeedStatus summarises the stored documents per kind, ordered by kind.
	FeedStatus(ctx context.Context) ([]FeedStatus, error)

	// PutSBOM replaces the release's SBOM and components (one current SBOM
	// per release) atomically, and sets the ids, ReleaseID, SBOMID,
	// Components and ImportedAt on the values passed in. Findings stay; the
	// ones on replaced components lose their ComponentID until the next
	// ReplaceFindings. A missing release is KindInvalid.
	PutSBOM(ctx context.Context, s *SBOM, comps []*Component) error
	GetSBOM(ctx context.Context, release ReleaseID) (*SBOM, error)
	// ListComponents returns the release's components in id (SBOM) order.
	ListComponents(ctx context.Context, release ReleaseID) ([]*Component, error)
	// ListMatchComponents returns the components of each of the releases
	// in id (SBOM) order, with only what matching needs: ID, ReleaseID,
	// Ref, Type, Group, Name, Version, PURL, CPEs (never nil) and Supplier.
	// A release without components (or missing) has no entry.
	ListMatchComponents(ctx context.Context, releases []ReleaseID) (map[ReleaseID][]*Component, error)
	// ReleasesWithKeys returns, in id order, the releases having a
	// component with any of the keys.
	ReleasesWithKeys(ctx context.Context, keys []string) ([]ReleaseID, error)
	// ReleasesWithSBOM lists every release that has an SBOM, in id order.
	ReleasesWithSBOM(ctx context.Context) ([]ReleaseID, error)

	// ReplaceFindings sets the complete finding list of each given release
	// in one transaction: findings with the same (component ref, advisory
	// id) as a stored one keep its ID and FirstSeen (and UpdatedAt when
	// nothing else changed); gone ones are deleted, new ones inserted. ID,
	// ReleaseID, FirstSeen and UpdatedAt are set on the values passed in.
	// Two findings of a release with the same key are KindInvalid. The
	// FindingSetDigest of each release's list is stored with it.
	ReplaceFindings(ctx context.Context, byRelease map[ReleaseID][]*Finding) error
	// FindingSetDigests returns the FindingSetDigest of the finding list
	// each of the releases was last given by ReplaceFindings. A release
	// never given one, missing, or whose SBOM was replaced since (its
	// findings lost their components) has no entry.
	FindingSetDigests(ctx context.Context, releases []ReleaseID) (map[ReleaseID]string, error)
	ListFindings(ctx context.Context, f FindingFilter) (*FindingPage, error)
	CountFindings(ctx context.Context, f FindingFilter) (int64, error)
}

// fnv64a is FNV-1a, 64 bits, written out so that hashing a string
// neither allocates nor goes through an interface.
type fnv64a uint64

const (
	fnvOffset fnv64a = 14695981039346656037
	fnvPrime  fnv64a = 1099511628211
)

func (h *fnv64a) bytes(s string) {
	x := *h
	for i := 0; i < len(s); i++ {
		x ^= fnv64a(s[i])
		x *= fnvPrime
	}
	*h = x
}

func (h *fnv64a) u64(n uint64) {
	x := *h
	for range 8 {
		x ^= fnv64a(byte(n))
		x *= fnvPrime
		n >>= 8
	}
	*h = x
}

func (h *fnv64a) str(s string) {
	h.u64(uint64(len(s)))
	h.bytes(s)
}

func (h *fnv64a) num(x float64) { h.u64(math.Float64bits(x)) }

func (h *fnv64a) list(l []string) {
	h.num(float64(len(l)))
	for _, s := range l {
		h.str(s)
	}
}

func (h *fnv64a) flag(b bool) {
	if b {
		h.str("1")
	} else {
		h.str("0")
	}
}

func (h *fnv64a) noDate() { h.str("") }

// contentHash is what hashContent needs of a hash.
type contentHash interface {
	str(string)
	list([]string)
	u64(uint64)
	flag(bool)
	noDate() // in place of an absent KEV due date
}

// hashContent hashes the content of f but its key, ids, times and evidence,
// the part FindingDigest and FindingSetDigest share. An empty Severity
// counts as "unknown", as the stores store it.
func hashContent[H contentHash](h H, f *Finding) {
	h.str(f.ComponentName)
	h.str(f.ComponentVersion)
	h.str(f.PURL)
	h.str(f.CPE)
	h.list(f.Aliases)
	h.str(f.Summary)
	if f.Severity == "" {
		h.str("unknown")
	} else {
		h.str(f.Severity)
	}
	h.u64(math.Float64bits(f.Score))
	h.str(f.Vector)
	h.list(f.FixedVersions)
	h.flag(f.KEV)
	if f.KEVDueDate != nil {
		h.str(f.KEVDueDate.String())
	} else {
		h.noDate()
	}
	h.u64(math.Float64bits(f.EPSS))
	h.u64(math.Float64bits(f.EPSSPercentile))
	h.str(f.VEXStatus)
	h.str(f.VEXJustification)
	h.flag(f.Suppressed)
}

// FindingDigest fingerprints the content of a finding: every stored field
// but its ids, key (component ref, advisory id) and times. An empty
// Severity counts as "unknown", as the stores store it.
func FindingDigest(f *Finding) uint64 {
	h := fnvOffset
	hashContent(&h, f)
	h.str(string(f.Evidence))
	return uint64(h)
}

// setHash is the per-finding hash of FindingSetDigest: it takes eight
// bytes at a time (a multiply-fold mix), several times faster than FNV.
type setHash uint64

const setSeed setHash = 0x243f6a8885a308d3

const (
	setPrime  uint64 = 0x9e3779b97f4a7c15
	setPrime2 uint64 = 0xbf58476d1ce4e5b9
)

func (h *setHash) u64(n uint64) {
	hi, lo := bits.Mul64(uint64(*h)^n, setPrime)
	*h = setHash(hi ^ lo)
}

func (h *setHash) bytes(s string) {
	for len(s) >= 8 {
		h.u64(uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56)
		s = s[8:]
	}
	var tail uint64
	for i := 0; i < len(s); i++ {
		tail |= uint64(s[i]) << (8 * i)
	}
	h.u64(tail ^ setPrime2)
}

func (h *setHash) str(s string) {
	h.u64(uint64(len(s)))
	h.bytes(s)
}

func (h *setHash) list(l []string) {
	h.u64(uint64(len(l)))
	for _, s := range l {
		h.str(s)
	}
}

func (h *setHash) noDate() { h.u64(setPrime2) } // unlike any date's length

func (h *setHash) flag(b bool) {
	if b {
		h.u64(1)
	} else {
		h.u64(0)
	}
}

// FindingSetDigester computes FindingSetDigest, remembering the hash of
// each evidence list by the memory holding it, for callers whose findings
// share evidence bytes (and never change them). It is not safe for
// concurrent use; the zero value is ready.
type FindingSetDigester struct {
	evidence map[evidenceMem]uint64
	plain    bool // remember nothing
}

type evidenceMem struct {
	first *byte
	n     int
}

func evidenceHash(e json.RawMessage) uint64 {
	h := setSeed
	h.str(string(e))
	return uint64(h)
}

func (d *FindingSetDigester) evidenceHash(e json.RawMessage) uint64 {
	if len(e) == 0 || d.plain {
		return evidenceHash(e)
	}
	k := evidenceMem{&e[0], len(e)}
	if x, ok := d.evidence[k]; ok {
		return x
	}
	x := evidenceHash(e)
	if d.evidence == nil {
		d.evidence = map[evidenceMem]uint64{}
	}
	d.evidence[k] = x
	return x
}

// Digest returns FindingSetDigest(fs).
func (d *FindingSetDigester) Digest(fs []*Finding) string {
	sums := make([]uint64, len(fs))
	for i, f := range fs {
		h := setSeed
		h.str(f.ComponentRef)
		h.str(f.AdvisoryID)
		h.u64(uint64(f.ComponentID))
		hashContent(&h, f)
		h.u64(d.evidenceHash(f.Evidence))
		sums[i] = uint64(h)
	}
	slices.Sort(sums)
	b := make([]byte, 8, 8+8*len(sums))
	binary.LittleEndian.PutUint64(b, uint64(len(sums)))
	for _, x := range sums {
		b = binary.LittleEndian.AppendUint64(b, x)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// FindingSetDigest fingerprints a release's complete finding list: each
// finding's key, component id and content (as FindingDigest covers it), in
// any order. Two lists with the same digest store the same rows (but for
// ids and times), so a re-match whose digest equals the stored one has
// nothing to write.
func FindingSetDigest(fs []*Finding) string {
	d := FindingSetDigester{plain: true}
	return d.Digest(fs)
}
