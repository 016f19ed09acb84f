package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/store/internal/codec"
)

// sensorBatch is how many rows one upsert of PutSensorReport writes: the
// rows go as one array a column, unnested.
const sensorBatch = 10000

// sensorForeignKeys maps the foreign keys of the sensor tables to the
// referring field.
var sensorForeignKeys = map[string]string{
	"observations_device_id_fkey":   "device_id",
	"flows_source_device_fkey":      "source_device",
	"flows_destination_device_fkey": "destination_device",
	"alerts_device_id_fkey":         "device_id",
}

// sensorWriteErr is writeErr knowing the sensor tables' foreign keys: a
// device deleted after checkDevices saw it still names its field.
func sensorWriteErr(err error) error {
	if pe := pgError(err); pe != nil && pe.Code == foreignKeyViolation {
		if field, ok := sensorForeignKeys[pe.ConstraintName]; ok {
			return codec.MissingRef(err, field, "sensor report")
		}
	}
	return writeErr(err, "sensor report")
}

// alertStamp is what PutSensorReport reads back of an alert it wrote.
type alertStamp struct {
	id      int64
	created time.Time
}

// PutSensorReport checks the report, merges its repeats (codec.SensorRows)
// and upserts observations, flows and alerts sensorBatch to a statement
// from unnested arrays, reading back the ids by key. The devices the report
// names are looked up first, so that a missing one is reported by field
// and id.
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
		if err := codec.Chunks(rows.Observations, sensorBatch, func(c []*core.Observation) error {
			return upsertObservations(ctx, q, c, now)
		}); err != nil {
			return err
		}
		if err := codec.Chunks(rows.Flows, sensorBatch, func(c []*core.Flow) error {
			return upsertFlows(ctx, q, c, flowIDs)
		}); err != nil {
			return err
		}
		return codec.Chunks(rows.Alerts, sensorBatch, func(c []*core.Alert) error {
			return upsertAlerts(ctx, q, c, now, alerts)
		})
	})
	if err != nil {
		return sensorWriteErr(err)
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
	if len(refs) == 0 {
		return nil
	}
	ids := make([]int64, len(refs))
	for i, r := range refs {
		ids[i] = int64(r.ID)
	}
	rows, err := q.Query(ctx, `SELECT id FROM devices WHERE id = ANY ($1)`, ids)
	if err != nil {
		return err
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[core.DeviceID])
	if err != nil {
		return err
	}
	exists := make(map[core.DeviceID]bool, len(found))
	for _, id := range found {
		exists[id] = true
	}
	return codec.MissingDevice(refs, exists)
}

func upsertObservations(ctx context.Context, q querier, obs []*core.Observation, now time.Time) error {
	n := len(obs)
	var (
		devices                                   = make([]int64, n)
		sensors, vendors, models, versions, types = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		roles, details                            = make([]string, n), make([]string, n)
		first, last                               = make([]time.Time, n), make([]time.Time, n)
	)
	for i, o := range obs {
		devices[i], sensors[i], vendors[i], models[i], versions[i] = int64(o.DeviceID), o.Sensor, o.Vendor, o.Model, o.SoftwareVersion
		types[i], roles[i], details[i] = o.DeviceType, o.Role, codec.Detail(o.Detail)
		first[i], last[i] = o.FirstSeen, o.LastSeen
	}
	_, err := q.Exec(ctx, `INSERT INTO observations (device_id, sensor, vendor, model, software_version, device_type,
		role, detail, first_seen, last_seen, updated_at)
		SELECT t.*, $11::timestamptz FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
			$6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::timestamptz[]) AS t
		ON CONFLICT ON CONSTRAINT observations_pkey DO UPDATE SET vendor = excluded.vendor, model = excluded.model,
		software_version = excluded.software_version, device_type = excluded.device_type, role = excluded.role,
		detail = excluded.detail, first_seen = excluded.first_seen, last_seen = excluded.last_seen,
		updated_at = excluded.updated_at`,
		devices, sensors, vendors, models, versions, types, roles, details, first, last, now)
	return err
}

