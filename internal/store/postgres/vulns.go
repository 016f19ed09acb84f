package postgres

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/store/internal/codec"
)

// advisoryLock is the advisory lock key that serialises PutAdvisoryDocs, so
// that two imports of the same new document cannot both insert it.
const advisoryLock = migrateLock + 1

// docPage is how many advisory documents EachAdvisoryDoc reads at a time.
const docPage = 64

// vulnForeignKeys maps the foreign keys of the vulnerability tables to the
// referring field.
var vulnForeignKeys = map[string]string{
	"sboms_release_id_fkey":            "release_id",
	"findings_release_id_fkey":         "release_id",
	"findings_component_id_fkey":       "component_id",
	"release_findings_release_id_fkey": "release_id",
}

// vulnWriteErr is writeErr knowing the vulnerability tables' foreign keys.
func vulnWriteErr(err error, what string) error {
	if pe := pgError(err); pe != nil && pe.Code == foreignKeyViolation {
		if field, ok := vulnForeignKeys[pe.ConstraintName]; ok {
			return codec.MissingRef(err, field, what)
		}
	}
	return writeErr(err, what)
}

// nextIDs draws n ids from table's identity sequence, ascending.
func nextIDs(ctx context.Context, q querier, table string, n int) ([]int64, error) {
	if n == 0 {
		return nil, nil
	}
	rows, err := q.Query(ctx, `SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)`, table, n)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	slices.Sort(ids)
	return ids, nil
}

func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

const advisoryDocCols = `id, kind, doc_id, revision, modified, source, sha256, data, keys, imported_at`

func scanAdvisoryDoc(sc scanner) (*core.AdvisoryDoc, error) {
	var d core.AdvisoryDoc
	if err := sc.Scan(&d.ID, &d.Kind, &d.DocID, &d.Revision, &d.Modified, &d.Source, &d.SHA256, &d.Data,
		&d.Keys, &d.ImportedAt); err != nil {
		return nil, err
	}
	d.Data, d.Keys = nonNilBytes(d.Data), codec.NonNil(d.Keys)
	d.Modified, d.ImportedAt = d.Modified.UTC(), d.ImportedAt.UTC()
	return &d, nil
}

// docState is what PutAdvisoryDocs knows of one (kind, doc id) while it
// works through a batch.
type docState struct {
	id       int64 // 0: not stored yet
	modified time.Time
	sha      string
	imported time.Time
	write    *core.AdvisoryDoc // the revision to write, if any
	order    int               // where the document first came in the batch
}

// PutAdvisoryDocs reads the stored revisions of the batch in one query,
// decides in Go (a document repeated in the batch is compared with the
// earlier one), then updates the replaced rows, COPYs the new ones and
// rewrites the keys of both.
func (v *inventory) PutAdvisoryDocs(ctx context.Context, docs []*core.AdvisoryDoc) ([]core.PutOutcome, error) {
	for i, d := range docs {
		if err := codec.CheckAdvisoryDoc(i, d); err != nil {
			return nil, err
		}
	}
	if len(docs) == 0 {
		return []core.PutOutcome{}, nil
	}
	now := v.now()
	out := make([]core.PutOutcome, len(docs))
	var states map[string]*docState
	err := v.atomic(ctx, func(q querier) error {
		if _, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(advisoryLock)); err != nil {
			return err
		}
		kinds, ids := make([]string, len(docs)), make([]string, len(docs))
		for i, d := range docs {
			kinds[i], ids[i] = d.Kind, d.DocID
		}
		rows, err := q.Query(ctx, `SELECT id, kind, doc_id, modified, sha256, imported_at FROM advisory_docs
			WHERE (kind, doc_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`, kinds, ids)
		if err != nil {
			return err
		}
		states = make(map[string]*docState, len(docs))
		for rows.Next() {
			var (
				s          docState
				kind, doc  string
				mod, imprt time.Time
			)
			if err := rows.Scan(&s.id, &kind, &doc, &mod, &s.sha, &imprt); err != nil {
				rows.Close()
				return err
			}
			s.modified, s.imported = mod.UTC(), imprt.UTC()
			states[codec.DocKey(kind, doc)] = &s
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i, d := range docs {
			key := codec.DocKey(d.Kind, d.DocID)
			s, ok := states[key]
			if !ok {
				states[key] = &docState{modified: d.Modified, sha: d.SHA256, imported: now, write: d, order: i}
				out[i] = core.PutAdded
				continue
			}
			out[i] = codec.Outcome(s.modified, s.sha, d)
			if out[i] == core.PutUpdated {
				s.modified, s.sha, s.imported, s.write = d.Modified, d.SHA256, now, d
			}
		}
		return writeAdvisoryDocs(ctx, q, states, now)
	})
	if err != nil {
		return nil, vulnWriteErr(err, "advisory document")
	}
	for _, d := range docs {
		s := states[codec.DocKey(d.Kind, d.DocID)]
		d.ID, d.ImportedAt = core.AdvisoryDocID(s.id), s.imported
	}
	return out, nil
}

