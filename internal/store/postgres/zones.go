package postgres

import (
	"context"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/store/internal/codec"
)

const zoneCols = `id, site_id, name, cidrs, vlans, do_not_probe, provenance, created_at, updated_at`

func scanZone(sc scanner) (*core.Zone, error) {
	var (
		z    core.Zone
		prov []byte
	)
	if err := sc.Scan(&z.ID, &z.SiteID, &z.Name, &z.CIDRs, &z.VLANs, &z.DoNotProbe, &prov,
		&z.CreatedAt, &z.UpdatedAt); err != nil {
		return nil, err
	}
	p, err := codec.ParseProvenance(prov)
	if err != nil {
		return nil, decodeErr(err, "zone")
	}
	z.CIDRs, z.VLANs = codec.NonNil(z.CIDRs), codec.NonNil(z.VLANs)
	z.Provenance, z.CreatedAt, z.UpdatedAt = p, z.CreatedAt.UTC(), z.UpdatedAt.UTC()
	return &z, nil
}

func (v *inventory) CreateZone(ctx context.Context, z *core.Zone) error {
	now := v.now()
	var id core.ZoneID
	err := v.one(ctx, func(q querier) error {
		return q.QueryRow(ctx, `INSERT INTO zones
			(site_id, name, name_key, cidrs, vlans, do_not_probe, provenance, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
			z.SiteID, z.Name, codec.NameKey(z.Name), codec.NonNil(z.CIDRs), codec.NonNil(z.VLANs), z.DoNotProbe,
			codec.Provenance(z.Provenance), now).Scan(&id)
	})
	if err != nil {
		return writeErr(err, "zone")
	}
	z.ID, z.CreatedAt, z.UpdatedAt = id, now, now
	return nil
}

func (v *inventory) GetZone(ctx context.Context, id core.ZoneID) (*core.Zone, error) {
	z, err := scanZone(v.q.QueryRow(ctx, `SELECT `+zoneCols+` FROM zones WHERE id = $1`, id))
	if isNoRows(err) {
		return nil, core.NotFound("zone", id)
	}
	if err != nil {
		return nil, queryErr(err, "get zone")
	}
	return z, nil
}

func (v *inventory) FindZoneByName(ctx context.Context, site core.SiteID, name string) (*core.Zone, error) {
	z, err := scanZone(v.q.QueryRow(ctx, `SELECT `+zoneCols+` FROM zones WHERE site_id = $1 AND name_key = $2`,
		site, codec.NameKey(name)))
	if isNoRows(err) {
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
	if site == 0 {
		return queryAll(ctx, v.q, "list zones", scanZone,
			`SELECT `+zoneCols+` FROM zones WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	}
	return queryAll(ctx, v.q, "list zones", scanZone,
		`SELECT `+zoneCols+` FROM zones WHERE site_id = $1 AND id > $2 ORDER BY id LIMIT $3`, site, after, limit)
}

func (v *inventory) UpdateZone(ctx context.Context, z *core.Zone) error {
	now := v.now()
	var created time.Time
	err := v.one(ctx, func(q querier) error {
		return q.QueryRow(ctx, `UPDATE zones
			SET site_id = $1, name = $2, name_key = $3, cidrs = $4, vlans = $5, do_not_probe = $6,
			    provenance = $7, updated_at = $8
			WHERE id = $9 RETURNING created_at`,
			z.SiteID, z.Name, codec.NameKey(z.Name), codec.NonNil(z.CIDRs), codec.NonNil(z.VLANs), z.DoNotProbe,
			codec.Provenance(z.Provenance), now, z.ID).Scan(&created)
	})
	if isNoRows(err) {
		return core.NotFound("zone", z.ID)
	}
	if err != nil {
		return writeErr(err, "zone")
	}
	z.CreatedAt, z.UpdatedAt = created.UTC(), now
	return nil
}

func (v *inventory) DeleteZone(ctx context.Context, id core.ZoneID) error {
	return v.deleteRow(ctx, "zones", "zone", int64(id), "devices")
}
