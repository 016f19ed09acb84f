package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/store/internal/codec"
)

// sensorRows is how many rows one upsert of PutSensorReport writes: at 14
// variables a flow, well under SQLite's limit of variables.
const sensorRows = 200

// alertStamp is what PutSensorReport reads back of an alert it wrote.
type alertStamp struct {
	id      int64
	created time.Time
}

// PutSensorReport checks the report, merges its repeats (codec.SensorRows)
// and upserts observations, flows and alerts sensorRows to a statement,
// reading back the ids by key. The devices the report names are looked up
// first, so that a missing one is reported by field and id.
func (v *inventory) PutSensorReport(ctx context.Context, r *core.SensorReport) error {
	now := v.now()
	if err := codec.CheckSensorReport(r, now); err != nil {
		return err
	}
	rows := codec.MergeSensorReport(r)
	flowIDs := make(map[codec.FlowKey]int64, len(rows.Flows))
	alerts := make(map[codec.AlertKey]alertStamp, len(rows.Alerts))
	err := v.atomic(ctx, func(q querier) error {
		if err := checkDevices(ctx, q, rows.DeviceRefs()); err != nil {
			return err
		}
		if err := upsertObservations(ctx, q, rows.Observations, now); err != nil {
			return err
		}
		if err := upsertFlows(ctx, q, rows.Flows, flowIDs); err != nil {
			return err
		}
		return upsertAlerts(ctx, q, rows.Alerts, now, alerts)
	})
	if err != nil {
		return writeErr(ctx, v.write, err, "sensor report")
	}
	for _, o := range r.Observations {
		o.UpdatedAt = now
	}
	for _, f := range r.Flows {
		f.ID = flowIDs[codec.KeyOfFlow(f)]
	}
	for _, a := range r.Alerts {
		s := alerts[codec.KeyOfAlert(a)]
		a.ID, a.CreatedAt, a.UpdatedAt = s.id, s.created, now
	}
	return nil
}

// checkDevices fails with the first device refs names that does not exist.
func checkDevices(ctx context.Context, q querier, refs []codec.DeviceRef) error {
	ids := make([]core.DeviceID, len(refs))
	for i, r := range refs {
		ids[i] = r.ID
	}
	exists := make(map[core.DeviceID]bool, len(ids))
	err := codec.Chunks(ids, inChunk, func(chunk []core.DeviceID) error {
		rs, err := q.QueryContext(ctx, `SELECT id FROM devices WHERE id IN (`+placeholderList(len(chunk))+`)`,
			anys(chunk)...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var id core.DeviceID
			if err := rs.Scan(&id); err != nil {
				return err
			}
			exists[id] = true
		}
		return rs.Err()
	})
	if err != nil {
		return err
	}
	return codec.MissingDevice(refs, exists)
}

// upsertRows writes n rows, sensorRows to a statement: head, a VALUES list
// of cols variables a row (filled by values), then tail. scan, if not nil,
// reads each row tail RETURNs.
func upsertRows(ctx context.Context, q querier, n, cols int, head, tail string,
	values func(args []any, i int) []any, scan func(sc scanner) error) error {
	stmt := func(rows int) string {
		row := "(" + placeholderList(cols) + ")"
		return head + ` VALUES ` + strings.TrimSuffix(strings.Repeat(row+", ", rows), ", ") + ` ` + tail
	}
	var full *sql.Stmt
	if n >= sensorRows {
		st, err := q.PrepareContext(ctx, stmt(sensorRows))
		if err != nil {
			return err
		}
		defer st.Close()
		full = st
	}
	args := make([]any, 0, min(n, sensorRows)*cols)
	for lo := 0; lo < n; lo += sensorRows {
		hi := min(lo+sensorRows, n)
		args = args[:0]
		for i := lo; i < hi; i++ {
			args = values(args, i)
		}
		var (
			rs  *sql.Rows
			err error
		)
		if hi-lo == sensorRows {
			rs, err = full.QueryContext(ctx, args...)
		} else {
			rs, err = q.QueryContext(ctx, stmt(hi-lo), args...)
		}
		if err != nil {
			return err
		}
		for rs.Next() {
			if scan == nil {
				continue
			}
			if err := scan(rs); err != nil {
				rs.Close()
				return err
			}
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return err
		}
	}
	return nil
}