func upsertFlows(ctx context.Context, q querier, flows []*core.Flow, ids map[codec.FlowKey]int64) error {
	n := len(flows)
	var (
		sensors, sources, dests, protocols, apps = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		srcDevices, dstDevices                   = make([]int64, n), make([]int64, n)
		ports                                    = make([]int32, n)
		encrypted                                = make([]bool, n)
		conns, packets, bytes                    = make([]int64, n), make([]int64, n), make([]int64, n)
		first, last                              = make([]time.Time, n), make([]time.Time, n)
	)
	for i, f := range flows {
		sensors[i], sources[i], dests[i], protocols[i], apps[i] = f.Sensor, f.Source, f.Destination, f.Protocol, f.App
		srcDevices[i], dstDevices[i], ports[i], encrypted[i] = int64(f.SourceDevice), int64(f.DestinationDevice), int32(f.Port), f.Encrypted
		conns[i], packets[i], bytes[i], first[i], last[i] = f.Connections, f.Packets, f.Bytes, f.FirstSeen, f.LastSeen
	}
	rows, err := q.Query(ctx, `INSERT INTO flows (sensor, source, destination, source_device, destination_device,
		protocol, port, app, encrypted, connections, packets, bytes, first_seen, last_seen)
		SELECT t.s, t.src, t.dst, nullif(t.sd, 0), nullif(t.dd, 0), t.p, t.port, t.app, t.enc, t.c, t.pk, t.b, t.f, t.l
		FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::integer[],
			$8::text[], $9::boolean[], $10::bigint[], $11::bigint[], $12::bigint[], $13::timestamptz[],
			$14::timestamptz[]) AS t(s, src, dst, sd, dd, p, port, app, enc, c, pk, b, f, l)
		ON CONFLICT ON CONSTRAINT flows_key DO UPDATE SET
		source_device = coalesce(excluded.source_device, flows.source_device),
		destination_device = coalesce(excluded.destination_device, flows.destination_device),
		app = CASE WHEN excluded.app <> '' THEN excluded.app ELSE flows.app END,
		encrypted = flows.encrypted OR excluded.encrypted,
		connections = flows.connections + excluded.connections, packets = flows.packets + excluded.packets,
		bytes = flows.bytes + excluded.bytes,
		first_seen = least(flows.first_seen, excluded.first_seen),
		last_seen = greatest(flows.last_seen, excluded.last_seen)
		RETURNING id, sensor, source, destination, protocol, port`,
		sensors, sources, dests, srcDevices, dstDevices, protocols, ports, apps, encrypted, conns, packets, bytes,
		first, last)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id int64
			k  codec.FlowKey
		)
		if err := rows.Scan(&id, &k.Sensor, &k.Source, &k.Destination, &k.Protocol, &k.Port); err != nil {
			return err
		}
		ids[k] = id
	}
	return rows.Err()
}

func upsertAlerts(ctx context.Context, q querier, alerts []*core.Alert, now time.Time, out map[codec.AlertKey]alertStamp) error {
	n := len(alerts)
	var (
		sensors, kinds, severities, keys = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		peers, protocols, details        = make([]string, n), make([]string, n), make([]string, n)
		devices, counts                  = make([]int64, n), make([]int64, n)
		first, last                      = make([]time.Time, n), make([]time.Time, n)
	)
	for i, a := range alerts {
		sensors[i], kinds[i], severities[i], keys[i] = a.Sensor, a.Kind, a.Severity, a.DeviceKey
		peers[i], protocols[i], details[i] = a.Peer, a.Protocol, a.Detail
		devices[i], counts[i], first[i], last[i] = int64(a.DeviceID), a.Count, a.FirstSeen, a.LastSeen
	}
	rows, err := q.Query(ctx, `INSERT INTO alerts (sensor, kind, severity, device_id, device_key, peer, protocol,
		detail, count, first_seen, last_seen, created_at, updated_at)
		SELECT t.s, t.k, t.sev, nullif(t.d, 0), t.key, t.peer, t.p, t.det, t.c, t.f, t.l, $12, $12
		FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[],
			$8::text[], $9::bigint[], $10::timestamptz[], $11::timestamptz[])
			AS t(s, k, sev, d, key, peer, p, det, c, f, l)
		ON CONFLICT ON CONSTRAINT alerts_key DO UPDATE SET severity = excluded.severity,
		device_id = coalesce(excluded.device_id, alerts.device_id), detail = excluded.detail,
		count = alerts.count + excluded.count,
		first_seen = least(alerts.first_seen, excluded.first_seen),
		last_seen = greatest(alerts.last_seen, excluded.last_seen),
		updated_at = excluded.updated_at
		RETURNING id, created_at, sensor, kind, device_key, peer, protocol`,
		sensors, kinds, severities, devices, keys, peers, protocols, details, counts, first, last, now)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			s alertStamp
			k codec.AlertKey
		)
		if err := rows.Scan(&s.id, &s.created, &k.Sensor, &k.Kind, &k.DeviceKey, &k.Peer, &k.Protocol); err != nil {
			return err
		}
		s.created = s.created.UTC()
		out[k] = s
	}
	return rows.Err()
}

