package postgres

import (
	"context"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/store/internal/codec"
)

const siteCols = `id, name, code, address, provenance, created_at, updated_at`

func scanSite(sc scanner) (*core.Site, error) {
	var (
		s    core.Site
		prov []byte
	)
	if err := sc.Scan(&s.ID, &s.Name, &s.Code, &s.Address, &prov, &s.CreatedAt, &s.UpdatedAt); err != nil {
		return nil, err
	}
	p, err := codec.ParseProvenance(prov)
	if err != nil {
		return nil, decodeErr(err, "site")
	}
	s.Provenance, s.CreatedAt, s.UpdatedAt = p, s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	return &s, nil
}

func (v *inventory) CreateSite(ctx context.Context, s *core.Site) error {
	now := v.now()
	var id core.SiteID
	err := v.one(ctx, func(q querier) error {
		return q.QueryRow(ctx, `INSERT INTO sites
			(name, name_key, code, address, provenance, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
			s.Name, codec.NameKey(s.Name), s.Code, s.Address, codec.Provenance(s.Provenance), now).Scan(&id)
	})
	if err != nil {
		return writeErr(err, "site")
	}
	s.ID, s.CreatedAt, s.UpdatedAt = id, now, now
	return nil
}

func (v *inventory) GetSite(ctx context.Context, id core.SiteID) (*core.Site, error) {
	s, err := scanSite(v.q.QueryRow(ctx, `SELECT `+siteCols+` FROM sites WHERE id = $1`, id))
	if isNoRows(err) {
		return nil, core.NotFound("site", id)
	}
	if err != nil {
		return nil, queryErr(err, "get site")
	}
	return s, nil
}

func (v *inventory) FindSiteByName(ctx context.Context, name string) (*core.Site, error) {
	s, err := scanSite(v.q.QueryRow(ctx, `SELECT `+siteCols+` FROM sites WHERE name_key = $1`, codec.NameKey(name)))
	if isNoRows(err) {
		return nil, core.NotFound("site", name)
	}
	if err != nil {
		return nil, queryErr(err, "find site by name")
	}
	return s, nil
}

func (v *inventory) ListSites(ctx context.Context, opt core.ListOptions) ([]*core.Site, error) {
	after, limit, err := listArgs(opt)
	if err != nil {
		return nil, err
	}
	return queryAll(ctx, v.q, "list sites", scanSite,
		`SELECT `+siteCols+` FROM sites WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
}

func (v *inventory) UpdateSite(ctx context.Context, s *core.Site) error {
	now := v.now()
	var created time.Time
	err := v.one(ctx, func(q querier) error {
		return q.QueryRow(ctx, `UPDATE sites
			SET name = $1, name_key = $2, code = $3, address = $4, provenance = $5, updated_at = $6
			WHERE id = $7 RETURNING created_at`,
			s.Name, codec.NameKey(s.Name), s.Code, s.Address, codec.Provenance(s.Provenance), now, s.ID).Scan(&created)
	})
	if isNoRows(err) {
		return core.NotFound("site", s.ID)
	}
	if err != nil {
		return writeErr(err, "site")
	}
	s.CreatedAt, s.UpdatedAt = created.UTC(), now
	return nil
}

func (v *inventory) DeleteSite(ctx context.Context, id core.SiteID) error {
	return v.deleteRow(ctx, "sites", "site", int64(id), "zones or devices")
}

// deleteRow deletes one row by id from table.
func (v *inventory) deleteRow(ctx context.Context, table, what string, id int64, referrers string) error {
	var n int64
	err := v.one(ctx, func(q querier) error {
		tag, err := q.Exec(ctx, `DELETE FROM `+table+` WHERE id = $1`, id)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return deleteErr(err, what, id, referrers)
	}
	if n == 0 {
		return core.NotFound(what, id)
	}
	return nil
}

// queryAll runs a query and scans every row with scan.
func queryAll[T any](ctx context.Context, q querier, doing string, scan func(scanner) (*T, error), sql string, args ...any) ([]*T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, queryErr(err, doing)
	}
	defer rows.Close()
	out := []*T{}
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return nil, queryErr(err, doing)
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, doing)
	}
	return out, nil
}
