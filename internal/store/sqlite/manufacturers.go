package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/store/internal/codec"
)

const manufacturerCols = `id, name, provenance, created_at, updated_at`

func scanManufacturer(sc scanner) (*core.Manufacturer, error) {
	var (
		m                core.Manufacturer
		prov             []byte
		created, updated int64
	)
	if err := sc.Scan(&m.ID, &m.Name, &prov, &created, &updated); err != nil {
		return nil, err
	}
	p, err := codec.ParseProvenance(prov)
	if err != nil {
		return nil, decodeErr(err, "manufacturer")
	}
	m.Provenance, m.CreatedAt, m.UpdatedAt = p, fromMicros(created), fromMicros(updated)
	return &m, nil
}

func (v *inventory) CreateManufacturer(ctx context.Context, m *core.Manufacturer) error {
	now := v.now()
	res, err := v.write.ExecContext(ctx, `INSERT INTO manufacturers
		(name, name_key, provenance, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
		m.Name, codec.NameKey(m.Name), codec.Provenance(m.Provenance), micros(now), micros(now))
	if err != nil {
		return writeErr(ctx, v.write, err, "manufacturer")
	}
	id, err := res.LastInsertId()
	if err != nil {
		return codec.Internal(err, "create manufacturer")
	}
	m.ID, m.CreatedAt, m.UpdatedAt = core.ManufacturerID(id), now, now
	return nil
}

func (v *inventory) GetManufacturer(ctx context.Context, id core.ManufacturerID) (*core.Manufacturer, error) {
	m, err := scanManufacturer(v.read.QueryRowContext(ctx,
		`SELECT `+manufacturerCols+` FROM manufacturers WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.NotFound("manufacturer", id)
	}
	if err != nil {
		return nil, queryErr(err, "get manufacturer %d", id)
	}
	return m, nil
}

func (v *inventory) FindManufacturerByName(ctx context.Context, name string) (*core.Manufacturer, error) {
	m, err := scanManufacturer(v.read.QueryRowContext(ctx,
		`SELECT `+manufacturerCols+` FROM manufacturers WHERE name_key = ?`, codec.NameKey(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.NotFound("manufacturer", name)
	}
	if err != nil {
		return nil, queryErr(err, "find manufacturer by name")
	}
	return m, nil
}

func (v *inventory) ListManufacturers(ctx context.Context, opt core.ListOptions) ([]*core.Manufacturer, error) {
	after, limit, err := listArgs(opt)
	if err != nil {
		return nil, err
	}
	rows, err := v.read.QueryContext(ctx,
		`SELECT `+manufacturerCols+` FROM manufacturers WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, queryErr(err, "list manufacturers")
	}
	defer rows.Close()
	out := []*core.Manufacturer{}
	for rows.Next() {
		m, err := scanManufacturer(rows)
		if err != nil {
			return nil, queryErr(err, "list manufacturers")
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "list manufacturers")
	}
	return out, nil
}

func (v *inventory) UpdateManufacturer(ctx context.Context, m *core.Manufacturer) error {
	now := v.now()
	var created int64
	err := v.write.QueryRowContext(ctx, `UPDATE manufacturers
		SET name = ?, name_key = ?, provenance = ?, updated_at = ? WHERE id = ? RETURNING created_at`,
		m.Name, codec.NameKey(m.Name), codec.Provenance(m.Provenance), micros(now), m.ID).Scan(&created)
	if errors.Is(err, sql.ErrNoRows) {
		return core.NotFound("manufacturer", m.ID)
	}
	if err != nil {
		return writeErr(ctx, v.write, err, "manufacturer")
	}
	m.CreatedAt, m.UpdatedAt = fromMicros(created), now
	return nil
}

func (v *inventory) DeleteManufacturer(ctx context.Context, id core.ManufacturerID) error {
	return v.deleteRow(ctx, "manufacturers", "manufacturer", int64(id), "models")
}
