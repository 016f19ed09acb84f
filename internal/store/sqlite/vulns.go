package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/store/internal/codec"
)

// inChunk bounds the variables of one IN list, well under SQLite's limit.
const inChunk = 500

// docPage is how many advisory documents EachAdvisoryDoc reads at a time.
const docPage = 64

const advisoryDocCols = `id, kind, doc_id, revision, modified, source, sha256, data, keys, imported_at`

func scanAdvisoryDoc(sc scanner) (*core.AdvisoryDoc, error) {
	var (
		d             core.AdvisoryDoc
		keys          []byte
		mod, imported int64
	)
	if err := sc.Scan(&d.ID, &d.Kind, &d.DocID, &d.Revision, &mod, &d.Source, &d.SHA256, &d.Data, &keys, &imported); err != nil {
		return nil, err
	}
	var err error
	if d.Keys, err = codec.ParseStrings(keys); err != nil {
		return nil, decodeErr(err, "advisory document")
	}
	if d.Data == nil {
		d.Data = []byte{}
	}
	d.Modified, d.ImportedAt = fromMicros(mod), fromMicros(imported)
	return &d, nil
}

func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// placeholderList returns "?, ?, …" for n values.
func placeholderList(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func anys[T any](l []T) []any {
	out := make([]any, len(l))
	for i, x := range l {
		out[i] = x
	}
	return out
}

func (v *inventory) PutAdvisoryDocs(ctx context.Context, docs []*core.AdvisoryDoc) ([]core.PutOutcome, error) {
	for i, d := range docs {
		if err := codec.CheckAdvisoryDoc(i, d); err != nil {
			return nil, err
		}
	}
	now := v.now()
	out := make([]core.PutOutcome, len(docs))
	ids := make([]core.AdvisoryDocID, len(docs))
	imported := make([]time.Time, len(docs))
	err := v.atomic(ctx, func(q querier) error {
		var stmts [5]*sql.Stmt
		for i, s := range []string{
			`SELECT id, modified, sha256, imported_at FROM advisory_docs WHERE kind = ? AND doc_id = ?`,
			`INSERT INTO advisory_docs (kind, doc_id, revision, modified, source, sha256, data, keys, imported_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			`UPDATE advisory_docs SET revision = ?, modified = ?, source = ?, sha256 = ?, data = ?, keys = ?,
				imported_at = ? WHERE id = ?`,
			`DELETE FROM advisory_doc_keys WHERE doc_id = ?`,
			`INSERT INTO advisory_doc_keys (key, doc_id) VALUES (?, ?)`,
		} {
			st, err := q.PrepareContext(ctx, s)
			if err != nil {
				return err
			}
			defer st.Close()
			stmts[i] = st
		}
		sel, ins, upd, delKeys, insKey := stmts[0], stmts[1], stmts[2], stmts[3], stmts[4]
		for i, d := range docs {
			var (
				id            int64
				mod, imp      int64
				sha           string
				writeKeys     bool
				storedMissing bool
			)
			err := sel.QueryRowContext(ctx, d.Kind, d.DocID).Scan(&id, &mod, &sha, &imp)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				storedMissing = true
			case err != nil:
				return err
			}
			keys := codec.UniqueKeys(d.Keys)
			if storedMissing {
				if err := ins.QueryRowContext(ctx, d.Kind, d.DocID, d.Revision, micros(d.Modified), d.Source, d.SHA256,
					nonNilBytes(d.Data), codec.Strings(d.Keys), micros(now)).Scan(&id); err != nil {
					return err
				}
				out[i], imported[i], writeKeys = core.PutAdded, now, true
			} else {
				out[i], imported[i] = codec.Outcome(fromMicros(mod), sha, d), fromMicros(imp)
				if out[i] == core.PutUpdated {
					if _, err := upd.ExecContext(ctx, d.Revision, micros(d.Modified), d.Source, d.SHA256,
						nonNilBytes(d.Data), codec.Strings(d.Keys), micros(now), id); err != nil {
						return err
					}
					if _, err := delKeys.ExecContext(ctx, id); err != nil {
						return err
					}
					imported[i], writeKeys = now, true
				}
			}
			ids[i] = core.AdvisoryDocID(id)
			if writeKeys {
				for _, k := range keys {
					if _, err := insKey.ExecContext(ctx, k, id); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, writeErr(ctx, v.write, err, "advisory document")
	}
	for i, d := range docs {
		d.ID, d.ImportedAt = ids[i], imported[i]
	}
	return out, nil
}

func (v *inventory) GetAdvisoryDoc(ctx context.Context, kind, docID string) (*core.AdvisoryDoc, error) {
	d, err := scanAdvisoryDoc(v.read.QueryRowContext(ctx,
		`SELECT `+advisoryDocCols+` FROM advisory_docs WHERE kind = ? AND doc_id = ?`, kind, docID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.NotFound("advisory document", kind+" "+docID)
	}
	if err != nil {
		return nil, queryErr(err, "get advisory document")
	}
	return d, nil
}

// EachAdvisoryDoc reads docPage documents at a time and calls fn with
// them once the read is closed, so that fn may use the store, even an
// in-memory one on a single connection.
func (v *inventory) EachAdvisoryDoc(ctx context.Context, kinds []string, fn func(*core.AdvisoryDoc) error) error {
	q := `SELECT ` + advisoryDocCols + ` FROM advisory_docs WHERE id > ?`
	if len(kinds) > 0 {
		q += ` AND kind IN (` + placeholderList(len(kinds)) + `)`
	}
	q += ` ORDER BY id LIMIT ` + itoa(docPage)
	after := int64(0)
	for {
		page, err := v.advisoryDocPage(ctx, q, append([]any{after}, anys(kinds)...))
		if err != nil {
			return err
		}
		for _, d := range page {
			if err := fn(d); err != nil {
				return err
			}
			after = int64(d.ID)
		}
		if len(page) < docPage {
			return nil
		}
	}
}

func (v *inventory) advisoryDocPage(ctx context.Context, q string, args []any) ([]*core.AdvisoryDoc, error) {
	rows, err := v.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, queryErr(err, "read advisory documents")
	}
	defer rows.Close()
	var page []*core.AdvisoryDoc
	for rows.Next() {
		d, err := scanAdvisoryDoc(rows)
		if err != nil {
			return nil, queryErr(err, "read advisory documents")
		}
		page = append(page, d)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "read advisory documents")
	}
	return page, nil
}

func (v *inventory) AdvisoryDocIDsByKeys(ctx context.Context, keys []string) ([]core.AdvisoryRef, error) {
	seen := map[core.AdvisoryRef]bool{}
	out := []core.AdvisoryRef{}
	err := codec.Chunks(codec.UniqueKeys(keys), inChunk, func(chunk []string) error {
		rows, err := v.read.QueryContext(ctx, `SELECT DISTINCT d.kind, d.doc_id FROM advisory_doc_keys k
			JOIN advisory_docs d ON d.id = k.doc_id WHERE k.key IN (`+placeholderList(len(chunk))+`)`, anys(chunk)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r core.AdvisoryRef
			if err := rows.Scan(&r.Kind, &r.DocID); err != nil {
				return err
			}
			if !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, queryErr(err, "find advisory documents by key")
	}
	slices.SortFunc(out, func(a, b core.AdvisoryRef) int {
		return strings.Compare(codec.DocKey(a.Kind, a.DocID), codec.DocKey(b.Kind, b.DocID))
	})
	return out, nil
}

func (v *inventory) FeedStatus(ctx context.Context) ([]core.FeedStatus, error) {
	rows, err := v.read.QueryContext(ctx, `SELECT kind, count(*), max(modified), max(imported_at)
		FROM advisory_docs GROUP BY kind ORDER BY kind`)
	if err != nil {
		return nil, queryErr(err, "read feed status")
	}
	defer rows.Close()
	out := []core.FeedStatus{}
	for rows.Next() {
		var (
			s        core.FeedStatus
			mod, imp int64
		)
		if err := rows.Scan(&s.Kind, &s.Documents, &mod, &imp); err != nil {
			return nil, queryErr(err, "read feed status")
		}
		s.NewestModified, s.LastImport = fromMicros(mod), fromMicros(imp)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "read feed status")
	}
	return out, nil
}

func (v *inventory) PutSBOM(ctx context.Context, s *core.SBOM, comps []*core.Component) error {
	if err := codec.CheckSBOM(s, comps); err != nil {
		return err
	}
	now := v.now()
	ids := make([]core.ComponentID, len(comps))
	var sbomID int64
	err := v.atomic(ctx, func(q querier) error {
		if _, err := q.ExecContext(ctx, `DELETE FROM sboms WHERE release_id = ?`, s.ReleaseID); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM component_keys WHERE release_id = ?`, s.ReleaseID); err != nil {
			return err
		}
		// The findings lose their components: the next re-match must write.
		if _, err := q.ExecContext(ctx, `DELETE FROM release_findings WHERE release_id = ?`, s.ReleaseID); err != nil {
			return err
		}
		err := q.QueryRowContext(ctx, `INSERT INTO sboms
			(release_id, format, spec_version, name, source, sha256, components, imported_at, data)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			s.ReleaseID, s.Format, s.SpecVersion, s.Name, s.Source, s.SHA256, len(comps), micros(now),
			nonNilBytes(s.Data)).Scan(&sbomID)
		if err != nil {
			return writeErr(ctx, q, err, "SBOM", ref{"release_id", "releases", int64(s.ReleaseID)})
		}
		ins, err := q.PrepareContext(ctx, `INSERT INTO components
			(sbom_id, release_id, ref, parent, type, grp, name, version, purl, cpes, supplier, hashes,
			 level_of_support, end_of_support, keys)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`)
		if err != nil {
			return err
		}
		defer ins.Close()
		var keys []string
		for i, c := range comps {
			if err := ins.QueryRowContext(ctx, sbomID, s.ReleaseID, c.Ref, c.Parent, c.Type, c.Group, c.Name,
				c.Version, c.PURL, codec.Strings(c.CPEs), c.Supplier, codec.Hashes(c.Hashes), c.LevelOfSupport,
				c.EndOfSupport, codec.Strings(c.Keys)).Scan(&ids[i]); err != nil {
				return err
			}
			keys = append(keys, c.Keys...)
		}
		if _, err := q.ExecContext(ctx, `UPDATE sboms SET match_pack = ? WHERE id = ?`,
			codec.PackMatch(comps, ids), sbomID); err != nil {
			return err
		}
		insKey, err := q.PrepareContext(ctx, `INSERT INTO component_keys (key, release_id) VALUES (?, ?)`)
		if err != nil {
			return err
		}
		defer insKey.Close()
		for _, k := range codec.UniqueKeys(keys) {
			if _, err := insKey.ExecContext(ctx, k, s.ReleaseID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return writeErr(ctx, v.write, err, "SBOM")
	}
	s.ID, s.Components, s.ImportedAt = core.SBOMID(sbomID), len(comps), now
	for i, c := range comps {
		c.ID, c.SBOMID, c.ReleaseID = ids[i], s.ID, s.ReleaseID
	}
	return nil
}

func (v *inventory) GetSBOM(ctx context.Context, release core.ReleaseID) (*core.SBOM, error) {
	var (
		s   core.SBOM
		imp int64
	)
	err := v.read.QueryRowContext(ctx, `SELECT id, release_id, format, spec_version, name, source, sha256,
		components, imported_at, data FROM sboms WHERE release_id = ?`, release).Scan(&s.ID, &s.ReleaseID,
		&s.Format, &s.SpecVersion, &s.Name, &s.Source, &s.SHA256, &s.Components, &imp, &s.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.NotFound("SBOM of release", release)
	}
	if err != nil {
		return nil, queryErr(err, "get SBOM")
	}
	if s.Data == nil {
		s.Data = []byte{}
	}
	s.ImportedAt = fromMicros(imp)
	return &s, nil
}

func (v *inventory) ListComponents(ctx context.Context, release core.ReleaseID) ([]*core.Component, error) {
	rows, err := v.read.QueryContext(ctx, `SELECT id, sbom_id, release_id, ref, parent, type, grp, name, version,
		purl, cpes, supplier, hashes, level_of_support, end_of_support, keys
		FROM components WHERE release_id = ? ORDER BY id`, release)
	if err != nil {
		return nil, queryErr(err, "list components")
	}
	defer rows.Close()
	out := []*core.Component{}
	for rows.Next() {
		var (
			c                  core.Component
			cpes, hashes, keys []byte
		)
		if err := rows.Scan(&c.ID, &c.SBOMID, &c.ReleaseID, &c.Ref, &c.Parent, &c.Type, &c.Group, &c.Name,
			&c.Version, &c.PURL, &cpes, &c.Supplier, &hashes, &c.LevelOfSupport, &c.EndOfSupport, &keys); err != nil {
			return nil, queryErr(err, "list components")
		}
		var err1, err2, err3 error
		c.CPEs, err1 = codec.ParseStrings(cpes)
		c.Hashes, err2 = codec.ParseHashes(hashes)
		c.Keys, err3 = codec.ParseStrings(keys)
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, decodeErr(err, "component")
		}
		out = append(out, &c)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "list components")
	}
	return out, nil
}

// ListMatchComponents reads the match pack of each release's SBOM, and the
// component rows of the releases whose SBOM has none.
func (v *inventory) ListMatchComponents(ctx context.Context, releases []core.ReleaseID) (map[core.ReleaseID][]*core.Component, error) {
	releases = slices.Compact(slices.Sorted(slices.Values(releases)))
	out := make(map[core.ReleaseID][]*core.Component, len(releases))
	var unpacked []core.ReleaseID
	err := codec.Chunks(releases, inChunk, func(chunk []core.ReleaseID) error {
		rows, err := v.read.QueryContext(ctx, `SELECT release_id, components, match_pack FROM sboms
			WHERE release_id IN (`+placeholderList(len(chunk))+`)`, anys(chunk)...)
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
	return codec.Chunks(releases, inChunk, func(chunk []core.ReleaseID) error {
		rows, err := v.read.QueryContext(ctx, `SELECT id, release_id, ref, type, grp, name, version, purl, cpes,
			supplier FROM components WHERE release_id IN (`+placeholderList(len(chunk))+`) ORDER BY release_id, id`,
			anys(chunk)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var (
			block []core.Component // allocated a few hundred at a time
			cpes  string
		)
		for rows.Next() {
			if len(block) == cap(block) {
				block = make([]core.Component, 0, 256)
			}
			block = append(block, core.Component{})
			c := &block[len(block)-1]
			if err := rows.Scan(&c.ID, &c.ReleaseID, &c.Ref, &c.Type, &c.Group, &c.Name, &c.Version, &c.PURL,
				&cpes, &c.Supplier); err != nil {
				return err
			}
			if cpes == "[]" || cpes == "" {
				c.CPEs = []string{} // most components have none: no JSON to decode
			} else if c.CPEs, err = codec.ParseStrings([]byte(cpes)); err != nil {
				return decodeErr(err, "component")
			}
			out[c.ReleaseID] = append(out[c.ReleaseID], c)
		}
		return rows.Err()
	})
}

func (v *inventory) ReleasesWithKeys(ctx context.Context, keys []string) ([]core.ReleaseID, error) {
	seen := map[core.ReleaseID]bool{}
	out := []core.ReleaseID{}
	err := codec.Chunks(codec.UniqueKeys(keys), inChunk, func(chunk []string) error {
		rows, err := v.read.QueryContext(ctx, `SELECT DISTINCT release_id FROM component_keys
			WHERE key IN (`+placeholderList(len(chunk))+`)`, anys(chunk)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id core.ReleaseID
			if err := rows.Scan(&id); err != nil {
				return err
			}
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, queryErr(err, "find releases by key")
	}
	slices.Sort(out)
	return out, nil
}

func (v *inventory) ReleasesWithSBOM(ctx context.Context) ([]core.ReleaseID, error) {
	rows, err := v.read.QueryContext(ctx, `SELECT release_id FROM sboms ORDER BY release_id`)
	if err != nil {
		return nil, queryErr(err, "list releases with an SBOM")
	}
	defer rows.Close()
	out := []core.ReleaseID{}
	for rows.Next() {
		var id core.ReleaseID
		if err := rows.Scan(&id); err != nil {
			return nil, queryErr(err, "list releases with an SBOM")
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "list releases with an SBOM")
	}
	return out, nil
}

// findingWriteCols are the columns ReplaceFindings writes, in the order
// findingValues gives them.
const findingWriteCols = `id, release_id, component_id, component_ref, component_name, component_version, purl, cpe,
	advisory_id, aliases, summary, severity, score, vector, fixed_versions, kev, kev_due_date, epss,
	epss_percentile, vex_status, vex_justification, suppressed, evidence, digest, first_seen, updated_at`

const findingWriteN = 26

// findingRows is how many findings one INSERT writes.
const findingRows = 200

func appendFindingValues(args []any, w *codec.FindingWrite) []any {
	f := w.F
	return append(args, w.ID, w.Release, nullID(f.ComponentID), f.ComponentRef, f.ComponentName, f.ComponentVersion,
		f.PURL, f.CPE, f.AdvisoryID, codec.Strings(f.Aliases), f.Summary, f.Severity, f.Score, f.Vector,
		codec.Strings(f.FixedVersions), boolInt(f.KEV), nullDate(f.KEVDueDate), f.EPSS, f.EPSSPercentile,
		f.VEXStatus, f.VEXJustification, boolInt(f.Suppressed), codec.Evidence(f.Evidence), w.Digest,
		micros(w.FirstSeen), micros(w.UpdatedAt))
}

// ReplaceFindings diffs each release's findings against the stored ones
// (codec.DiffFindings): unchanged rows stay untouched; changed ones are
// updated in place; new ones get ids following
// the table's sequence (the writer connection is ours alone), so that
// many-row INSERTs need no RETURNING.
func (v *inventory) ReplaceFindings(ctx context.Context, byRelease map[core.ReleaseID][]*core.Finding) error {
	releases, err := codec.CheckFindings(byRelease)
	if err != nil {
		return err
	}
	now := v.now()
	var diff *codec.FindingDiff
	err = v.atomic(ctx, func(q querier) error {
		stored, err := readStoredFindings(ctx, q, releases)
		if err != nil {
			return err
		}
		diff = codec.DiffFindings(releases, byRelease, stored, now)
		var last int64
		if err := q.QueryRowContext(ctx, `SELECT max(
			coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'findings'), 0),
			coalesce((SELECT max(id) FROM findings), 0))`).Scan(&last); err != nil {
			return err
		}
		ids := make([]int64, diff.New)
		for i := range ids {
			ids[i] = last + 1 + int64(i)
		}
		diff.AssignIDs(ids)
		if err := codec.Chunks(diff.Deletes, inChunk, func(ids []int64) error {
			_, err := q.ExecContext(ctx, `DELETE FROM findings WHERE id IN (`+placeholderList(len(ids))+`)`, anys(ids)...)
			return err
		}); err != nil {
			return err
		}
		if err := writeFindings(ctx, q, diff.Writes); err != nil {
			return err
		}
		return writeFindingSets(ctx, q, releases, byRelease)
	})
	if err != nil {
		if isFK(err) {
			return codec.MissingRef(err, "", "finding")
		}
		return writeErr(ctx, v.write, err, "finding")
	}
	diff.Apply()
	return nil
}

// writeFindingSets stores the digest of each release's new finding list
// (of the releases that exist: replacing the findings of a missing release
// with none is no error).
func writeFindingSets(ctx context.Context, q querier, releases []core.ReleaseID, byRelease map[core.ReleaseID][]*core.Finding) error {
	st, err := q.PrepareContext(ctx, `INSERT INTO release_findings (release_id, digest, count)
		SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM releases WHERE id = ?1)
		ON CONFLICT (release_id) DO UPDATE SET digest = excluded.digest, count = excluded.count`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, r := range releases {
		fs := byRelease[r]
		if _, err := st.ExecContext(ctx, r, core.FindingSetDigest(fs), len(fs)); err != nil {
			return err
		}
	}
	return nil
}

func (v *inventory) FindingSetDigests(ctx context.Context, releases []core.ReleaseID) (map[core.ReleaseID]string, error) {
	out := make(map[core.ReleaseID]string, len(releases))
	err := codec.Chunks(releases, inChunk, func(chunk []core.ReleaseID) error {
		rows, err := v.read.QueryContext(ctx, `SELECT release_id, digest FROM release_findings
			WHERE release_id IN (`+placeholderList(len(chunk))+`)`, anys(chunk)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				r core.ReleaseID
				d string
			)
			if err := rows.Scan(&r, &d); err != nil {
				return err
			}
			out[r] = d
		}
		return rows.Err()
	})
	if err != nil {
		return nil, queryErr(err, "read finding set digests")
	}
	return out, nil
}

// readStoredFindings reads what DiffFindings needs of the releases' stored
// findings, inChunk releases to a query.
func readStoredFindings(ctx context.Context, q querier, releases []core.ReleaseID) (map[core.ReleaseID]map[string]codec.StoredFinding, error) {
	stored := make(map[core.ReleaseID]map[string]codec.StoredFinding, len(releases))
	err := codec.Chunks(releases, inChunk, func(chunk []core.ReleaseID) error {
		rows, err := q.QueryContext(ctx, `SELECT release_id, id, component_ref, advisory_id, coalesce(component_id, 0),
			digest, first_seen, updated_at FROM findings WHERE release_id IN (`+placeholderList(len(chunk))+`)`,
			anys(chunk)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				s              codec.StoredFinding
				r              core.ReleaseID
				ref, adv       string
				first, updated int64
			)
			if err := rows.Scan(&r, &s.ID, &ref, &adv, &s.ComponentID, &s.Digest, &first, &updated); err != nil {
				return err
			}
			s.FirstSeen, s.UpdatedAt = fromMicros(first), fromMicros(updated)
			m := stored[r]
			if m == nil {
				m = map[string]codec.StoredFinding{}
				stored[r] = m
			}
			m[codec.FindingKey(ref, adv)] = s
		}
		return rows.Err()
	})
	return stored, err
}

// updateFinding rewrites a changed finding in place; its key columns stay,
// so SQLite leaves findings_key alone.
const updateFinding = `UPDATE findings SET component_id = ?, component_name = ?, component_version = ?,
	purl = ?, cpe = ?, aliases = ?, summary = ?, severity = ?, score = ?, vector = ?, fixed_versions = ?, kev = ?,
	kev_due_date = ?, epss = ?, epss_percentile = ?, vex_status = ?, vex_justification = ?, suppressed = ?,
	evidence = ?, digest = ?, updated_at = ? WHERE id = ?`

// writeFindings updates the changed findings of ws and inserts the new ones.
func writeFindings(ctx context.Context, q querier, ws []codec.FindingWrite) error {
	var fresh []codec.FindingWrite
	var upd *sql.Stmt
	for i := range ws {
		w := &ws[i]
		if !w.Stored {
			fresh = append(fresh, *w)
			continue
		}
		if upd == nil {
			st, err := q.PrepareContext(ctx, updateFinding)
			if err != nil {
				return err
			}
			defer st.Close()
			upd = st
		}
		f := w.F
		if _, err := upd.ExecContext(ctx, nullID(f.ComponentID), f.ComponentName, f.ComponentVersion, f.PURL, f.CPE,
			codec.Strings(f.Aliases), f.Summary, f.Severity, f.Score, f.Vector, codec.Strings(f.FixedVersions),
			boolInt(f.KEV), nullDate(f.KEVDueDate), f.EPSS, f.EPSSPercentile, f.VEXStatus, f.VEXJustification,
			boolInt(f.Suppressed), codec.Evidence(f.Evidence), w.Digest, micros(w.UpdatedAt), w.ID); err != nil {
			return err
		}
	}
	return insertFindings(ctx, q, fresh)
}

// insertFindings writes the findings findingRows to a statement.
func insertFindings(ctx context.Context, q querier, pending []codec.FindingWrite) error {
	stmt := func(n int) string {
		row := "(" + placeholderList(findingWriteN) + ")"
		return `INSERT INTO findings (` + findingWriteCols + `) VALUES ` +
			strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
	}
	var full *sql.Stmt
	if len(pending) >= findingRows {
		st, err := q.PrepareContext(ctx, stmt(findingRows))
		if err != nil {
			return err
		}
		defer st.Close()
		full = st
	}
	args := make([]any, 0, findingRows*findingWriteN)
	return codec.Chunks(pending, findingRows, func(chunk []codec.FindingWrite) error {
		args = args[:0]
		for i := range chunk {
			args = appendFindingValues(args, &chunk[i])
		}
		var err error
		if len(chunk) == findingRows {
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = q.ExecContext(ctx, stmt(len(chunk)), args...)
		}
		return err
	})
}

const findingCols = `f.id, f.release_id, f.component_id, f.component_ref, f.component_name, f.component_version,
	f.purl, f.cpe, f.advisory_id, f.aliases, f.summary, f.severity, f.score, f.vector, f.fixed_versions, f.kev,
	f.kev_due_date, f.epss, f.epss_percentile, f.vex_status, f.vex_justification, f.suppressed, f.evidence,
	f.first_seen, f.updated_at`

func scanFinding(sc scanner) (*core.Finding, error) {
	var (
		f               core.Finding
		component       sql.NullInt64
		aliases, fixed  []byte
		kev, suppressed int
		due             sql.NullString
		evidence        string
		first, updated  int64
	)
	if err := sc.Scan(&f.ID, &f.ReleaseID, &component, &f.ComponentRef, &f.ComponentName, &f.ComponentVersion,
		&f.PURL, &f.CPE, &f.AdvisoryID, &aliases, &f.Summary, &f.Severity, &f.Score, &f.Vector, &fixed, &kev,
		&due, &f.EPSS, &f.EPSSPercentile, &f.VEXStatus, &f.VEXJustification, &suppressed, &evidence,
		&first, &updated); err != nil {
		return nil, err
	}
	var err1, err2, err3 error
	f.Aliases, err1 = codec.ParseStrings(aliases)
	f.FixedVersions, err2 = codec.ParseStrings(fixed)
	f.KEVDueDate, err3 = fromNullDate(due)
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, decodeErr(err, "finding")
	}
	f.ComponentID = core.ComponentID(component.Int64)
	f.KEV, f.Suppressed = kev != 0, suppressed != 0
	f.Evidence = codec.ParseEvidence(evidence)
	f.FirstSeen, f.UpdatedAt = fromMicros(first), fromMicros(updated)
	return &f, nil
}

// findingWhere builds the WHERE clause of a finding filter, without the cursor.
func findingWhere(f core.FindingFilter) (string, []any) {
	conds := []string{"1 = 1"}
	var args []any
	if f.ReleaseID != 0 {
		conds = append(conds, "f.release_id = ?")
		args = append(args, f.ReleaseID)
	}
	if f.DeviceID != 0 {
		conds = append(conds, "f.release_id = (SELECT release_id FROM devices WHERE id = ?)")
		args = append(args, f.DeviceID)
	}
	if f.ComponentID != 0 {
		conds = append(conds, "f.component_id = ?")
		args = append(args, f.ComponentID)
	}
	if len(f.Severity) > 0 {
		conds = append(conds, "f.severity IN ("+placeholderList(len(f.Severity))+")")
		args = append(args, anys(f.Severity)...)
	}
	if f.KEV != nil {
		conds = append(conds, "f.kev = ?")
		args = append(args, boolInt(*f.KEV))
	}
	if len(f.VEXStatus) > 0 {
		statuses, none := codec.SplitVEX(f.VEXStatus)
		var or []string
		if len(statuses) > 0 {
			or = append(or, "f.vex_status IN ("+placeholderList(len(statuses))+")")
			args = append(args, anys(statuses)...)
		}
		if none {
			or = append(or, "f.vex_status = ''")
		}
		conds = append(conds, "("+strings.Join(or, " OR ")+")")
	}
	if f.FixedAvailable != nil {
		if *f.FixedAvailable {
			conds = append(conds, "f.fixed_versions <> '[]'")
		} else {
			conds = append(conds, "f.fixed_versions = '[]'")
		}
	}
	if !f.IncludeSuppressed {
		conds = append(conds, "f.suppressed = 0")
	}
	if f.AdvisoryID != "" {
		conds = append(conds, "f.advisory_id = ?")
		args = append(args, f.AdvisoryID)
	}
	return strings.Join(conds, " AND "), args
}

func (v *inventory) ListFindings(ctx context.Context, f core.FindingFilter) (*core.FindingPage, error) {
	limit, err := codec.FindingLimit(f)
	if err != nil {
		return nil, err
	}
	where, args := findingWhere(f)
	args = append(args, int64(f.After), limit+1)
	rows, err := v.read.QueryContext(ctx, `SELECT `+findingCols+` FROM findings f WHERE `+where+
		` AND f.id > ? ORDER BY f.id LIMIT ?`, args...)
	if err != nil {
		return nil, queryErr(err, "list findings")
	}
	defer rows.Close()
	page := &core.FindingPage{Findings: []*core.Finding{}}
	for rows.Next() {
		x, err := scanFinding(rows)
		if err != nil {
			return nil, queryErr(err, "list findings")
		}
		page.Findings = append(page.Findings, x)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "list findings")
	}
	if len(page.Findings) > limit {
		page.Findings = page.Findings[:limit]
		page.Next = page.Findings[limit-1].ID
	}
	return page, nil
}

func (v *inventory) CountFindings(ctx context.Context, f core.FindingFilter) (int64, error) {
	where, args := findingWhere(f)
	var n int64
	if err := v.read.QueryRowContext(ctx, `SELECT count(*) FROM findings f WHERE `+where, args...).Scan(&n); err != nil {
		return 0, queryErr(err, "count findings")
	}
	return n, nil
}
