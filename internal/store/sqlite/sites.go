package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/store/internal/codec"
)

const siteCols = `id, name, code, address, provenance, created_at, updated_at`

func scanSite(sc scanner) (*core.Site, error) {
	var (
		s                core.Site
		prov             []byte
		created, updated int64
	)
	if err := sc.Scan(&s.ID, &s.Name, &s.Code, &s.Address, &prov, &created, &updated); err != nil {
		return nil, err
	}
	p, err := codec.ParseProvenance(prov)
	if err != nil {
		return nil, decodeErr(err, "site")
	}
	s.Provenance, s.CreatedAt, s.UpdatedAt = p, fromMicros(created), fromMicros(updated)
	return &s, nil
}

func (v *inventory) CreateSite(ctx context.Context, s *core.Site) error {
	now := v.now()
	res, err := v.write.ExecContext(ctx, `INSERT INTO sites
		(name, name_key, code, address, provenance, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		s.Name, codec.NameKey(s.Name), s.Code, s.Address, codec.Provenance(s.Provenance), micros(now), micros(now))
	if err != nil {
		return writeErr(ctx, v.write, err, "site")
	}
	id, err := res.LastInsertId()
	if err != nil {
		return codec.Internal(err, "create site")
	}
	s.ID, s.CreatedAt, s.UpdatedAt = core.SiteID(id), now, now
	return nil
}

func (v *inventory) GetSite(ctx context.Context, id core.SiteID) (*core.Site, error) {
	s, err := scanSite(v.read.QueryRowContext(ctx, `SELECT `+siteCols+` FROM sites WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.NotFound("site", id)
	}
	if err != nil {
		return nil, queryErr(err, "get site %d", id)
	}
	return s, nil
}

func (v *inventory) FindSiteByName(ctx context.Context, name string) (*core.Site, error) {
	s, err := scanSite(v.read.QueryRowContext(ctx, `SELECT `+siteCols+` FROM sites WHERE name_key = ?`,
		codec.NameKey(name)))
	if errors.Is(err, sql.ErrNoRows) {
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
	rows, err := v.read.QueryContext(ctx, `SELECT `+siteCols+` FROM sites WHERE id > ? ORDER BY id LIMIT ?`,
		after, limit)
	if err != nil {
		return nil, queryErr(err, "list sites")
	}
	defer rows.Close()
	out := []*core.Site{}
	for rows.Next() {
		s, err := scanSite(rows)
		if err != nil {
			return nil, queryErr(err, "list sites")
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "list sites")
	}
	return out, nil
}

func (v *inventory) UpdateSite(ctx context.Context, s *core.Site) error {
	now := v.now()
	var created int64
	err := v.write.QueryRowContext(ctx, `UPDATE sites
		SET name = ?, name_key = ?, code = ?, address = ?, provenance = ?, updated_at = ?
		WHERE id = ? RETURNING created_at`,
		s.Name, codec.NameKey(s.Name), s.Code, s.Address, codec.Provenance(s.Provenance), micros(now),
		s.ID).Scan(&created)
	if errors.Is(err, sql.ErrNoRows) {
		return core.NotFound("site", s.ID)
	}
	if err != nil {
		return writeErr(ctx, v.write, err, "site")
	}
	s.CreatedAt, s.UpdatedAt = fromMicros(created), now
	return nil
}

func (v *inventory) DeleteSite(ctx context.Context, id core.SiteID) error {
	return v.deleteRow(ctx, "sites", "site", int64(id), "zones or devices")
}

// deleteRow deletes one row by id from table.
func (v *inventory) deleteRow(ctx context.Context, table, what string, id int64, referrers string) error {
	res, err := v.write.ExecContext(ctx, `DELETE FROM `+table+` WHERE id = ?`, id)
	if err != nil {
		return deleteErr(err, what, id, referrers)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return codec.Internal(err, "delete %s %d", what, id)
	}
	if n == 0 {
		return core.NotFound(what, id)
	}
	return nil
}