func (v *inventory) ListObservations(ctx context.Context, device core.DeviceID) ([]*core.Observation, error) {
	if device <= 0 {
		return nil, core.Invalid("device_id", "is required")
	}
	rows, err := v.q.Query(ctx, `SELECT device_id, sensor, vendor, model, software_version, device_type, role,
		detail, first_seen, last_seen, updated_at FROM observations WHERE device_id = $1 ORDER BY sensor`, int64(device))
	if err != nil {
		return nil, queryErr(err, "list observations")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*core.Observation, error) {
		var (
			o      core.Observation
			detail string
		)
		if err := r.Scan(&o.DeviceID, &o.Sensor, &o.Vendor, &o.Model, &o.SoftwareVersion, &o.DeviceType, &o.Role,
			&detail, &o.FirstSeen, &o.LastSeen, &o.UpdatedAt); err != nil {
			return nil, err
		}
		o.Detail = codec.ParseDetail(detail)
		o.FirstSeen, o.LastSeen, o.UpdatedAt = o.FirstSeen.UTC(), o.LastSeen.UTC(), o.UpdatedAt.UTC()
		return &o, nil
	})
	if err != nil {
		return nil, queryErr(err, "list observations")
	}
	return codec.NonNil(out), nil
}

func (v *inventory) ListFlows(ctx context.Context, f core.FlowFilter) ([]*core.Flow, error) {
	limit, err := codec.FlowPlan(f)
	if err != nil {
		return nil, err
	}
	var args []any
	arg := func(x any) string {
		args = append(args, x)
		return "$" + itoa(len(args))
	}
	conds := []string{"id > " + arg(f.After)}
	if f.Device != 0 {
		d := arg(int64(f.Device))
		conds = append(conds, "(source_device = "+d+" OR destination_device = "+d+")")
	}
	if f.Sensor != "" {
		conds = append(conds, "sensor = "+arg(f.Sensor))
	}
	if f.App != "" {
		conds = append(conds, "app = "+arg(f.App))
	}
	rows, err := v.q.Query(ctx, `SELECT id, sensor, source, destination, source_device, destination_device,
		protocol, port, app, encrypted, connections, packets, bytes, first_seen, last_seen
		FROM flows WHERE `+strings.Join(conds, " AND ")+` ORDER BY id LIMIT `+arg(limit), args...)
	if err != nil {
		return nil, queryErr(err, "list flows")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*core.Flow, error) {
		var (
			x        core.Flow
			src, dst *int64
		)
		if err := r.Scan(&x.ID, &x.Sensor, &x.Source, &x.Destination, &src, &dst, &x.Protocol, &x.Port, &x.App,
			&x.Encrypted, &x.Connections, &x.Packets, &x.Bytes, &x.FirstSeen, &x.LastSeen); err != nil {
			return nil, err
		}
		x.SourceDevice, x.DestinationDevice = core.DeviceID(deref(src)), core.DeviceID(deref(dst))
		x.FirstSeen, x.LastSeen = x.FirstSeen.UTC(), x.LastSeen.UTC()
		return &x, nil
	})
	if err != nil {
		return nil, queryErr(err, "list flows")
	}
	return codec.NonNil(out), nil
}

func (v *inventory) ListAlerts(ctx context.Context, f core.AlertFilter) ([]*core.Alert, error) {
	limit, before, err := codec.AlertPlan(f)
	if err != nil {
		return nil, err
	}
	var args []any
	arg := func(x any) string {
		args = append(args, x)
		return "$" + itoa(len(args))
	}
	conds := []string{"true"}
	for _, c := range []struct {
		col string
		val string
	}{{"kind", f.Kind}, {"severity", f.Severity}, {"sensor", f.Sensor}} {
		if c.val != "" {
			conds = append(conds, c.col+" = "+arg(c.val))
		}
	}
	if f.Device != 0 {
		conds = append(conds, "device_id = "+arg(int64(f.Device)))
	}
	if !f.Since.IsZero() {
		conds = append(conds, "last_seen >= "+arg(codec.Time(f.Since)))
	}
	if f.Before != nil {
		conds = append(conds, "(last_seen, id) < ("+arg(before)+"::timestamptz, "+arg(f.Before.ID)+"::bigint)")
	}
	rows, err := v.q.Query(ctx, `SELECT id, sensor, kind, severity, device_id, device_key, peer, protocol, detail,
		count, first_seen, last_seen, created_at, updated_at
		FROM alerts WHERE `+strings.Join(conds, " AND ")+` ORDER BY last_seen DESC, id DESC LIMIT `+arg(limit), args...)
	if err != nil {
		return nil, queryErr(err, "list alerts")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*core.Alert, error) {
		var (
			a      core.Alert
			device *int64
		)
		if err := r.Scan(&a.ID, &a.Sensor, &a.Kind, &a.Severity, &device, &a.DeviceKey, &a.Peer, &a.Protocol,
			&a.Detail, &a.Count, &a.FirstSeen, &a.LastSeen, &a.CreatedAt, &a.UpdatedAt); err != nil {
			return nil, err
		}
		a.DeviceID = core.DeviceID(deref(device))
		a.FirstSeen, a.LastSeen = a.FirstSeen.UTC(), a.LastSeen.UTC()
		a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
		return &a, nil
	})
	if err != nil {
		return nil, queryErr(err, "list alerts")
	}
	return codec.NonNil(out), nil
}
