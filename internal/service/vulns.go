package service

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigil-oss/vigil/internal/advisory"
	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/csaf"
	"github.com/vigil-oss/vigil/internal/feeds"
	"github.com/vigil-oss/vigil/internal/match"
	"github.com/vigil-oss/vigil/internal/sbom"
	"github.com/vigil-oss/vigil/internal/vex"
)

// Vulns is the use-case layer for C2: advisory feeds in, SBOMs attached to
// software releases, and findings kept current as either changes.
type Vulns struct {
	store   core.Store
	clock   core.Clock
	schemas *sbom.Schemas

	mu        sync.Mutex
	matcher   *match.Matcher // built from the stored documents; nil after a feed change
	matcherFP string         // the feed status it was built at
}

// NewVulns returns the vulnerability service over store. schemas, when not
// nil, validates SBOMs against the CycloneDX and SPDX JSON schemas.
func NewVulns(store core.Store, clock core.Clock, schemas *sbom.Schemas) *Vulns {
	return &Vulns{store: store, clock: clock, schemas: schemas}
}

// FeedCounts is what a feed import did with the documents of one kind.
type FeedCounts struct {
	Added     int `json:"added"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Older     int `json:"older"`
}

// FeedSummary reports a feed import.
type FeedSummary struct {
	Kinds map[string]*FeedCounts `json:"kinds"`
	// Skipped lists every file or document not imported, with the reason.
	Skipped  []advisory.Problem `json:"skipped"`
	Warnings []advisory.Problem `json:"warnings"`
	// Rematched is the number of releases whose findings were recomputed.
	Rematched int `json:"rematched"`
	Findings  int `json:"findings"`
}

// importBatch is how many documents one store transaction takes.
const importBatch = 500

// ImportFeeds imports every advisory document under paths (files,
// directories, zip archives), then recomputes the findings of the releases
// the changed documents can touch. Re-importing the same data changes
// nothing; a newer revision of a document supersedes the stored one, an
// older one is ignored. progress, when set, is called with the number of
// documents read so far.
func (v *Vulns) ImportFeeds(ctx context.Context, paths []string, progress func(int)) (*FeedSummary, error) {
	return v.importFeeds(ctx, progress, func(fn func(string, advisory.Entry) error) ([]advisory.Problem, error) {
		return feeds.Walk(ctx, paths, advisory.Limits{}, fn)
	})
}

// ImportFeedsFS is ImportFeeds over one file system (data built into the
// binary, for the demo); label names it in messages.
func (v *Vulns) ImportFeedsFS(ctx context.Context, label string, fsys fs.FS, root string, progress func(int)) (*FeedSummary, error) {
	return v.importFeeds(ctx, progress, func(fn func(string, advisory.Entry) error) ([]advisory.Problem, error) {
		return feeds.WalkFS(ctx, label, fsys, root, advisory.Limits{}, fn)
	})
}

func (v *Vulns) importFeeds(ctx context.Context, progress func(int), walk func(func(string, advisory.Entry) error) ([]advisory.Problem, error)) (*FeedSummary, error) {
	sum := &FeedSummary{Kinds: map[string]*FeedCounts{}}
	var (
		batch   []*core.AdvisoryDoc
		changed []string
		read    int
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		outs, err := v.store.PutAdvisoryDocs(ctx, batch)
		if err != nil {
			return err
		}
		for i, o := range outs {
			c := sum.Kinds[batch[i].Kind]
			if c == nil {
				c = &FeedCounts{}
				sum.Kinds[batch[i].Kind] = c
			}
			switch o {
			case core.PutAdded:
				c.Added++
			case core.PutUpdated:
				c.Updated++
			case core.PutUnchanged:
				c.Unchanged++
			case core.PutOlder:
				c.Older++
			}
			if o == core.PutAdded || o == core.PutUpdated {
				changed = append(changed, batch[i].Keys...)
			}
		}
		batch = batch[:0]
		return nil
	}
	skipped, err := walk(func(name string, e advisory.Entry) error {
		read++
		if progress != nil {
			progress(read)
		}
		docs, warns, err := advisoryDocs(name, e)
		for _, w := range warns {
			sum.Warnings = append(sum.Warnings, advisory.Problem{Path: name, Reason: w})
		}
		if err != nil {
			sum.Skipped = append(sum.Skipped, advisory.Problem{Path: name, Reason: err.Error()})
			return nil
		}
		batch = append(batch, docs...)
		if len(batch) >= importBatch {
			return flush()
		}
		return nil
	})
	sum.Skipped = append(sum.Skipped, skipped...)
	if err == nil {
		err = flush()
	}
	if len(changed) > 0 {
		// Whatever was stored must be matched, even if a later file failed.
		v.invalidate()
		releases, rerr := v.releasesForKeys(ctx, changed)
		if rerr == nil {
			sum.Rematched = len(releases)
			sum.Findings, rerr = v.Rematch(ctx, releases)
		}
		if err == nil {
			err = rerr
		}
	}
	sort.SliceStable(sum.Skipped, func(i, j int) bool { return sum.Skipped[i].Path < sum.Skipped[j].Path })
	return sum, err
}

// advisoryDocs turns one document of a feed into the documents to store:
// one, except for NVD files holding many records.
func advisoryDocs(name string, e advisory.Entry) ([]*core.AdvisoryDoc, []string, error) {
	doc := &core.AdvisoryDoc{Source: name, Data: e.Data}
	switch e.Kind {
	case advisory.KindOSV:
		rec, warns, err := advisory.DecodeOSV(e.Data)
		if err != nil {
			return nil, nil, err
		}
		doc.Kind, doc.DocID, doc.Modified = core.AdvisoryOSV, rec.ID, rec.Modified
		doc.Revision = rec.Modified.Format(time.RFC3339)
		doc.Keys = match.OSVKeys(rec)
		return []*core.AdvisoryDoc{doc}, warns, nil
	case advisory.KindNVD:
		return nvdDocs(name, e.Data)
	case advisory.KindCSAF:
		d, problems, err := csaf.Validate(e.Data)
		if err != nil {
			return nil, nil, err
		}
		if len(problems) > 0 {
			msg := problems[0].String()
			if len(problems) > 1 {
				msg += fmt.Sprintf(" (and %d more problems)", len(problems)-1)
			}
			return nil, nil, errors.New("invalid CSAF: " + msg)
		}
		doc.Kind, doc.DocID, doc.Modified, doc.Revision = core.AdvisoryCSAF, d.Tracking.ID, d.Tracking.CurrentReleaseDate, d.Tracking.Version
		doc.Keys = match.CSAFKeys(d)
		return []*core.AdvisoryDoc{doc}, nil, nil
	case advisory.KindKEV:
		kev, err := advisory.ReadKEV(bytes.NewReader(e.Data))
		if err != nil {
			return nil, nil, err
		}
		doc.Kind, doc.DocID, doc.Modified, doc.Revision = core.AdvisoryKEV, "kev", kev.DateReleased, kev.CatalogVersion
		doc.Keys = []string{match.KeyAll}
		return []*core.AdvisoryDoc{doc}, nil, nil
	case advisory.KindEPSS:
		ep, err := advisory.ReadEPSS(bytes.NewReader(e.Data))
		if err != nil {
			return nil, nil, err
		}
		doc.Kind, doc.DocID, doc.Modified, doc.Revision = core.AdvisoryEPSS, "epss", ep.ScoreDate, ep.ModelVersion
		doc.Keys = []string{match.KeyAll}
		return []*core.AdvisoryDoc{doc}, nil, nil
	case advisory.KindOpenVEX:
		st, err := vex.DecodeOpenVEX(e.Data, name)
		if err != nil {
			return nil, nil, err
		}
		var head struct {
			ID        string    `json:"@id"`
			Timestamp time.Time `json:"timestamp"`
			Updated   time.Time `json:"last_updated"`
		}
		_ = json.Unmarshal(e.Data, &head)
		doc.Kind, doc.DocID, doc.Modified = core.AdvisoryOpenVEX, head.ID, head.Timestamp
		if head.Updated.After(head.Timestamp) {
			doc.Modified = head.Updated
		}
		for _, s := range st {
			if s.Timestamp.After(doc.Modified) {
				doc.Modified = s.Timestamp
			}
		}
		if doc.DocID == "" {
			doc.DocID = contentID(e.Data)
		}
		doc.Keys = []string{match.KeyAll}
		return []*core.AdvisoryDoc{doc}, nil, nil
	case advisory.KindCycloneDX:
		st, warns, err := vex.DecodeCycloneDX(e.Data, name)
		if err != nil {
			return nil, nil, err
		}
		if len(st) == 0 {
			return nil, nil, errors.New("a CycloneDX SBOM without vulnerabilities is not advisory data; attach it to a release with 'vigil import sbom'")
		}
		var head struct {
			Serial   string `json:"serialNumber"`
			Version  int    `json:"version"`
			Metadata struct {
				Timestamp time.Time `json:"timestamp"`
			} `json:"metadata"`
		}
		_ = json.Unmarshal(e.Data, &head)
		doc.Kind, doc.DocID, doc.Modified = core.AdvisoryCycloneDXVEX, head.Serial, head.Metadata.Timestamp
		doc.Revision = strconv.Itoa(head.Version)
		if doc.DocID == "" {
			doc.DocID = contentID(e.Data)
		}
		doc.Keys = []string{match.KeyAll}
		return []*core.AdvisoryDoc{doc}, warns, nil
	case advisory.KindSPDX:
		return nil, nil, errors.New("an SPDX SBOM is not advisory data; attach it to a release with 'vigil import sbom'")
	}
	return nil, nil, fmt.Errorf("not advisory data (%s)", e.Kind)
}

func contentID(b []byte) string {
	h := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(h[:])
}

// nvdDocs splits an NVD file into one stored document per CVE record, so a
// newer record supersedes an older one whichever file brought it.
func nvdDocs(name string, data []byte) ([]*core.AdvisoryDoc, []string, error) {
	var feed struct {
		Vulnerabilities []struct {
			CVE json.RawMessage `json:"cve"`
		} `json:"vulnerabilities"`
	}
	raws := []json.RawMessage{data}
	if err := json.Unmarshal(data, &feed); err == nil && len(feed.Vulnerabilities) > 0 {
		raws = raws[:0]
		for _, v := range feed.Vulnerabilities {
			raws = append(raws, v.CVE)
		}
	}
	var (
		out   []*core.AdvisoryDoc
		warns []string
	)
	for i, raw := range raws {
		recs, w, err := advisory.DecodeNVD(raw)
		if err != nil {
			if len(raws) > 1 {
				return nil, nil, fmt.Errorf("vulnerabilities[%d]: %w", i, err)
			}
			return nil, nil, err
		}
		warns = append(warns, w...)
		for _, r := range recs {
			out = append(out, &core.AdvisoryDoc{Kind: core.AdvisoryNVD, DocID: r.ID, Modified: r.LastModified,
				Revision: r.LastModified.Format(time.RFC3339Nano), Source: name, Data: raw, Keys: match.NVDKeys(r)})
		}
	}
	return out, warns, nil
}

func (v *Vulns) invalidate() {
	v.mu.Lock()
	v.matcher = nil
	v.mu.Unlock()
}

// Matcher returns the matcher over every stored document, building it on
// first use after a feed change.
func (v *Vulns) Matcher(ctx context.Context) (*match.Matcher, error) {
	// Another process (vigil feeds import beside a running server) may
	// have changed the stored documents: the feed status is their cheap
	// fingerprint.
	status, err := v.store.FeedStatus(ctx)
	if err != nil {
		return nil, err
	}
	fp := fmt.Sprint(status)
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.matcher != nil && v.matcherFP == fp {
		return v.matcher, nil
	}
	// The stored documents go through the same decoding as vigil scan's
	// files. One that no longer decodes (a newer Vigil is stricter) is left
	// out of matching rather than failing it.
	b := feeds.NewBundle()
	err = v.store.EachAdvisoryDoc(ctx, nil, func(d *core.AdvisoryDoc) error {
		kind := advisory.Kind(d.Kind)
		if d.Kind == core.AdvisoryCycloneDXVEX {
			kind = advisory.KindCycloneDX
		}
		_ = b.Add(d.Source, advisory.Entry{Path: d.Source, Kind: kind, Data: d.Data})
		return nil
	})
	if err != nil {
		return nil, err
	}
	src := b.Sources()
	v.matcher, v.matcherFP = match.New(src), fp
	return v.matcher, nil
}

// releasesForKeys returns the releases a change of documents with these
// keys can touch: those whose SBOM has a component with one of the keys,
// and those whose model's name is one (CSAF products match releases by
// maker, model and version). KeyAll touches every release.
func (v *Vulns) releasesForKeys(ctx context.Context, keys []string) ([]core.ReleaseID, error) {
	keys = slices.Compact(slices.Sorted(slices.Values(keys)))
	if slices.Contains(keys, match.KeyAll) {
		return v.allReleases(ctx)
	}
	ids, err := v.store.ReleasesWithKeys(ctx, keys)
	if err != nil {
		return nil, err
	}
	set := map[core.ReleaseID]bool{}
	for _, id := range ids {
		set[id] = true
	}
	names := map[string]bool{}
	for _, k := range keys {
		names[k] = true
	}
	models, err := allPages(func(after int64) ([]*core.Model, error) {
		return v.store.ListModels(ctx, 0, core.ListOptions{Limit: 1000, After: after})
	}, func(m *core.Model) int64 { return int64(m.ID) })
	if err != nil {
		return nil, err
	}
	for _, m := range models {
		if !names[match.NameKey(m.Name)] {
			continue
		}
		rels, err := allPages(func(after int64) ([]*core.Release, error) {
			return v.store.ListReleases(ctx, m.ID, core.ListOptions{Limit: 1000, After: after})
		}, func(r *core.Release) int64 { return int64(r.ID) })
		if err != nil {
			return nil, err
		}
		for _, r := range rels {
			set[r.ID] = true
		}
	}
	out := make([]core.ReleaseID, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	slices.Sort(out)
	return out, nil
}

func (v *Vulns) allReleases(ctx context.Context) ([]core.ReleaseID, error) {
	rels, err := allPages(func(after int64) ([]*core.Release, error) {
		return v.store.ListReleases(ctx, 0, core.ListOptions{Limit: 1000, After: after})
	}, func(r *core.Release) int64 { return int64(r.ID) })
	out := make([]core.ReleaseID, len(rels))
	for i, r := range rels {
		out[i] = r.ID
	}
	return out, err
}

func allPages[T any](page func(after int64) ([]T, error), id func(T) int64) ([]T, error) {
	var out []T
	var after int64
	for {
		p, err := page(after)
		if err != nil {
			return out, err
		}
		out = append(out, p...)
		if len(p) < 1000 {
			return out, nil
		}
		after = id(p[len(p)-1])
	}
}

// rematchBatch is how many releases one ReplaceFindings call takes.
const rematchBatch = 200

// matchGroup is how many releases' components one ListMatchComponents call
// of a matching goroutine reads.
const matchGroup = 4

// rematchResult is what matching one release gave.
type rematchResult struct {
	findings []*core.Finding // when write
	count    int
	write    bool // the findings differ from the stored ones
	gone     bool // the release was deleted meanwhile
}

// Rematch recomputes and stores the findings of the releases, and returns
// how many findings they now have. Releases are matched on GOMAXPROCS
// goroutines; only those whose finding set differs from the stored one
// (core.FindingSetDigest) are written.
func (v *Vulns) Rematch(ctx context.Context, releases []core.ReleaseID) (int, error) {
	m, err := v.Matcher(ctx)
	if err != nil {
		return 0, err
	}
	conv := make([]*converter, max(1, runtime.GOMAXPROCS(0)))
	names := &modelNames{m: map[core.ModelID][3]string{}}
	total := 0
	for start := 0; start < len(releases); start += rematchBatch {
		batch := releases[start:min(start+rematchBatch, len(releases))]
		for i := range conv {
			conv[i] = newConverter() // per batch, to bound what it holds
		}
		stored, err := v.store.FindingSetDigests(ctx, batch)
		if err != nil {
			return total, err
		}
		results := make([]rematchResult, len(batch))
		if err := v.matchBatch(ctx, m, batch, stored, results, names, conv); err != nil {
			return total, err
		}
		byRelease := make(map[core.ReleaseID][]*core.Finding, len(batch))
		for i, id := range batch {
			r := &results[i]
			if r.gone {
				continue
			}
			total += r.count
			if r.write {
				byRelease[id] = r.findings
			}
		}
		if len(byRelease) == 0 {
			continue
		}
		if err := v.store.ReplaceFindings(ctx, byRelease); err != nil {
			return total, err
		}
	}
	return total, nil
}

// matchBatch matches the releases of batch into results (same index), a
// group of matchGroup releases at a time on len(conv) goroutines, keeping
// only the findings that differ from the stored digests. The results do
// not depend on the scheduling.
func (v *Vulns) matchBatch(ctx context.Context, m *match.Matcher, batch []core.ReleaseID, stored map[core.ReleaseID]string,
	results []rematchResult, names *modelNames, conv []*converter) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}
	groups := (len(batch) + matchGroup - 1) / matchGroup
	for w := range min(len(conv), groups) {
		wg.Go(func() {
			for {
				g := int(next.Add(1)) - 1
				if g >= groups || ctx.Err() != nil {
					return
				}
				lo, hi := g*matchGroup, min((g+1)*matchGroup, len(batch))
				comps, err := v.store.ListMatchComponents(ctx, batch[lo:hi])
				if err != nil {
					fail(err)
					return
				}
				for i := lo; i < hi; i++ {
					id := batch[i]
					fs, err := v.matchRelease(ctx, m, id, comps[id], names, conv[w])
					switch {
					case core.KindOf(err) == core.KindNotFound:
						results[i].gone = true
					case err != nil:
						fail(err)
						return
					default:
						d, ok := stored[id]
						results[i] = rematchResult{count: len(fs), write: !ok || d != conv[w].digests.Digest(fs)}
						if results[i].write {
							results[i].findings = fs
						}
					}
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// modelNames caches the maker and model name of each model, for the
// matching goroutines.
type modelNames struct {
	mu sync.Mutex
	m  map[core.ModelID][3]string
}

func (n *modelNames) get(ctx context.Context, st core.Store, id core.ModelID) ([3]string, error) {
	n.mu.Lock()
	mn, ok := n.m[id]
	n.mu.Unlock()
	if ok {
		return mn, nil
	}
	model, err := st.GetModel(ctx, id)
	if err != nil {
		return mn, err
	}
	mfr, err := st.GetManufacturer(ctx, model.ManufacturerID)
	if err != nil {
		return mn, err
	}
	mn = [3]string{mfr.Name, model.Name, model.Number}
	n.mu.Lock()
	n.m[id] = mn
	n.mu.Unlock()
	return mn, nil
}

// evidenceKey names one evidence list of the matcher: its memo hands the
// same list to every component with the same purl.
type evidenceKey struct {
	first *match.Evidence
	n     int
}

// converter turns the matcher's findings into core findings, marshalling
// each distinct evidence list once. One goroutine uses it.
type converter struct {
	evidence map[evidenceKey]json.RawMessage
	digests  core.FindingSetDigester // sees the evidence bytes shared
}

func newConverter() *converter {
	return &converter{evidence: map[evidenceKey]json.RawMessage{}}
}

func (c *converter) marshalEvidence(ev []match.Evidence) (json.RawMessage, error) {
	if len(ev) == 0 {
		return json.Marshal(ev)
	}
	k := evidenceKey{&ev[0], len(ev)}
	if b, ok := c.evidence[k]; ok {
		return b, nil
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	c.evidence[k] = b
	return b, nil
}

// matchRelease matches one release: its SBOM's components (comps, from
// ListMatchComponents), and the release itself as its maker, model and
// version.
func (v *Vulns) matchRelease(ctx context.Context, m *match.Matcher, id core.ReleaseID, comps []*core.Component,
	names *modelNames, conv *converter) ([]*core.Finding, error) {
	rel, err := v.store.GetRelease(ctx, id)
	if err != nil {
		return nil, err
	}
	mn, err := names.get(ctx, v.store, rel.ModelID)
	if err != nil {
		return nil, err
	}
	source := "release:" + strconv.FormatInt(int64(id), 10)
	list := make([]match.Component, 0, len(comps)+1)
	list = append(list, match.Component{Source: source, Type: "device", Supplier: mn[0], Name: mn[1], Model: mn[2], Version: rel.Version})
	byRef := make(map[string]core.ComponentID, len(comps))
	for _, c := range comps {
		byRef[c.Ref] = c.ID
		list = append(list, match.Component{Source: source, Ref: c.Ref, Type: c.Type, Supplier: c.Supplier, Group: c.Group,
			Name: c.Name, Version: c.Version, PURL: c.PURL, CPEs: c.CPEs})
	}
	found := m.Match(list)
	block := make([]core.Finding, len(found))
	out := make([]*core.Finding, len(found))
	for i := range found {
		f := &found[i]
		ev, err := conv.marshalEvidence(f.Evidence)
		if err != nil {
			return nil, err
		}
		cf := &block[i]
		*cf = core.Finding{ReleaseID: id, ComponentID: byRef[f.BOMRef], ComponentRef: f.BOMRef, ComponentName: f.Component,
			ComponentVersion: f.Version, PURL: f.PURL, CPE: f.CPE, AdvisoryID: f.AdvisoryID, Aliases: f.Aliases,
			Summary: f.Summary, Severity: string(f.Severity), FixedVersions: f.FixedVersions, VEXStatus: f.VEXStatus,
			Suppressed: f.Suppressed, Evidence: ev}
		if f.Score != nil {
			cf.Score, cf.Vector = f.Score.Base, f.Score.Vector
		}
		if f.KEV != nil {
			cf.KEV = true
			d := core.Date{Time: f.KEV.DueDate.UTC()}
			cf.KEVDueDate = &d
		}
		if f.EPSS != nil {
			cf.EPSS, cf.EPSSPercentile = f.EPSS.Probability, f.EPSS.Percentile
		}
		if f.VEX != nil {
			cf.VEXJustification = f.VEX.Justification
		}
		out[i] = cf
	}
	return out, nil
}