func writeAdvisoryDocs(ctx context.Context, q querier, states map[string]*docState, now time.Time) error {
	var added, updated []*docState
	for _, s := range states {
		switch {
		case s.write == nil:
		case s.id == 0:
			added = append(added, s)
		default:
			updated = append(updated, s)
		}
	}
	// Input order, so that ids ascend as the documents came.
	slices.SortFunc(added, func(a, b *docState) int { return a.order - b.order })
	slices.SortFunc(updated, func(a, b *docState) int { return cmp.Compare(a.id, b.id) })
	var replaced []int64
	for _, s := range updated {
		d := s.write
		if _, err := q.Exec(ctx, `UPDATE advisory_docs SET revision = $1, modified = $2, source = $3, sha256 = $4,
			data = $5, keys = $6, imported_at = $7 WHERE id = $8`,
			d.Revision, d.Modified, d.Source, d.SHA256, nonNilBytes(d.Data), codec.NonNil(d.Keys), now, s.id); err != nil {
			return err
		}
		replaced = append(replaced, s.id)
	}
	if len(replaced) > 0 {
		if _, err := q.Exec(ctx, `DELETE FROM advisory_doc_keys WHERE doc_id = ANY ($1)`, replaced); err != nil {
			return err
		}
	}
	ids, err := nextIDs(ctx, q, "advisory_docs", len(added))
	if err != nil {
		return err
	}
	for i, s := range added {
		s.id = ids[i]
	}
	if len(added) > 0 {
		_, err = q.CopyFrom(ctx, pgx.Identifier{"advisory_docs"},
			[]string{"id", "kind", "doc_id", "revision", "modified", "source", "sha256", "data", "keys", "imported_at"},
			pgx.CopyFromSlice(len(added), func(i int) ([]any, error) {
				s, d := added[i], added[i].write
				return []any{s.id, d.Kind, d.DocID, d.Revision, d.Modified, d.Source, d.SHA256, nonNilBytes(d.Data),
					codec.NonNil(d.Keys), now}, nil
			}))
		if err != nil {
			return err
		}
	}
	var keyRows [][]any
	for _, l := range [][]*docState{updated, added} {
		for _, s := range l {
			for _, k := range codec.UniqueKeys(s.write.Keys) {
				keyRows = append(keyRows, []any{k, s.id})
			}
		}
	}
	if len(keyRows) > 0 {
		_, err = q.CopyFrom(ctx, pgx.Identifier{"advisory_doc_keys"}, []string{"key", "doc_id"}, pgx.CopyFromRows(keyRows))
	}
	return err
}

