package postgres

import (
	"context"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/store/internal/codec"
)

const releaseCols = `id, model_id, version, release_date, support_level, end_of_support, provenance,
	created_at, updated_at`

func scanRelease(sc scanner) (*core.Release, error) {
	var (
		r             core.Release
		released, eos *time.Time
		prov          []byte
	)
	if err := sc.Scan(&r.ID, &r.ModelID, &r.Version, &released, &r.SupportLevel, &eos, &prov,
		&r.CreatedAt, &r.UpdatedAt); err != nil {
		return nil, err
	}
	p, err := codec.ParseProvenance(prov)
	if err != nil {
		return nil, decodeErr(err, "release")
	}
	r.ReleaseDate, r.EndOfSupport = fromNullDate(released), fromNullDate(eos)
	r.Provenance, r.CreatedAt, r.UpdatedAt = p, r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return &r, nil
}

func (v *inventory) CreateRelease(ctx context.Context, r *core.Release) error {
	now := v.now()
	var id core.ReleaseID
	err := v.one(ctx, func(q querier) error {
		return q.QueryRow(ctx, `INSERT INTO releases
			(model_id, version, release_date, support_level, end_of_support, provenance, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
			r.ModelID, r.Version, nullDate(r.ReleaseDate), r.SupportLevel, nullDate(r.EndOfSupport),
			codec.Provenance(r.Provenance), now).Scan(&id)
	})
	if err != nil {
		return writeErr(err, "release")
	}
	r.ID, r.CreatedAt, r.UpdatedAt = id, now, now
	return nil
}

func (v *inventory) GetRelease(ctx context.Context, id core.ReleaseID) (*core.Release, error) {
	r, err := scanRelease(v.q.QueryRow(ctx, `SELECT `+releaseCols+` FROM releases WHERE id = $1`, id))
	if isNoRows(err) {
		return nil, core.NotFound("release", id)
	}
	if err != nil {
		return nil, queryErr(err, "get release")
	}
	return r, nil
}

func (v *inventory) FindRelease(ctx context.Context, model core.ModelID, version string) (*core.Release, error) {
	r, err := scanRelease(v.q.QueryRow(ctx, `SELECT `+releaseCols+` FROM releases WHERE model_id = $1 AND version = $2`,
		model, version))
	if isNoRows(err) {
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
	if model == 0 {
		return queryAll(ctx, v.q, "list releases", scanRelease,
			`SELECT `+releaseCols+` FROM releases WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	}
	return queryAll(ctx, v.q, "list releases", scanRelease,
		`SELECT `+releaseCols+` FROM releases WHERE model_id = $1 AND id > $2 ORDER BY id LIMIT $3`, model, after, limit)
}

func (v *inventory) UpdateRelease(ctx context.Context, r *core.Release) error {
	now := v.now()
	var created time.Time
	err := v.one(ctx, func(q querier) error {
		return q.QueryRow(ctx, `UPDATE releases
			SET model_id = $1, version = $2, release_date = $3, support_level = $4, end_of_support = $5,
			    provenance = $6, updated_at = $7
			WHERE id = $8 RETURNING created_at`,
			r.ModelID, r.Version, nullDate(r.ReleaseDate), r.SupportLevel, nullDate(r.EndOfSupport),
			codec.Provenance(r.Provenance), now, r.ID).Scan(&created)
	})
	if isNoRows(err) {
		return core.NotFound("release", r.ID)
	}
	if err != nil {
		return writeErr(err, "release")
	}
	r.CreatedAt, r.UpdatedAt = created.UTC(), now
	return nil
}

func (v *inventory) DeleteRelease(ctx context.Context, id core.ReleaseID) error {
	return v.deleteRow(ctx, "releases", "release", int64(id), "devices")
}
