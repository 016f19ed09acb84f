package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/store/internal/codec"
)

const releaseCols = `id, model_id, version, release_date, support_level, end_of_support, provenance,
	created_at, updated_at`

func scanRelease(sc scanner) (*core.Release, error) {
	var (
		r                core.Release
		released, eos    sql.NullString
		prov             []byte
		created, updated int64
	)
	if err := sc.Scan(&r.ID, &r.ModelID, &r.Version, &released, &r.SupportLevel, &eos, &prov,
		&created, &updated); err != nil {
		return nil, err
	}
	var err1, err2, err3 error
	r.ReleaseDate, err1 = fromNullDate(released)
	r.EndOfSupport, err2 = fromNullDate(eos)
	r.Provenance, err3 = codec.ParseProvenance(prov)
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, decodeErr(err, "release")
	}
	r.CreatedAt, r.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &r, nil
}

func releaseRefs(r *core.Release) []ref { return []ref{{"model_id", "models", int64(r.ModelID)}} }

func (v *inventory) CreateRelease(ctx context.Context, r *core.Release) error {
	now := v.now()
	res, err := v.write.ExecContext(ctx, `INSERT INTO releases
		(model_id, version, release_date, support_level, end_of_support, provenance, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ModelID, r.Version, nullDate(r.ReleaseDate), r.SupportLevel, nullDate(r.EndOfSupport),
		codec.Provenance(r.Provenance), micros(now), micros(now))
	if err != nil {
		return writeErr(ctx, v.write, err, "release", releaseRefs(r)...)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return codec.Internal(err, "create release")
	}
	r.ID, r.CreatedAt, r.UpdatedAt = core.ReleaseID(id), now, now
	return nil
}

func (v *inventory) GetRelease(ctx context.Context, id core.ReleaseID) (*core.Release, error) {
	r, err := scanRelease(v.read.QueryRowContext(ctx, `SELECT `+releaseCols+` FROM releases WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.NotFound("release", id)
	}
	if err != nil {
		return nil, queryErr(err, "get release %d", id)
	}
	return r, nil
}

func (v *inventory) FindRelease(ctx context.Context, model core.ModelID, version string) (*core.Release, error) {
	r, err := scanRelease(v.read.QueryRowContext(ctx,
		`SELECT `+releaseCols+` FROM releases WHERE model_id = ? AND version = ?`, model, version))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.NotFound("release", version)
	}
	if err != nil {
		return nil, queryErr(err, "find release")
	}
	return r, nil
}

func (v *inventory) ListReleases(ctx context.Context, model core.ModelID, opt core.ListOptions) ([]*core.Release, error) {
	after, limit, err := listArgs(opt)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + releaseCols + ` FROM releases WHERE id > ? ORDER BY id LIMIT ?`
	args := []any{after, limit}
	if model != 0 {
		q = `SELECT ` + releaseCols + ` FROM releases WHERE model_id = ? AND id > ? ORDER BY id LIMIT ?`
		args = []any{model, after, limit}
	}
	rows, err := v.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, queryErr(err, "list releases")
	}
	defer rows.Close()
	out := []*core.Release{}
	for rows.Next() {
		r, err := scanRelease(rows)
		if err != nil {
			return nil, queryErr(err, "list releases")
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "list releases")
	}
	return out, nil
}

func (v *inventory) UpdateRelease(ctx context.Context, r *core.Release) error {
	now := v.now()
	var created int64
	err := v.write.QueryRowContext(ctx, `UPDATE releases
		SET model_id = ?, version = ?, release_date = ?, support_level = ?, end_of_support = ?,
		    provenance = ?, updated_at = ?
		WHERE id = ? RETURNING created_at`,
		r.ModelID, r.Version, nullDate(r.ReleaseDate), r.SupportLevel, nullDate(r.EndOfSupport),
		codec.Provenance(r.Provenance), micros(now), r.ID).Scan(&created)
	if errors.Is(err, sql.ErrNoRows) {
		return core.NotFound("release", r.ID)
	}
	if err != nil {
		return writeErr(ctx, v.write, err, "release", releaseRefs(r)...)
	}
	r.CreatedAt, r.UpdatedAt = fromMicros(created), now
	return nil
}

func (v *inventory) DeleteRelease(ctx context.Context, id core.ReleaseID) error {
	return v.deleteRow(ctx, "releases", "release", int64(id), "devices")
}
