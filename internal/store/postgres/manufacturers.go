package postgres

import (
	"context"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/store/internal/codec"
)

const manufacturerCols = `id, name, provenance, created_at, updated_at`

func scanManufacturer(sc scanner) (*core.Manufacturer, error) {
	var (
		m    core.Manufacturer
		prov []byte
	)
	if err := sc.Scan(&m.ID, &m.Name, &prov, &m.CreatedAt, &m.UpdatedAt); err != nil {
		return nil, err
	}
	p, err := codec.ParseProvenance(prov)
	if err != nil {
		return nil, decodeErr(err, "manufacturer")
	}
	m.Provenance, m.CreatedAt, m.UpdatedAt = p, m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	return &m, nil
}

func (v *inventory) CreateManufacturer(ctx context.Context, m *core.Manufacturer) error {
	now := v.now()
	var id core.ManufacturerID
	err := v.one(ctx, func(q querier) error {
		return q.QueryRow(ctx, `INSERT INTO manufacturers (name, name_key, provenance, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $4) RETURNING id`,
			m.Name, codec.NameKey(m.Name), codec.Provenance(m.Provenance), now).Scan(&id)
	})
	if err != nil {
		return writeErr(err, "manufacturer")
	}
	m.ID, m.CreatedAt, m.UpdatedAt = id, now, now
	return nil
}

func (v *inventory) GetManufacturer(ctx context.Context, id core.ManufacturerID) (*core.Manufacturer, error) {
	m, err := scanManufacturer(v.q.QueryRow(ctx, `SELECT `+manufacturerCols+` FROM manufacturers WHERE id = $1`, id))
	if isNoRows(err) {
		return nil, core.NotFound("manufacturer", id)
	}
	if err != nil {
		return nil, queryErr(err, "get manufacturer")
	}
	return m, nil
}

func (v *inventory) FindManufacturerByName(ctx context.Context, name string) (*core.Manufacturer, error) {
	m, err := scanManufacturer(v.q.QueryRow(ctx, `SELECT `+manufacturerCols+` FROM manufacturers WHERE name_key = $1`,
		codec.NameKey(name)))
	if isNoRows(err) {
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
	return queryAll(ctx, v.q, "list manufacturers", scanManufacturer,
		`SELECT `+manufacturerCols+` FROM manufacturers WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
}

func (v *inventory) UpdateManufacturer(ctx context.Context, m *core.Manufacturer) error {
	now := v.now()
	var created time.Time
	err := v.one(ctx, func(q querier) error {
		return q.QueryRow(ctx, `UPDATE manufacturers SET name = $1, name_key = $2, provenance = $3, updated_at = $4
			WHERE id = $5 RETURNING created_at`,
			m.Name, codec.NameKey(m.Name), codec.Provenance(m.Provenance), now, m.ID).Scan(&created)
	})
	if isNoRows(err) {
		return core.NotFound("manufacturer", m.ID)
	}
	if err != nil {
		return writeErr(err, "manufacturer")
	}
	m.CreatedAt, m.UpdatedAt = created.UTC(), now
	return nil
}

func (v *inventory) DeleteManufacturer(ctx context.Context, id core.ManufacturerID) error {
	return v.deleteRow(ctx, "manufacturers", "manufacturer", int64(id), "models")
}
