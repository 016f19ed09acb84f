package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/store/internal/codec"
)

const zoneCols = `id, site_id, name, cidrs, vlans, do_not_probe, provenance, created_at, updated_at`

func scanZone(sc scanner) (*core.Zone, error) {
	var (
		z                  core.Zone
		cidrs, vlans, prov []byte
		created, updated   int64
	)
	if err := sc.Scan(&z.ID, &z.SiteID, &z.Name, &cidrs, &vlans, &z.DoNotProbe, &prov, &created, &updated); err != nil {
		return nil, err
	}
	var err1, err2, err3 error
	z.CIDRs, err1 = codec.ParseStrings(cidrs)
	z.VLANs, err2 = codec.ParseInts(vlans)
	z.Provenance, err3 = codec.ParseProvenance(prov)
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, decodeErr(err, "zone")
	}
	z.CreatedAt, z.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &z, nil
}

func zoneRefs(z *core.Zone) []ref { return []ref{{"site_id", "sites", int64(z.SiteID)}} }

func (v *inventory) CreateZone(ctx context.Context, z *core.Zone) error {
	now := v.now()
	res, err := v.write.ExecContext(ctx, `INSERT INTO zones
		(site_id, name, name_key, cidrs, vlans, do_not_probe, provenance, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		z.SiteID, z.Name, codec.NameKey(z.Name), codec.Strings(z.CIDRs), codec.Ints(z.VLANs),
		boolInt(z.DoNotProbe), codec.Provenance(z.Provenance), micros(now), micros(now))
	if err != nil {
		return writeErr(ctx, v.write, err, "zone", zoneRefs(z)...)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return codec.Internal(err, "create zone")
	}
	z.ID, z.CreatedAt, z.UpdatedAt = core.ZoneID(id), now, now
	return nil
}

func (v *inventory) GetZone(ctx context.Context, id core.ZoneID) (*core.Zone, error) {
	z, err := scanZone(v.read.QueryRowContext(ctx, `SELECT `+zoneCols+` FROM zones WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.NotFound("zone", id)
	}
	if err != nil {
		return nil, queryErr(err, "get zone %d", id)
	}
	return z, nil
}

func (v *inventory) FindZoneByName(ctx context.Context, site core.SiteID, name string) (*core.Zone, error) {
	z, err := scanZone(v.read.QueryRowContext(ctx,
		`SELECT `+zoneCols+` FROM zones WHERE site_id = ? AND name_key = ?`, site, codec.NameKey(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.NotFound("zone", name)
	}
	if err != nil {
		return nil, queryErr(err, "find zone by name")
	}
	return z, nil
}

func (v *inventory) ListZones(ctx context.Context, site core.SiteID, opt core.ListOptions) ([]*core.Zone, error) {
	after, limit, err := listArgs(opt)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + zoneCols + ` FROM zones WHERE id > ? ORDER BY id LIMIT ?`
	args := []any{after, limit}
	if site != 0 {
		q = `SELECT ` + zoneCols + ` FROM zones WHERE site_id = ? AND id > ? ORDER BY id LIMIT ?`
		args = []any{site, after, limit}
	}
	rows, err := v.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, queryErr(err, "list zones")
	}
	defer rows.Close()
	out := []*core.Zone{}
	for rows.Next() {
		z, err := scanZone(rows)
		if err != nil {
			return nil, queryErr(err, "list zones")
		}
		out = append(out, z)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "list zones")
	}
	return out, nil
}

func (v *inventory) UpdateZone(ctx context.Context, z *core.Zone) error {
	now := v.now()
	var created int64
	err := v.write.QueryRowContext(ctx, `UPDATE zones
		SET site_id = ?, name = ?, name_key = ?, cidrs = ?, vlans = ?, do_not_probe = ?, provenance = ?,
		    updated_at = ?
		WHERE id = ? RETURNING created_at`,
		z.SiteID, z.Name, codec.NameKey(z.Name), codec.Strings(z.CIDRs), codec.Ints(z.VLANs),
		boolInt(z.DoNotProbe), codec.Provenance(z.Provenance), micros(now), z.ID).Scan(&created)
	if errors.Is(err, sql.ErrNoRows) {
		return core.NotFound("zone", z.ID)
	}
	if err != nil {
		return writeErr(ctx, v.write, err, "zone", zoneRefs(z)...)
	}
	z.CreatedAt, z.UpdatedAt = fromMicros(created), now
	return nil
}

func (v *inventory) DeleteZone(ctx context.Context, id core.ZoneID) error {
	return v.deleteRow(ctx, "zones", "zone", int64(id), "devices")
}