func upsertObservations(ctx context.Context, q querier, obs []*core.Observation, now time.Time) error {
	return upsertRows(ctx, q, len(obs), 11, `INSERT INTO observations (device_id, sensor, vendor, model,
		software_version, device_type, role, detail, first_seen, last_seen, updated_at)`,
		`ON CONFLICT (device_id, sensor) DO UPDATE SET vendor = excluded.vendor, model = excluded.model,
		software_version = excluded.software_version, device_type = excluded.device_type, role = excluded.role,
		detail = excluded.detail, first_seen = excluded.first_seen, last_seen = excluded.last_seen,
		updated_at = excluded.updated_at`,
		func(args []any, i int) []any {
			o := obs[i]
			return append(args, o.DeviceID, o.Sensor, o.Vendor, o.Model, o.SoftwareVersion, o.DeviceType, o.Role,
				codec.Detail(o.Detail), micros(o.FirstSeen), micros(o.LastSeen), micros(now))
		}, nil)
}

func upsertFlows(ctx context.Context, q querier, flows []*core.Flow, ids map[codec.FlowKey]int64) error {
	return upsertRows(ctx, q, len(flows), 14, `INSERT INTO flows (sensor, source, destination, source_device,
		destination_device, protocol, port, app, encrypted, connections, packets, bytes, first_seen, last_seen)`,
		`ON CONFLICT (sensor, source, destination, protocol, port) DO UPDATE SET
		source_device = coalesce(excluded.source_device, source_device),
		destination_device = coalesce(excluded.destination_device, destination_device),
		app = CASE WHEN excluded.app <> '' THEN excluded.app ELSE app END,
		encrypted = max(encrypted, excluded.encrypted),
		connections = connections + excluded.connections, packets = packets + excluded.packets,
		bytes = bytes + excluded.bytes,
		first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen)
		RETURNING id, sensor, source, destination, protocol, port`,
		func(args []any, i int) []any {
			f := flows[i]
			return append(args, f.Sensor, f.Source, f.Destination, nullID(f.SourceDevice), nullID(f.DestinationDevice),
				f.Protocol, f.Port, f.App, boolInt(f.Encrypted), f.Connections, f.Packets, f.Bytes,
				micros(f.FirstSeen), micros(f.LastSeen))
		},
		func(sc scanner) error {
			var (
				id int64
				k  codec.FlowKey
			)
			if err := sc.Scan(&id, &k.Sensor, &k.Source, &k.Destination, &k.Protocol, &k.Port); err != nil {
				return err
			}
			ids[k] = id
			return nil
		})
}

func upsertAlerts(ctx context.Context, q querier, alerts []*core.Alert, now time.Time, out map[codec.AlertKey]alertStamp) error {
	return upsertRows(ctx, q, len(alerts), 13, `INSERT INTO alerts (sensor, kind, severity, device_id, device_key,
		peer, protocol, detail, count, first_seen, last_seen, created_at, updated_at)`,
		`ON CONFLICT (sensor, kind, device_key, peer, protocol) DO UPDATE SET severity = excluded.severity,
		device_id = coalesce(excluded.device_id, device_id), detail = excluded.detail,
		count = count + excluded.count,
		first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen),
		updated_at = excluded.updated_at
		RETURNING id, created_at, sensor, kind, device_key, peer, protocol`,
		func(args []any, i int) []any {
			a := alerts[i]
			return append(args, a.Sensor, a.Kind, a.Severity, nullID(a.DeviceID), a.DeviceKey, a.Peer, a.Protocol,
				a.Detail, a.Count, micros(a.FirstSeen), micros(a.LastSeen), micros(now), micros(now))
		},
		func(sc scanner) error {
			var (
				s       alertStamp
				created int64
				k       codec.AlertKey
			)
			if err := sc.Scan(&s.id, &created, &k.Sensor, &k.Kind, &k.DeviceKey, &k.Peer, &k.Protocol); err != nil {
				return err
			}
			s.created = fromMicros(created)
			out[k] = s
			return nil
		})
}

func (v *inventory) ListObservations(ctx context.Context, device core.DeviceID) ([]*core.Observation, error) {
	if device <= 0 {
		return nil, core.Invalid("device_id", "is required")
	}
	rows, err := v.read.QueryContext(ctx, `SELECT device_id, sensor, vendor, model, software_version, device_type,
		role, detail, first_seen, last_seen, updated_at FROM observations WHERE device_id = ? ORDER BY sensor`, device)
	if err != nil {
		return nil, queryErr(err, "list observations")
	}
	defer rows.Close()
	out := []*core.Observation{}
	for rows.Next() {
		var (
			o                      core.Observation
			detail                 string
			first, last, updatedAt int64
		)
		if err := rows.Scan(&o.DeviceID, &o.Sensor, &o.Vendor, &o.Model, &o.SoftwareVersion, &o.DeviceType, &o.Role,
			&detail, &first, &last, &updatedAt); err != nil {
			return nil, queryErr(err, "list observations")
		}
		o.Detail = codec.ParseDetail(detail)
		o.FirstSeen, o.LastSeen, o.UpdatedAt = fromMicros(first), fromMicros(last), fromMicros(updatedAt)
		out = append(out, &o)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "list observations")
	}
	return out, nil
}

