package postgres

import (
	"context"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/store/internal/codec"
)

const modelCols = `id, manufacturer_id, name, number, device_type, fda_class, function, handles_phi,
	provenance, created_at, updated_at`

func scanModel(sc scanner) (*core.Model, error) {
	var (
		m    core.Model
		prov []byte
	)
	if err := sc.Scan(&m.ID, &m.ManufacturerID, &m.Name, &m.Number, &m.DeviceType, &m.FDAClass, &m.Function,
		&m.HandlesPHI, &prov, &m.CreatedAt, &m.UpdatedAt); err != nil {
		return nil, err
	}
	p, err := codec.ParseProvenance(prov)
	if err != nil {
		return nil, decodeErr(err, "model")
	}
	m.Provenance, m.CreatedAt, m.UpdatedAt = p, m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	return &m, nil
}

func (v *inventory) CreateModel(ctx context.Context, m *core.Model) error {
	now := v.now()
	var id core.ModelID
	err := v.one(ctx, func(q querier) error {
		return q.QueryRow(ctx, `INSERT INTO models
			(manufacturer_id, name, name_key, number, device_type, fda_class, function, handles_phi,
			 provenance, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
			m.ManufacturerID, m.Name, codec.NameKey(m.Name), m.Number, m.DeviceType, m.FDAClass, string(m.Function),
			m.HandlesPHI, codec.Provenance(m.Provenance), now).Scan(&id)
	})
	if err != nil {
		return writeErr(err, "model")
	}
	m.ID, m.CreatedAt, m.UpdatedAt = id, now, now
	return nil
}

func (v *inventory) GetModel(ctx context.Context, id core.ModelID) (*core.Model, error) {
	m, err := scanModel(v.q.QueryRow(ctx, `SELECT `+modelCols+` FROM models WHERE id = $1`, id))
	if isNoRows(err) {
		return nil, core.NotFound("model", id)
	}
	if err != nil {
		return nil, queryErr(err, "get model")
	}
	return m, nil
}

func (v *inventory) FindModelByName(ctx context.Context, mfr core.ManufacturerID, name string) (*core.Model, error) {
	m, err := scanModel(v.q.QueryRow(ctx, `SELECT `+modelCols+` FROM models WHERE manufacturer_id = $1 AND name_key = $2`,
		mfr, codec.NameKey(name)))
	if isNoRows(err) {
		return nil, core.NotFound("model", name)
	}
	if err != nil {
		return nil, queryErr(err, "find model by name")
	}
	return m, nil
}

func (v *inventory) ListModels(ctx context.Context, mfr core.ManufacturerID, opt core.ListOptions) ([]*core.Model, error) {
	after, limit, err := listArgs(opt)
	if err != nil {
		return nil, err
	}
	if mfr == 0 {
		return queryAll(ctx, v.q, "list models", scanModel,
			`SELECT `+modelCols+` FROM models WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	}
	return queryAll(ctx, v.q, "list models", scanModel,
		`SELECT `+modelCols+` FROM models WHERE manufacturer_id = $1 AND id > $2 ORDER BY id LIMIT $3`, mfr, after, limit)
}

func (v *inventory) UpdateModel(ctx context.Context, m *core.Model) error {
	now := v.now()
	var created time.Time
	err := v.one(ctx, func(q querier) error {
		return q.QueryRow(ctx, `UPDATE models
			SET manufacturer_id = $1, name = $2, name_key = $3, number = $4, device_type = $5, fda_class = $6,
			    function = $7, handles_phi = $8, provenance = $9, updated_at = $10
			WHERE id = $11 RETURNING created_at`,
			m.ManufacturerID, m.Name, codec.NameKey(m.Name), m.Number, m.DeviceType, m.FDAClass, string(m.Function),
			m.HandlesPHI, codec.Provenance(m.Provenance), now, m.ID).Scan(&created)
	})
	if isNoRows(err) {
		return core.NotFound("model", m.ID)
	}
	if err != nil {
		return writeErr(err, "model")
	}
	m.CreatedAt, m.UpdatedAt = created.UTC(), now
	return nil
}

func (v *inventory) DeleteModel(ctx context.Context, id core.ModelID) error {
	return v.deleteRow(ctx, "models", "model", int64(id), "releases or devices")
}