func (v *inventory) GetAdvisoryDoc(ctx context.Context, kind, docID string) (*core.AdvisoryDoc, error) {
	d, err := scanAdvisoryDoc(v.q.QueryRow(ctx,
		`SELECT `+advisoryDocCols+` FROM advisory_docs WHERE kind = $1 AND doc_id = $2`, kind, docID))
	if isNoRows(err) {
		return nil, core.NotFound("advisory document", kind+" "+docID)
	}
	if err != nil {
		return nil, queryErr(err, "get advisory document")
	}
	return d, nil
}

// EachAdvisoryDoc reads docPage documents at a time and calls fn with them
// once the read is done, so that fn may use the store or the transaction.
func (v *inventory) EachAdvisoryDoc(ctx context.Context, kinds []string, fn func(*core.AdvisoryDoc) error) error {
	q := `SELECT ` + advisoryDocCols + ` FROM advisory_docs WHERE id > $1 ORDER BY id LIMIT $2`
	args := []any{int64(0), docPage}
	if len(kinds) > 0 {
		q = `SELECT ` + advisoryDocCols + ` FROM advisory_docs WHERE id > $1 AND kind = ANY ($3) ORDER BY id LIMIT $2`
		args = append(args, kinds)
	}
	for {
		rows, err := v.q.Query(ctx, q, args...)
		if err != nil {
			return queryErr(err, "read advisory documents")
		}
		page, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*core.AdvisoryDoc, error) { return scanAdvisoryDoc(r) })
		if err != nil {
			return queryErr(err, "read advisory documents")
		}
		for _, d := range page {
			if err := fn(d); err != nil {
				return err
			}
			args[0] = int64(d.ID)
		}
		if len(page) < docPage {
			return nil
		}
	}
}

func (v *inventory) AdvisoryDocIDsByKeys(ctx context.Context, keys []string) ([]core.AdvisoryRef, error) {
	rows, err := v.q.Query(ctx, `SELECT DISTINCT d.kind, d.doc_id FROM advisory_doc_keys k
		JOIN advisory_docs d ON d.id = k.doc_id WHERE k.key = ANY ($1)`, codec.UniqueKeys(keys))
	if err != nil {
		return nil, queryErr(err, "find advisory documents by key")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (core.AdvisoryRef, error) {
		var a core.AdvisoryRef
		err := r.Scan(&a.Kind, &a.DocID)
		return a, err
	})
	if err != nil {
		return nil, queryErr(err, "find advisory documents by key")
	}
	slices.SortFunc(out, func(a, b core.AdvisoryRef) int {
		return strings.Compare(codec.DocKey(a.Kind, a.DocID), codec.DocKey(b.Kind, b.DocID))
	})
	return codec.NonNil(out), nil
}

func (v *inventory) FeedStatus(ctx context.Context) ([]core.FeedStatus, error) {
	rows, err := v.q.Query(ctx, `SELECT kind, count(*), max(modified), max(imported_at)
		FROM advisory_docs GROUP BY kind ORDER BY kind COLLATE "C"`)
	if err != nil {
		return nil, queryErr(err, "read feed status")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (core.FeedStatus, error) {
		var s core.FeedStatus
		err := r.Scan(&s.Kind, &s.Documents, &s.NewestModified, &s.LastImport)
		s.NewestModified, s.LastImport = s.NewestModified.UTC(), s.LastImport.UTC()
		return s, err
	})
	if err != nil {
		return nil, queryErr(err, "read feed status")
	}
	return codec.NonNil(out), nil
}

