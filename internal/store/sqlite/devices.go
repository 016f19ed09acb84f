package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/store/internal/codec"
)

const deviceCols = `d.id, d.asset_tag, d.serial, d.name, d.model_id, d.release_id, d.site_id, d.zone_id,
	d.location, d.owner, d.lifecycle, d.macs, d.ips, d.hostnames, d.ae_titles, d.hl7, d.udi,
	d.first_seen, d.last_seen, d.notes, d.provenance, d.version, d.created_at, d.updated_at`

func scanDevice(sc scanner) (*core.Device, error) {
	var (
		d                                     core.Device
		model, release, site, zone            sql.NullInt64
		loc, macs, ips, hosts, aes, hl7, prov []byte
		first, last                           sql.NullInt64
		created, updated                      int64
	)
	if err := sc.Scan(&d.ID, &d.AssetTag, &d.Serial, &d.Name, &model, &release, &site, &zone,
		&loc, &d.Owner, &d.Lifecycle, &macs, &ips, &hosts, &aes, &hl7, &d.UDI,
		&first, &last, &d.Notes, &prov, &d.Version, &created, &updated); err != nil {
		return nil, err
	}
	d.ModelID, d.ReleaseID = core.ModelID(model.Int64), core.ReleaseID(release.Int64)
	d.SiteID, d.ZoneID = core.SiteID(site.Int64), core.ZoneID(zone.Int64)
	var errs [7]error
	d.Location, errs[0] = codec.ParseLocation(loc)
	d.MACs, errs[1] = codec.ParseStrings(macs)
	d.IPs, errs[2] = codec.ParseStrings(ips)
	d.Hostnames, errs[3] = codec.ParseStrings(hosts)
	d.AETitles, errs[4] = codec.ParseStrings(aes)
	d.HL7, errs[5] = codec.ParseHL7(hl7)
	d.Provenance, errs[6] = codec.ParseProvenance(prov)
	if err := errors.Join(errs[:]...); err != nil {
		return nil, decodeErr(err, "device")
	}
	d.FirstSeen, d.LastSeen = fromNullMicros(first), fromNullMicros(last)
	d.CreatedAt, d.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &d, nil
}

// deviceValues are d's column values in the order of the columns that
// insertDevice and updateDevice both write.
func deviceValues(d *core.Device, extra ...any) []any {
	return append([]any{d.AssetTag, d.Serial, d.Name, nullID(d.ModelID), nullID(d.ReleaseID), nullID(d.SiteID),
		nullID(d.ZoneID), codec.Location(d.Location), d.Owner, string(d.Lifecycle), codec.Strings(d.MACs),
		codec.Strings(d.IPs), codec.Strings(d.Hostnames), codec.Strings(d.AETitles), codec.HL7(d.HL7), d.UDI,
		nullMicros(codec.TimePtr(d.FirstSeen)), nullMicros(codec.TimePtr(d.LastSeen)), d.Notes,
		codec.Provenance(d.Provenance)}, extra...)
}

const insertDevice = `INSERT INTO devices
	(asset_tag, serial, name, model_id, release_id, site_id, zone_id, location, owner, lifecycle, macs, ips,
	 hostnames, ae_titles, hl7, udi, first_seen, last_seen, notes, provenance,
	 version, created_at, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`

const updateDevice = `UPDATE devices SET
	asset_tag = ?, serial = ?, name = ?, model_id = ?, release_id = ?, site_id = ?, zone_id = ?, location = ?,
	owner = ?, lifecycle = ?, macs = ?, ips = ?, hostnames = ?, ae_titles = ?, hl7 = ?, udi = ?,
	first_seen = ?, last_seen = ?, notes = ?, provenance = ?,
	version = version + 1, updated_at = ?
	WHERE id = ? AND version = ?
	RETURNING version, created_at`

func deviceRefs(d *core.Device) []ref {
	return []ref{
		{"model_id", "models", int64(d.ModelID)},
		{"release_id", "releases", int64(d.ReleaseID)},
		{"site_id", "sites", int64(d.SiteID)},
		{"zone_id", "zones", int64(d.ZoneID)},
	}
}

func (v *inventory) CreateDevice(ctx context.Context, d *core.Device) error {
	return v.CreateDevices(ctx, []*core.Device{d})
}

// CreateDevices inserts the devices in one transaction (or savepoint): the
// devices with a prepared statement, then their MACs and search text many
// rows per statement. IDs are set only once all of them are in.
func (v *inventory) CreateDevices(ctx context.Context, ds []*core.Device) error {
	if len(ds) == 0 {
		return nil
	}
	now := v.now()
	ids := make([]int64, len(ds))
	err := v.atomic(ctx, func(q querier) error {
		ins, err := q.PrepareContext(ctx, insertDevice)
		if err != nil {
			return codec.Internal(err, "prepare device insert")
		}
		defer ins.Close()
		// The driver watches a cancellable context with a goroutine per
		// statement; for thousands of short inserts checking ctx every few
		// rows is as responsive and much cheaper.
		rowCtx := context.WithoutCancel(ctx)
		var macs, search []any
		for i, d := range ds {
			if i%64 == 63 {
				if err := ctx.Err(); err != nil {
					return core.Wrap(core.KindUnavailable, err, "create devices")
				}
			}
			res, err := ins.ExecContext(rowCtx, deviceValues(d, micros(now), micros(now))...)
			if err != nil {
				return writeErr(ctx, q, err, "device", deviceRefs(d)...)
			}
			if ids[i], err = res.LastInsertId(); err != nil {
				return codec.Internal(err, "create device")
			}
			for _, m := range d.MACs {
				macs = append(macs, m, ids[i])
			}
			search = append(search, ids[i], codec.SearchText(d))
		}
		if err := insertRows(rowCtx, q, "device_macs (mac, device_id)", 2, macs); err != nil {
			return writeErr(ctx, q, err, "device")
		}
		if err := insertRows(rowCtx, q, "device_search (device_id, text)", 2, search); err != nil {
			return codec.Internal(err, "create devices")
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, d := range ds {
		d.ID, d.Version, d.CreatedAt, d.UpdatedAt = core.DeviceID(ids[i]), 1, now, now
	}
	return nil
}

// insertRows inserts the rows flattened in args, width values each, into
// target ("table (col, ...)"), up to 128 rows per statement.
func insertRows(ctx context.Context, q querier, target string, width int, args []any) error {
	const chunk = 128
	stmt := func(rows int) string {
		row := "(?" + strings.Repeat(", ?", width-1) + ")"
		return "INSERT INTO " + target + " VALUES " + row + strings.Repeat(", "+row, rows-1)
	}
	per := chunk * width
	if len(args) >= per {
		full, err := q.PrepareContext(ctx, stmt(chunk))
		if err != nil {
			return err
		}
		defer full.Close()
		for len(args) >= per {
			if _, err := full.ExecContext(ctx, args[:per]...); err != nil {
				return err
			}
			args = args[per:]
		}
	}
	if len(args) > 0 {
		_, err := q.ExecContext(ctx, stmt(len(args)/width), args...)
		return err
	}
	return nil
}

func (v *inventory) GetDevice(ctx context.Context, id core.DeviceID) (*core.Device, error) {
	d, err := scanDevice(v.read.QueryRowContext(ctx, `SELECT `+deviceCols+` FROM devices d WHERE d.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.NotFound("device", id)
	}
	if err != nil {
		return nil, queryErr(err, "get device %d", id)
	}
	return d, nil
}

func (v *inventory) FindDevices(ctx context.Context, keys core.DeviceKeys) ([]*core.Device, error) {
	tags, serials, macs := codec.CleanKeys(keys)
	if len(tags)+len(serials)+len(macs) == 0 {
		return []*core.Device{}, nil
	}
	// json_each takes any number of keys in one parameter; each branch of
	// the union uses its own index.
	return v.queryDevices(ctx, "find devices", `SELECT `+deviceCols+` FROM devices d WHERE d.id IN (
		SELECT id FROM devices WHERE asset_tag IN (SELECT value FROM json_each(?1)) AND asset_tag <> ''
		UNION SELECT id FROM devices WHERE serial IN (SELECT value FROM json_each(?2))
		UNION SELECT device_id FROM device_macs WHERE mac IN (SELECT value FROM json_each(?3)))
		ORDER BY d.id`,
		codec.Strings(tags), codec.Strings(serials), codec.Strings(macs))
}

func (v *inventory) queryDevices(ctx context.Context, doing, query string, args ...any) ([]*core.Device, error) {
	rows, err := v.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, queryErr(err, "%s", doing)
	}
	defer rows.Close()
	out := []*core.Device{}
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, queryErr(err, "%s", doing)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "%s", doing)
	}
	return out, nil
}

func (v *inventory) ListDevices(ctx context.Context, f core.DeviceFilter) (*core.DevicePage, error) {
	srt, limit, err := codec.DevicePlan(f)
	if err != nil {
		return nil, err
	}
	var (
		where []string
		args  []any
		join  bool
	)
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if f.SiteID != 0 {
		add("d.site_id = ?", f.SiteID)
	}
	if f.ZoneID != 0 {
		add("d.zone_id = ?", f.ZoneID)
	}
	if f.ModelID != 0 {
		add("d.model_id = ?", f.ModelID)
	}
	if f.ManufacturerID != 0 {
		add("m.manufacturer_id = ?", f.ManufacturerID)
		join = true
	}
	if t := core.NormalizeDeviceType(f.DeviceType); t != "" {
		add("m.device_type = ?", t)
		join = true
	}
	if f.Function != "" {
		add("m.function = ?", string(f.Function))
		join = true
	}
	if f.Lifecycle != "" {
		add("d.lifecycle = ?", string(f.Lifecycle))
	}
	if q := codec.SearchQuery(f.Query); q != "" {
		add("d.id IN (SELECT device_id FROM device_search WHERE instr(text, ?) > 0)", q)
	}
	if f.After != nil {
		cond, a, err := keyset(srt, f.After)
		if err != nil {
			return nil, err
		}
		add(cond, a...)
	}

	dir := " ASC"
	if srt.Desc {
		dir = " DESC"
	}
	// SQLite sorts NULL first ascending and last descending: a device never
	// seen counts as seen longest ago.
	order := " ORDER BY d.id" + dir
	if srt.Key != "id" {
		order = " ORDER BY " + srt.Column + dir + ", d.id" + dir
	}
	// Two phases: pick the page's ids reading only the columns filters and
	// sort need, then fetch those rows whole. SQLite would otherwise carry
	// every candidate's full row through its sorter.
	var b strings.Builder
	b.WriteString("SELECT " + deviceCols + " FROM (SELECT d.id FROM devices d")
	if join {
		b.WriteString(" JOIN models m ON m.id = d.model_id")
	}
	if len(where) > 0 {
		b.WriteString(" WHERE " + strings.Join(where, " AND "))
	}
	b.WriteString(order + " LIMIT ?) p CROSS JOIN devices d ON d.id = p.id" + order)
	args = append(args, limit+1)

	ds, err := v.queryDevices(ctx, "list devices", b.String(), args...)
	if err != nil {
		return nil, err
	}
	page := &core.DevicePage{Devices: ds}
	if len(ds) > limit {
		page.Devices = ds[:limit]
		page.Next = codec.Cursor(f.Sort, srt, ds[limit-1])
	}
	return page, nil
}

// keyset returns the condition selecting the rows after cursor c in sort
// order s.
func keyset(s codec.Sort, c *core.DeviceCursor) (string, []any, error) {
	op := ">"
	if s.Desc {
		op = "<"
	}
	col := s.Column
	switch s.Key {
	case "id":
		return "d.id " + op + " ?", []any{c.ID}, nil
	case "name", "asset_tag", "serial":
		return "(" + col + ", d.id) " + op + " (?, ?)", []any{c.Value, c.ID}, nil
	case "updated_at":
		t, err := codec.ParseTimeCursor(c.Value, false)
		if err != nil {
			return "", nil, err
		}
		return "(d.updated_at, d.id) " + op + " (?, ?)", []any{micros(*t), c.ID}, nil
	}
	// last_seen: NULL sorts before every time.
	t, err := codec.ParseTimeCursor(c.Value, true)
	if err != nil {
		return "", nil, err
	}
	switch {
	case t == nil && !s.Desc:
		return "((d.last_seen IS NULL AND d.id > ?) OR d.last_seen IS NOT NULL)", []any{c.ID}, nil
	case t == nil && s.Desc:
		return "(d.last_seen IS NULL AND d.id < ?)", []any{c.ID}, nil
	case !s.Desc:
		return "(d.last_seen, d.id) > (?, ?)", []any{micros(*t), c.ID}, nil
	}
	return "((d.last_seen, d.id) < (?, ?) OR d.last_seen IS NULL)", []any{micros(*t), c.ID}, nil
}

// UpdateDevice writes d if the stored version is still d.Version.
func (v *inventory) UpdateDevice(ctx context.Context, d *core.Device) error {
	now := v.now()
	var (
		version int64
		created int64
	)
	err := v.atomic(ctx, func(q querier) error {
		err := q.QueryRowContext(ctx, updateDevice, deviceValues(d, micros(now), d.ID, d.Version)...).
			Scan(&version, &created)
		if errors.Is(err, sql.ErrNoRows) {
			return staleOrMissing(ctx, q, d)
		}
		if err != nil {
			return writeErr(ctx, q, err, "device", deviceRefs(d)...)
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM device_macs WHERE device_id = ?`, d.ID); err != nil {
			return codec.Internal(err, "update device %d", d.ID)
		}
		macs := make([]any, 0, 2*len(d.MACs))
		for _, m := range d.MACs {
			macs = append(macs, m, d.ID)
		}
		if err := insertRows(ctx, q, "device_macs (mac, device_id)", 2, macs); err != nil {
			return writeErr(ctx, q, err, "device")
		}
		if _, err := q.ExecContext(ctx, `UPDATE device_search SET text = ? WHERE device_id = ?`,
			codec.SearchText(d), d.ID); err != nil {
			return codec.Internal(err, "update device %d", d.ID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	d.Version, d.CreatedAt, d.UpdatedAt = version, fromMicros(created), now
	return nil
}

// staleOrMissing explains why an update matched no row.
func staleOrMissing(ctx context.Context, q querier, d *core.Device) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM devices WHERE id = ?`, d.ID).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return core.NotFound("device", d.ID)
	case err != nil:
		return queryErr(err, "update device %d", d.ID)
	}
	return &core.Error{Kind: core.KindPreconditionFailed, Field: "version",
		Message: "the device has changed since version " + itoa(d.Version) + " was read"}
}

func (v *inventory) DeleteDevice(ctx context.Context, id core.DeviceID) error {
	return v.deleteRow(ctx, "devices", "device", int64(id), "other records")
}

func (v *inventory) CountDevices(ctx context.Context) (int64, error) {
	var n int64
	if err := v.read.QueryRowContext(ctx, `SELECT count(*) FROM devices`).Scan(&n); err != nil {
		return 0, queryErr(err, "count devices")
	}
	return n, nil
}
