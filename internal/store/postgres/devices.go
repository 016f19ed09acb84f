package postgres

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/store/internal/codec"
)

const deviceCols = `d.id, d.asset_tag, d.serial, d.name, d.model_id, d.release_id, d.site_id, d.zone_id,
	d.location, d.owner, d.lifecycle, d.macs, d.ips, d.hostnames, d.ae_titles, d.hl7, d.udi,
	d.first_seen, d.last_seen, d.notes, d.provenance, d.version, d.created_at, d.updated_at`

func scanDevice(sc scanner) (*core.Device, error) {
	var (
		d                          core.Device
		model, release, site, zone *int64
		loc, hl7, prov             []byte
	)
	if err := sc.Scan(&d.ID, &d.AssetTag, &d.Serial, &d.Name, &model, &release, &site, &zone,
		&loc, &d.Owner, &d.Lifecycle, &d.MACs, &d.IPs, &d.Hostnames, &d.AETitles, &hl7, &d.UDI,
		&d.FirstSeen, &d.LastSeen, &d.Notes, &prov, &d.Version, &d.CreatedAt, &d.UpdatedAt); err != nil {
		return nil, err
	}
	d.ModelID, d.ReleaseID = core.ModelID(deref(model)), core.ReleaseID(deref(release))
	d.SiteID, d.ZoneID = core.SiteID(deref(site)), core.ZoneID(deref(zone))
	var err1, err2, err3 error
	d.Location, err1 = codec.ParseLocation(loc)
	d.HL7, err2 = codec.ParseHL7(hl7)
	d.Provenance, err3 = codec.ParseProvenance(prov)
	for _, err := range []error{err1, err2, err3} {
		if err != nil {
			return nil, decodeErr(err, "device")
		}
	}
	d.MACs, d.IPs = codec.NonNil(d.MACs), codec.NonNil(d.IPs)
	d.Hostnames, d.AETitles = codec.NonNil(d.Hostnames), codec.NonNil(d.AETitles)
	d.FirstSeen, d.LastSeen = utc(d.FirstSeen), utc(d.LastSeen)
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return &d, nil
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// deviceWriteCols are the columns insert, update and COPY all write, in the
// order deviceValues gives them.
var deviceWriteCols = []string{"asset_tag", "serial", "name", "model_id", "release_id", "site_id", "zone_id",
	"location", "owner", "lifecycle", "macs", "ips", "hostnames", "ae_titles", "hl7", "udi",
	"first_seen", "last_seen", "notes", "provenance", "search"}

func deviceValues(d *core.Device, extra ...any) []any {
	return append([]any{d.AssetTag, d.Serial, d.Name, nullID(d.ModelID), nullID(d.ReleaseID), nullID(d.SiteID),
		nullID(d.ZoneID), codec.Location(d.Location), d.Owner, string(d.Lifecycle), codec.NonNil(d.MACs),
		codec.NonNil(d.IPs), codec.NonNil(d.Hostnames), codec.NonNil(d.AETitles), codec.HL7(d.HL7), d.UDI,
		codec.TimePtr(d.FirstSeen), codec.TimePtr(d.LastSeen), d.Notes, codec.Provenance(d.Provenance),
		codec.SearchText(d)}, extra...)
}

// insertDevice inserts a device and its MACs in one statement ($11 is macs).
var insertDevice = `WITH d AS (
	INSERT INTO devices (` + strings.Join(deviceWriteCols, ", ") + `, version, created_at, updated_at)
	VALUES (` + placeholders(1, len(deviceWriteCols)) + `, 1, $22, $22)
	RETURNING id),
m AS (INSERT INTO device_macs (mac, device_id) SELECT unnest($11::text[]), id FROM d)
SELECT id FROM d`

// updateDevice updates a device if its version still matches and brings
// its MACs in line with the macs column, in one statement: MACs dropped are
// deleted, MACs added inserted (a MAC of another device violates the key).
var updateDevice = `WITH u AS (
	UPDATE devices SET ` + assignments(deviceWriteCols) + `, version = version + 1, updated_at = $22
	WHERE id = $23 AND version = $24
	RETURNING id, version, created_at),
del AS (DELETE FROM device_macs x USING u WHERE x.device_id = u.id AND NOT (x.mac = ANY ($11::text[]))),
ins AS (INSERT INTO device_macs (mac, device_id)
	SELECT m.mac, u.id FROM u CROSS JOIN unnest($11::text[]) AS m (mac)
	WHERE NOT EXISTS (SELECT 1 FROM device_macs x WHERE x.mac = m.mac AND x.device_id = u.id))
SELECT version, created_at FROM u`

func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(from+i))
	}
	return b.String()
}

func assignments(cols []string) string {
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c + " = $" + strconv.Itoa(i+1))
	}
	return b.String()
}

func (v *inventory) CreateDevice(ctx context.Context, d *core.Device) error {
	now := v.now()
	var id core.DeviceID
	err := v.one(ctx, func(q querier) error {
		return q.QueryRow(ctx, insertDevice, deviceValues(d, now)...).Scan(&id)
	})
	if err != nil {
		return writeErr(err, "device")
	}
	d.ID, d.Version, d.CreatedAt, d.UpdatedAt = id, 1, now, now
	return nil
}

// copyThreshold is the batch size from which COPY beats one INSERT per
// device (COPY costs a few round trips of its own).
const copyThreshold = 16

// CreateDevices inserts the devices in one transaction (or savepoint):
// small batches one statement each, larger ones with COPY into devices and
// device_macs under ids drawn from the sequence beforehand. IDs are set
// only once all of them are in.
func (v *inventory) CreateDevices(ctx context.Context, ds []*core.Device) error {
	if len(ds) == 0 {
		return nil
	}
	now := v.now()
	ids := make([]core.DeviceID, len(ds))
	err := v.atomic(ctx, func(q querier) error {
		if len(ds) < copyThreshold {
			for i, d := range ds {
				if err := q.QueryRow(ctx, insertDevice, deviceValues(d, now)...).Scan(&ids[i]); err != nil {
					return err
				}
			}
			return nil
		}
		return copyDevices(ctx, q, ds, ids, now)
	})
	if err != nil {
		return writeErr(err, "device")
	}
	for i, d := range ds {
		d.ID, d.Version, d.CreatedAt, d.UpdatedAt = ids[i], 1, now, now
	}
	return nil
}

func copyDevices(ctx context.Context, q querier, ds []*core.Device, ids []core.DeviceID, now time.Time) error {
	rows, err := q.Query(ctx, `SELECT nextval(pg_get_serial_sequence('devices', 'id')) FROM generate_series(1, $1)`, len(ds))
	if err != nil {
		return err
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[core.DeviceID])
	if err != nil {
		return err
	}
	slices.Sort(got) // so that ids ascend in input order
	copy(ids, got)
	cols := append([]string{"id"}, deviceWriteCols...)
	cols = append(cols, "version", "created_at", "updated_at")
	var macs [][]any
	_, err = q.CopyFrom(ctx, pgx.Identifier{"devices"}, cols, pgx.CopyFromSlice(len(ds), func(i int) ([]any, error) {
		d := ds[i]
		for _, m := range d.MACs {
			macs = append(macs, []any{m, int64(ids[i])})
		}
		return append([]any{int64(ids[i])}, deviceValues(d, int64(1), now, now)...), nil
	}))
	if err != nil {
		return err
	}
	_, err = q.CopyFrom(ctx, pgx.Identifier{"device_macs"}, []string{"mac", "device_id"}, pgx.CopyFromRows(macs))
	return err
}

func (v *inventory) GetDevice(ctx context.Context, id core.DeviceID) (*core.Device, error) {
	d, err := scanDevice(v.q.QueryRow(ctx, `SELECT `+deviceCols+` FROM devices d WHERE d.id = $1`, id))
	if isNoRows(err) {
		return nil, core.NotFound("device", id)
	}
	if err != nil {
		return nil, queryErr(err, "get device")
	}
	return d, nil
}

func (v *inventory) FindDevices(ctx context.Context, keys core.DeviceKeys) ([]*core.Device, error) {
	tags, serials, macs := codec.CleanKeys(keys)
	if len(tags)+len(serials)+len(macs) == 0 {
		return []*core.Device{}, nil
	}
	return queryAll(ctx, v.q, "find devices", scanDevice, `SELECT `+deviceCols+` FROM devices d WHERE d.id IN (
		SELECT id FROM devices WHERE asset_tag = ANY ($1) AND asset_tag <> ''
		UNION SELECT id FROM devices WHERE serial = ANY ($2)
		UNION SELECT device_id FROM device_macs WHERE mac = ANY ($3))
		ORDER BY d.id`,
		codec.NonNil(tags), codec.NonNil(serials), codec.NonNil(macs))
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
	arg := func(x any) string {
		args = append(args, x)
		return "$" + strconv.Itoa(len(args))
	}
	if f.SiteID != 0 {
		where = append(where, "d.site_id = "+arg(int64(f.SiteID)))
	}
	if f.ZoneID != 0 {
		where = append(where, "d.zone_id = "+arg(int64(f.ZoneID)))
	}
	if f.ModelID != 0 {
		where = append(where, "d.model_id = "+arg(int64(f.ModelID)))
	}
	if f.ManufacturerID != 0 {
		where = append(where, "m.manufacturer_id = "+arg(int64(f.ManufacturerID)))
		join = true
	}
	if t := core.NormalizeDeviceType(f.DeviceType); t != "" {
		where = append(where, "m.device_type = "+arg(t))
		join = true
	}
	if f.Function != "" {
		where = append(where, "m.function = "+arg(string(f.Function)))
		join = true
	}
	if f.Lifecycle != "" {
		where = append(where, "d.lifecycle = "+arg(string(f.Lifecycle)))
	}
	if q := codec.SearchQuery(f.Query); q != "" {
		where = append(where, "strpos(d.search, "+arg(q)+") > 0")
	}
	if f.After != nil {
		cond, err := keyset(srt, f.After, arg)
		if err != nil {
			return nil, err
		}
		where = append(where, cond)
	}

	var order string
	switch {
	case srt.Key == "last_seen" && srt.Desc:
		// A device never seen counts as seen longest ago.
		order = " ORDER BY d.last_seen DESC NULLS LAST, d.id DESC"
	case srt.Key == "last_seen":
		order = " ORDER BY d.last_seen ASC NULLS FIRST, d.id ASC"
	case srt.Key == "id" && srt.Desc:
		order = " ORDER BY d.id DESC"
	case srt.Key == "id":
		order = " ORDER BY d.id ASC"
	case srt.Desc:
		order = " ORDER BY " + srt.Column + " DESC, d.id DESC"
	default:
		order = " ORDER BY " + srt.Column + " ASC, d.id ASC"
	}
	// Two phases: pick the page's ids, then fetch those rows whole. Asked
	// for whole rows at once the planner walks the primary key and filters,
	// reading thousands of rows, rather than use (site_id, model_id, id).
	var b strings.Builder
	b.WriteString("SELECT " + deviceCols + " FROM (SELECT d.id FROM devices d")
	if join {
		b.WriteString(" JOIN models m ON m.id = d.model_id")
	}
	if len(where) > 0 {
		b.WriteString(" WHERE " + strings.Join(where, " AND "))
	}
	b.WriteString(order + " LIMIT " + arg(limit+1) + ") p JOIN devices d ON d.id = p.id" + order)

	ds, err := queryAll(ctx, v.q, "list devices", scanDevice, b.String(), args...)
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
// order s; arg adds a parameter and returns its placeholder.
func keyset(s codec.Sort, c *core.DeviceCursor, arg func(any) string) (string, error) {
	op := " > "
	if s.Desc {
		op = " < "
	}
	id := int64(c.ID)
	switch s.Key {
	case "id":
		return "d.id" + op + arg(id), nil
	case "name", "asset_tag", "serial":
		return "(" + s.Column + ", d.id)" + op + "(" + arg(c.Value) + ", " + arg(id) + ")", nil
	case "updated_at":
		t, err := codec.ParseTimeCursor(c.Value, false)
		if err != nil {
			return "", err
		}
		return "(d.updated_at, d.id)" + op + "(" + arg(*t) + ", " + arg(id) + ")", nil
	}
	// last_seen: NULL sorts before every time.
	t, err := codec.ParseTimeCursor(c.Value, true)
	if err != nil {
		return "", err
	}
	switch {
	case t == nil && !s.Desc:
		return "((d.last_seen IS NULL AND d.id > " + arg(id) + ") OR d.last_seen IS NOT NULL)", nil
	case t == nil && s.Desc:
		return "(d.last_seen IS NULL AND d.id < " + arg(id) + ")", nil
	case !s.Desc:
		return "(d.last_seen, d.id) > (" + arg(*t) + ", " + arg(id) + ")", nil
	}
	return "((d.last_seen, d.id) < (" + arg(*t) + ", " + arg(id) + ") OR d.last_seen IS NULL)", nil
}

// UpdateDevice writes d if the stored version is still d.Version.
func (v *inventory) UpdateDevice(ctx context.Context, d *core.Device) error {
	now := v.now()
	var (
		version int64
		created time.Time
	)
	err := v.one(ctx, func(q querier) error {
		err := q.QueryRow(ctx, updateDevice, deviceValues(d, now, int64(d.ID), d.Version)...).Scan(&version, &created)
		if isNoRows(err) {
			return staleOrMissing(ctx, q, d)
		}
		return err
	})
	if err != nil {
		return writeErr(err, "device")
	}
	d.Version, d.CreatedAt, d.UpdatedAt = version, created.UTC(), now
	return nil
}

// staleOrMissing explains why an update matched no row.
func staleOrMissing(ctx context.Context, q querier, d *core.Device) error {
	var exists bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM devices WHERE id = $1)`, int64(d.ID)).Scan(&exists); err != nil {
		return queryErr(err, "update device")
	}
	if !exists {
		return core.NotFound("device", d.ID)
	}
	return &core.Error{Kind: core.KindPreconditionFailed, Field: "version",
		Message: "the device has changed since version " + strconv.FormatInt(d.Version, 10) + " was read"}
}

func (v *inventory) DeleteDevice(ctx context.Context, id core.DeviceID) error {
	return v.deleteRow(ctx, "devices", "device", int64(id), "other records")
}

func (v *inventory) CountDevices(ctx context.Context) (int64, error) {
	var n int64
	if err := v.q.QueryRow(ctx, `SELECT count(*) FROM devices`).Scan(&n); err != nil {
		return 0, queryErr(err, "count devices")
	}
	return n, nil
}