func (v *inventory) PutSBOM(ctx context.Context, s *core.SBOM, comps []*core.Component) error {
	if err := codec.CheckSBOM(s, comps); err != nil {
		return err
	}
	now := v.now()
	var (
		sbomID int64
		ids    []int64
	)
	err := v.atomic(ctx, func(q querier) error {
		// Lock the release so that two PutSBOMs of it queue rather than
		// clash on sboms_release_key. NO KEY UPDATE leaves foreign-key
		// checks of other rows free.
		var one int
		err := q.QueryRow(ctx, `SELECT 1 FROM releases WHERE id = $1 FOR NO KEY UPDATE`, s.ReleaseID).Scan(&one)
		if isNoRows(err) {
			return codec.MissingRef(err, "release_id", "SBOM")
		}
		if err != nil {
			return err
		}
		if _, err := q.Exec(ctx, `DELETE FROM sboms WHERE release_id = $1`, s.ReleaseID); err != nil {
			return err
		}
		if _, err := q.Exec(ctx, `DELETE FROM component_keys WHERE release_id = $1`, s.ReleaseID); err != nil {
			return err
		}
		// The findings lose their components: the next re-match must write.
		if _, err := q.Exec(ctx, `DELETE FROM release_findings WHERE release_id = $1`, s.ReleaseID); err != nil {
			return err
		}
		if err := q.QueryRow(ctx, `INSERT INTO sboms
			(release_id, format, spec_version, name, source, sha256, components, imported_at, data)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			s.ReleaseID, s.Format, s.SpecVersion, s.Name, s.Source, s.SHA256, len(comps), now,
			nonNilBytes(s.Data)).Scan(&sbomID); err != nil {
			return err
		}
		if ids, err = nextIDs(ctx, q, "components", len(comps)); err != nil {
			return err
		}
		var keys []string
		if len(comps) > 0 {
			_, err = q.CopyFrom(ctx, pgx.Identifier{"components"}, []string{"id", "sbom_id", "release_id", "ref",
				"parent", "type", "grp", "name", "version", "purl", "cpes", "supplier", "hashes", "level_of_support",
				"end_of_support", "keys"},
				pgx.CopyFromSlice(len(comps), func(i int) ([]any, error) {
					c := comps[i]
					keys = append(keys, c.Keys...)
					return []any{ids[i], sbomID, s.ReleaseID, c.Ref, c.Parent, c.Type, c.Group, c.Name, c.Version,
						c.PURL, codec.NonNil(c.CPEs), c.Supplier, codec.Hashes(c.Hashes), c.LevelOfSupport,
						c.EndOfSupport, codec.NonNil(c.Keys)}, nil
				}))
			if err != nil {
				return err
			}
		}
		if _, err := q.Exec(ctx, `UPDATE sboms SET match_pack = $1 WHERE id = $2`,
			codec.PackMatch(comps, ids), sbomID); err != nil {
			return err
		}
		keys = codec.UniqueKeys(keys)
		if len(keys) > 0 {
			_, err = q.CopyFrom(ctx, pgx.Identifier{"component_keys"}, []string{"key", "release_id"},
				pgx.CopyFromSlice(len(keys), func(i int) ([]any, error) { return []any{keys[i], s.ReleaseID}, nil }))
		}
		return err
	})
	if err != nil {
		return vulnWriteErr(err, "SBOM")
	}
	s.ID, s.Components, s.ImportedAt = core.SBOMID(sbomID), len(comps), now
	for i, c := range comps {
		c.ID, c.SBOMID, c.ReleaseID = core.ComponentID(ids[i]), s.ID, s.ReleaseID
	}
	return nil
}

func (v *inventory) GetSBOM(ctx context.Context, release core.ReleaseID) (*core.SBOM, error) {
	var s core.SBOM
	err := v.q.QueryRow(ctx, `SELECT id, release_id, format, spec_version, name, source, sha256,
		components, imported_at, data FROM sboms WHERE release_id = $1`, release).Scan(&s.ID, &s.ReleaseID,
		&s.Format, &s.SpecVersion, &s.Name, &s.Source, &s.SHA256, &s.Components, &s.ImportedAt, &s.Data)
	if isNoRows(err) {
		return nil, core.NotFound("SBOM of release", release)
	}
	if err != nil {
		return nil, queryErr(err, "get SBOM")
	}
	s.Data, s.ImportedAt = nonNilBytes(s.Data), s.ImportedAt.UTC()
	return &s, nil
}

func (v *inventory) ListComponents(ctx context.Context, release core.ReleaseID) ([]*core.Component, error) {
	rows, err := v.q.Query(ctx, `SELECT id, sbom_id, release_id, ref, parent, type, grp, name, version,
		purl, cpes, supplier, hashes, level_of_support, end_of_support, keys
		FROM components WHERE release_id = $1 ORDER BY id`, release)
	if err != nil {
		return nil, queryErr(err, "list components")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*core.Component, error) {
		var (
			c      core.Component
			hashes []byte
		)
		if err := r.Scan(&c.ID, &c.SBOMID, &c.ReleaseID, &c.Ref, &c.Parent, &c.Type, &c.Group, &c.Name,
			&c.Version, &c.PURL, &c.CPEs, &c.Supplier, &hashes, &c.LevelOfSupport, &c.EndOfSupport, &c.Keys); err != nil {
			return nil, err
		}
		var err error
		if c.Hashes, err = codec.ParseHashes(hashes); err != nil {
			return nil, decodeErr(err, "component")
		}
		c.CPEs, c.Keys = codec.NonNil(c.CPEs), codec.NonNil(c.Keys)
		return &c, nil
	})
	if err != nil {
		return nil, queryErr(err, "list components")
	}
	return codec.NonNil(out), nil
}

// matchChunk is how many releases' components ListMatchComponents reads
// with one query.
const matchChunk = 500

// ListMatchComponents reads the match pack of each release's SBOM, and the
// component rows of the releases whose SBOM has none.
func (v *inventory) ListMatchComponents(ctx context.Context, releases []core.ReleaseID) (map[core.ReleaseID][]*core.Component, error) {
	releases = slices.Compact(slices.Sorted(slices.Values(releases)))
	out := make(map[core.ReleaseID][]*core.Component, len(releases))
	var unpacked []core.ReleaseID
	err := codec.Chunks(releases, matchChunk, func(chunk []core.ReleaseID) error {
		rows, err := v.q.Query(ctx, `SELECT release_id, components, match_pack FROM sboms
			WHERE release_id = ANY ($1)`, anyIDs(chunk))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				id   core.ReleaseID
				n    int
				pack []byte
			)
			if err := rows.Scan(&id, &n, &pack); err != nil {
				return err
			}
			rows, err := codec.AddMatchPack(out, id, n, pack)
			if err != nil {
				return decodeErr(err, "component")
			}
			if rows {
				unpacked = append(unpacked, id)
			}
		}
		return rows.Err()
	})
	if err == nil && len(unpacked) > 0 {
		err = v.matchComponentRows(ctx, unpacked, out)
	}
	if err != nil {
		if core.KindOf(err) == core.KindInternal {
			return nil, err
		}
		return nil, queryErr(err, "list components for matching")
	}
	return out, nil
}

// matchComponentRows reads the match columns of releases from the component
// rows into out.
func (v *inventory) matchComponentRows(ctx context.Context, releases []core.ReleaseID, out map[core.ReleaseID][]*core.Component) error {
	return codec.Chunks(releases, matchChunk, func(chunk []core.ReleaseID) error {
		rows, err := v.q.Query(ctx, `SELECT id, release_id, ref, type, grp, name, version, purl, cpes, supplier
			FROM components WHERE release_id = ANY ($1) ORDER BY release_id, id`, anyIDs(chunk))
		if err != nil {
			return err
		}
		defer rows.Close()
		var block []core.Component // allocated a few hundred at a time
		for rows.Next() {
			if len(block) == cap(block) {
				block = make([]core.Component, 0, 256)
			}
			block = append(block, core.Component{})
			c := &block[len(block)-1]
			if err := rows.Scan(&c.ID, &c.ReleaseID, &c.Ref, &c.Type, &c.Group, &c.Name, &c.Version, &c.PURL,
				&c.CPEs, &c.Supplier); err != nil {
				return err
			}
			c.CPEs = codec.NonNil(c.CPEs)
			out[c.ReleaseID] = append(out[c.ReleaseID], c)
		}
		return rows.Err()
	})
}

// ReleasesWithKeys sends the keys as one array parameter, which has no
// length limit worth the name, so it needs no chunking.
func (v *inventory) ReleasesWithKeys(ctx context.Context, keys []string) ([]core.ReleaseID, error) {
	rows, err := v.q.Query(ctx, `SELECT DISTINCT release_id FROM component_keys WHERE key = ANY ($1)
		ORDER BY release_id`, codec.UniqueKeys(keys))
	if err != nil {
		return nil, queryErr(err, "find releases by key")
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[core.ReleaseID])
	if err != nil {
		return nil, queryErr(err, "find releases by key")
	}
	return codec.NonNil(out), nil
}

func (v *inventory) ReleasesWithSBOM(ctx context.Context) ([]core.ReleaseID, error) {
	rows, err := v.q.Query(ctx, `SELECT release_id FROM sboms ORDER BY release_id`)
	if err != nil {
		return nil, queryErr(err, "list releases with an SBOM")
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[core.ReleaseID])
	if err != nil {
		return nil, queryErr(err, "list releases with an SBOM")
	}
	return codec.NonNil(out), nil
}

var findingWriteCols = []string{"id", "release_id", "component_id", "component_ref", "component_name",
	"component_version", "purl", "cpe", "advisory_id", "aliases", "summary", "severity", "score", "vector",
	"fixed_versions", "kev", "kev_due_date", "epss", "epss_percentile", "vex_status", "vex_justification",
	"suppressed", "evidence", "digest", "first_seen", "updated_at"}

func findingValues(w *codec.FindingWrite) []any {
	f := w.F
	return []any{w.ID, int64(w.Release), nullID(f.ComponentID), f.ComponentRef, f.ComponentName, f.ComponentVersion,
		f.PURL, f.CPE, f.AdvisoryID, codec.NonNil(f.Aliases), f.Summary, f.Severity, f.Score, f.Vector,
		codec.NonNil(f.FixedVersions), f.KEV, nullDate(f.KEVDueDate), f.EPSS, f.EPSSPercentile, f.VEXStatus,
		f.VEXJustification, f.Suppressed, codec.Evidence(f.Evidence), w.Digest, w.FirstSeen, w.UpdatedAt}
}

// ReplaceFindings reads the stored findings of every release in one query,
// diffs them (codec.DiffFindings), deletes the gone and changed rows and
// COPYs the changed (under their old ids) and new ones.
func (v *inventory) ReplaceFindings(ctx context.Context, byRelease map[core.ReleaseID][]*core.Finding) error {
	releases, err := codec.CheckFindings(byRelease)
	if err != nil {
		return err
	}
	if len(releases) == 0 {
		return nil
	}
	now := v.now()
	var diff *codec.FindingDiff
	err = v.atomic(ctx, func(q querier) error {
		// Lock the releases, in id order, so that concurrent replaces of
		// one release queue rather than clash on findings_key.
		if _, err := q.Exec(ctx, `SELECT 1 FROM (SELECT id FROM releases WHERE id = ANY ($1) ORDER BY id
			FOR NO KEY UPDATE) l`, anyIDs(releases)); err != nil {
			return err
		}
		rows, err := q.Query(ctx, `SELECT release_id, id, component_ref, advisory_id, coalesce(component_id, 0),
			digest, first_seen, updated_at FROM findings WHERE release_id = ANY ($1)`, anyIDs(releases))
		if err != nil {
			return err
		}
		stored := make(map[core.ReleaseID]map[string]codec.StoredFinding, len(releases))
		for rows.Next() {
			var (
				s        codec.StoredFinding
				r        core.ReleaseID
				ref, adv string
			)
			if err := rows.Scan(&r, &s.ID, &ref, &adv, &s.ComponentID, &s.Digest, &s.FirstSeen, &s.UpdatedAt); err != nil {
				rows.Close()
				return err
			}
			s.FirstSeen, s.UpdatedAt = s.FirstSeen.UTC(), s.UpdatedAt.UTC()
			m := stored[r]
			if m == nil {
				m = map[string]codec.StoredFinding{}
				stored[r] = m
			}
			m[codec.FindingKey(ref, adv)] = s
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		diff = codec.DiffFindings(releases, byRelease, stored, now)
		ids, err := nextIDs(ctx, q, "findings", diff.New)
		if err != nil {
			return err
		}
		diff.AssignIDs(ids)
		// A changed finding is deleted and copied in again under its id.
		if dels := append(diff.StoredIDs(), diff.Deletes...); len(dels) > 0 {
			if _, err := q.Exec(ctx, `DELETE FROM findings WHERE id = ANY ($1)`, dels); err != nil {
				return err
			}
		}
		if len(diff.Writes) > 0 {
			if _, err := q.CopyFrom(ctx, pgx.Identifier{"findings"}, findingWriteCols,
				pgx.CopyFromSlice(len(diff.Writes), func(i int) ([]any, error) { return findingValues(&diff.Writes[i]), nil })); err != nil {
				return err
			}
		}
		// The digest of each release's new list, for the releases that
		// exist: replacing the findings of a missing release with none is
		// no error.
		digests, counts := make([]string, len(releases)), make([]int32, len(releases))
		for i, r := range releases {
			digests[i], counts[i] = core.FindingSetDigest(byRelease[r]), int32(len(byRelease[r]))
		}
		_, err = q.Exec(ctx, `INSERT INTO release_findings (release_id, digest, count)
			SELECT t.r, t.d, t.c FROM unnest($1::bigint[], $2::text[], $3::integer[]) AS t(r, d, c)
			WHERE EXISTS (SELECT 1 FROM releases WHERE id = t.r)
			ON CONFLICT (release_id) DO UPDATE SET digest = excluded.digest, count = excluded.count`,
			anyIDs(releases), digests, counts)
		return err
	})
	if err != nil {
		return vulnWriteErr(err, "finding")
	}
	diff.Apply()
	return nil
}

func (v *inventory) FindingSetDigests(ctx context.Context, releases []core.ReleaseID) (map[core.ReleaseID]string, error) {
	out := make(map[core.ReleaseID]string, len(releases))
	rows, err := v.q.Query(ctx, `SELECT release_id, digest FROM release_findings WHERE release_id = ANY ($1)`,
		anyIDs(releases))
	if err != nil {
		return nil, queryErr(err, "read finding set digests")
	}
	defer rows.Close()
	for rows.Next() {
		var (
			r int64
			d string
		)
		if err := rows.Scan(&r, &d); err != nil {
			return nil, queryErr(err, "read finding set digests")
		}
		out[core.ReleaseID(r)] = d
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "read finding set digests")
	}
	return out, nil
}

const findingCols = `f.id, f.release_id, f.component_id, f.component_ref, f.component_name, f.component_version,
	f.purl, f.cpe, f.advisory_id, f.aliases, f.summary, f.severity, f.score, f.vector, f.fixed_versions, f.kev,
	f.kev_due_date, f.epss, f.epss_percentile, f.vex_status, f.vex_justification, f.suppressed, f.evidence,
	f.first_seen, f.updated_at`

func scanFinding(sc scanner) (*core.Finding, error) {
	var (
		f         core.Finding
		component *int64
		due       *time.Time
		evidence  string
	)
	if err := sc.Scan(&f.ID, &f.ReleaseID, &component, &f.ComponentRef, &f.ComponentName, &f.ComponentVersion,
		&f.PURL, &f.CPE, &f.AdvisoryID, &f.Aliases, &f.Summary, &f.Severity, &f.Score, &f.Vector, &f.FixedVersions,
		&f.KEV, &due, &f.EPSS, &f.EPSSPercentile, &f.VEXStatus, &f.VEXJustification, &f.Suppressed, &evidence,
		&f.FirstSeen, &f.UpdatedAt); err != nil {
		return nil, err
	}
	f.ComponentID = core.ComponentID(deref(component))
	f.Aliases, f.FixedVersions = codec.NonNil(f.Aliases), codec.NonNil(f.FixedVersions)
	f.KEVDueDate = fromNullDate(due)
	f.Evidence = codec.ParseEvidence(evidence)
	f.FirstSeen, f.UpdatedAt = f.FirstSeen.UTC(), f.UpdatedAt.UTC()
	return &f, nil
}

// findingWhere builds the WHERE clause of a finding filter, without the cursor.
func findingWhere(f core.FindingFilter) (string, []any) {
	conds := []string{"true"}
	var args []any
	arg := func(x any) string {
		args = append(args, x)
		return "$" + itoa(len(args))
	}
	if f.ReleaseID != 0 {
		conds = append(conds, "f.release_id = "+arg(int64(f.ReleaseID)))
	}
	if f.DeviceID != 0 {
		conds = append(conds, "f.release_id = (SELECT release_id FROM devices WHERE id = "+arg(int64(f.DeviceID))+")")
	}
	if f.ComponentID != 0 {
		conds = append(conds, "f.component_id = "+arg(int64(f.ComponentID)))
	}
	if len(f.Severity) > 0 {
		conds = append(conds, "f.severity = ANY ("+arg(f.Severity)+")")
	}
	if f.KEV != nil {
		conds = append(conds, "f.kev = "+arg(*f.KEV))
	}
	if len(f.VEXStatus) > 0 {
		statuses, none := codec.SplitVEX(f.VEXStatus)
		var or []string
		if len(statuses) > 0 {
			or = append(or, "f.vex_status = ANY ("+arg(statuses)+")")
		}
		if none {
			or = append(or, "f.vex_status = ''")
		}
		conds = append(conds, "("+strings.Join(or, " OR ")+")")
	}
	if f.FixedAvailable != nil {
		if *f.FixedAvailable {
			conds = append(conds, "cardinality(f.fixed_versions) > 0")
		} else {
			conds = append(conds, "cardinality(f.fixed_versions) = 0")
		}
	}
	if !f.IncludeSuppressed {
		conds = append(conds, "NOT f.suppressed")
	}
	if f.AdvisoryID != "" {
		conds = append(conds, "f.advisory_id = "+arg(f.AdvisoryID))
	}
	return strings.Join(conds, " AND "), args
}

func (v *inventory) ListFindings(ctx context.Context, f core.FindingFilter) (*core.FindingPage, error) {
	limit, err := codec.FindingLimit(f)
	if err != nil {
		return nil, err
	}
	where, args := findingWhere(f)
	n := len(args)
	args = append(args, int64(f.After), limit+1)
	rows, err := v.q.Query(ctx, `SELECT `+findingCols+` FROM findings f WHERE `+where+
		` AND f.id > $`+itoa(n+1)+` ORDER BY f.id LIMIT $`+itoa(n+2), args...)
	if err != nil {
		return nil, queryErr(err, "list findings")
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*core.Finding, error) { return scanFinding(r) })
	if err != nil {
		return nil, queryErr(err, "list findings")
	}
	page := &core.FindingPage{Findings: codec.NonNil(list)}
	if len(page.Findings) > limit {
		page.Findings = page.Findings[:limit]
		page.Next = page.Findings[limit-1].ID
	}
	return page, nil
}

func (v *inventory) CountFindings(ctx context.Context, f core.FindingFilter) (int64, error) {
	where, args := findingWhere(f)
	var n int64
	if err := v.q.QueryRow(ctx, `SELECT count(*) FROM findings f WHERE `+where, args...).Scan(&n); err != nil {
		return 0, queryErr(err, "count findings")
	}
	return n, nil
}

func anyIDs[T ~int64](l []T) []int64 {
	out := make([]int64, len(l))
	for i, x := range l {
		out[i] = int64(x)
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }
