package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/store/internal/codec"
)

const modelCols = `id, manufacturer_id, name, number, device_type, fda_class, function, handles_phi,
	provenance, created_at, updated_at`

func scanModel(sc scanner) (*core.Model, error) {
	var (
		m                core.Model
		prov             []byte
		created, updated int64
	)
	if err := sc.Scan(&m.ID, &m.ManufacturerID, &m.Name, &m.Number, &m.DeviceType, &m.FDAClass, &m.Function,
		&m.HandlesPHI, &prov, &created, &updated); err != nil {
		return nil, err
	}
	p, err := codec.ParseProvenance(prov)
	if err != nil {
		return nil, decodeErr(err, "model")
	}
	m.Provenance, m.CreatedAt, m.UpdatedAt = p, fromMicros(created), fromMicros(updated)
	return &m, nil
}

func modelRefs(m *core.Model) []ref {
	return []ref{{"manufacturer_id", "manufacturers", int64(m.ManufacturerID)}}
}

func (v *inventory) CreateModel(ctx context.Context, m *core.Model) error {
	now := v.now()
	res, err := v.write.ExecContext(ctx, `INSERT INTO models
		(manufacturer_id, name, name_key, number, device_type, fda_class, function, handles_phi,
		 provenance, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ManufacturerID, m.Name, codec.NameKey(m.Name), m.Number, m.DeviceType, m.FDAClass, string(m.Function),
		boolInt(m.HandlesPHI), codec.Provenance(m.Provenance), micros(now), micros(now))
	if err != nil {
		return writeErr(ctx, v.write, err, "model", modelRefs(m)...)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return codec.Internal(err, "create model")
	}
	m.ID, m.CreatedAt, m.UpdatedAt = core.ModelID(id), now, now
	return nil
}

func (v *inventory) GetModel(ctx context.Context, id core.ModelID) (*core.Model, error) {
	m, err := scanModel(v.read.QueryRowContext(ctx, `SELECT `+modelCols+` FROM models WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.NotFound("model", id)
	}
	if err != nil {
		return nil, queryErr(err, "get model %d", id)
	}
	return m, nil
}

func (v *inventory) FindModelByName(ctx context.Context, mfr core.ManufacturerID, name string) (*core.Model, error) {
	m, err := scanModel(v.read.QueryRowContext(ctx,
		`SELECT `+modelCols+` FROM models WHERE manufacturer_id = ? AND name_key = ?`, mfr, codec.NameKey(name)))
	if errors.Is(err, sql.ErrNoRows) {
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
	q := `SELECT ` + modelCols + ` FROM models WHERE id > ? ORDER BY id LIMIT ?`
	args := []any{after, limit}
	if mfr != 0 {
		q = `SELECT ` + modelCols + ` FROM models WHERE manufacturer_id = ? AND id > ? ORDER BY id LIMIT ?`
		args = []any{mfr, after, limit}
	}
	rows, err := v.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, queryErr(err, "list models")
	}
	defer rows.Close()
	out := []*core.Model{}
	for rows.Next() {
		m, err := scanModel(rows)
		if err != nil {
			return nil, queryErr(err, "list models")
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "list models")
	}
	return out, nil
}

func (v *inventory) UpdateModel(ctx context.Context, m *core.Model) error {
	now := v.now()
	var created int64
	err := v.write.QueryRowContext(ctx, `UPDATE models
		SET manufacturer_id = ?, name = ?, name_key = ?, number = ?, device_type = ?, fda_class = ?,
		    function = ?, handles_phi = ?, provenance = ?, updated_at = ?
		WHERE id = ? RETURNING created_at`,
		m.ManufacturerID, m.Name, codec.NameKey(m.Name), m.Number, m.DeviceType, m.FDAClass, string(m.Function),
		boolInt(m.HandlesPHI), codec.Provenance(m.Provenance), micros(now), m.ID).Scan(&created)
	if errors.Is(err, sql.ErrNoRows) {
		return core.NotFound("model", m.ID)
	}
	if err != nil {
		return writeErr(ctx, v.write, err, "model", modelRefs(m)...)
	}
	m.CreatedAt, m.UpdatedAt = fromMicros(created), now
	return nil
}

func (v *inventory) DeleteModel(ctx context.Context, id core.ModelID) error {
	return v.deleteRow(ctx, "models", "model", int64(id), "releases or devices")
}