func (v *inventory) ListFlows(ctx context.Context, f core.FlowFilter) ([]*core.Flow, error) {
	limit, err := codec.FlowPlan(f)
	if err != nil {
		return nil, err
	}
	conds := []string{"id > ?"}
	args := []any{f.After}
	if f.Device != 0 {
		conds = append(conds, "(source_device = ? OR destination_device = ?)")
		args = append(args, f.Device, f.Device)
	}
	if f.Sensor != "" {
		conds = append(conds, "sensor = ?")
		args = append(args, f.Sensor)
	}
	if f.App != "" {
		conds = append(conds, "app = ?")
		args = append(args, f.App)
	}
	args = append(args, limit)
	rows, err := v.read.QueryContext(ctx, `SELECT id, sensor, source, destination, source_device, destination_device,
		protocol, port, app, encrypted, connections, packets, bytes, first_seen, last_seen
		FROM flows WHERE `+strings.Join(conds, " AND ")+` ORDER BY id LIMIT ?`, args...)
	if err != nil {
		return nil, queryErr(err, "list flows")
	}
	defer rows.Close()
	out := []*core.Flow{}
	for rows.Next() {
		var (
			x           core.Flow
			src, dst    sql.NullInt64
			encrypted   int
			first, last int64
		)
		if err := rows.Scan(&x.ID, &x.Sensor, &x.Source, &x.Destination, &src, &dst, &x.Protocol, &x.Port, &x.App,
			&encrypted, &x.Connections, &x.Packets, &x.Bytes, &first, &last); err != nil {
			return nil, queryErr(err, "list flows")
		}
		x.SourceDevice, x.DestinationDevice = core.DeviceID(src.Int64), core.DeviceID(dst.Int64)
		x.Encrypted = encrypted != 0
		x.FirstSeen, x.LastSeen = fromMicros(first), fromMicros(last)
		out = append(out, &x)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "list flows")
	}
	return out, nil
}

func (v *inventory) ListAlerts(ctx context.Context, f core.AlertFilter) ([]*core.Alert, error) {
	limit, before, err := codec.AlertPlan(f)
	if err != nil {
		return nil, err
	}
	conds := []string{"1 = 1"}
	var args []any
	for _, c := range []struct {
		col string
		val string
	}{{"kind", f.Kind}, {"severity", f.Severity}, {"sensor", f.Sensor}} {
		if c.val != "" {
			conds = append(conds, c.col+" = ?")
			args = append(args, c.val)
		}
	}
	if f.Device != 0 {
		conds = append(conds, "device_id = ?")
		args = append(args, f.Device)
	}
	if !f.Since.IsZero() {
		conds = append(conds, "last_seen >= ?")
		args = append(args, micros(codec.Time(f.Since)))
	}
	if f.Before != nil {
		conds = append(conds, "(last_seen, id) < (?, ?)")
		args = append(args, micros(before), f.Before.ID)
	}
	args = append(args, limit)
	rows, err := v.read.QueryContext(ctx, `SELECT id, sensor, kind, severity, device_id, device_key, peer, protocol,
		detail, count, first_seen, last_seen, created_at, updated_at
		FROM alerts WHERE `+strings.Join(conds, " AND ")+` ORDER BY last_seen DESC, id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, queryErr(err, "list alerts")
	}
	defer rows.Close()
	out := []*core.Alert{}
	for rows.Next() {
		var (
			a                            core.Alert
			device                       sql.NullInt64
			first, last, created, update int64
		)
		if err := rows.Scan(&a.ID, &a.Sensor, &a.Kind, &a.Severity, &device, &a.DeviceKey, &a.Peer, &a.Protocol,
			&a.Detail, &a.Count, &first, &last, &created, &update); err != nil {
			return nil, queryErr(err, "list alerts")
		}
		a.DeviceID = core.DeviceID(device.Int64)
		a.FirstSeen, a.LastSeen = fromMicros(first), fromMicros(last)
		a.CreatedAt, a.UpdatedAt = fromMicros(created), fromMicros(update)
		out = append(out, &a)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "list alerts")
	}
	return out, nil
}
