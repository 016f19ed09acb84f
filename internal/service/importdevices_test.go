package service_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/inventory"
	"github.com/vigil-oss/vigil/internal/service"
	"github.com/vigil-oss/vigil/internal/store/postgres"
	"github.com/vigil-oss/vigil/internal/store/sqlite"
)

var importT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// importBackends runs fn against a fresh SQLite store, and against PostgreSQL
// when VIGIL_TEST_POSTGRES_DSN names a server.
func importBackends(t *testing.T, fn func(t *testing.T, st core.Store)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, openImportSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, openImportPostgres(t)) })
}

func openImportSQLite(tb testing.TB) core.Store {
	tb.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "vigil.db"), sqlite.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return st
}

func openImportPostgres(tb testing.TB) core.Store {
	tb.Helper()
	dsn := os.Getenv("VIGIL_TEST_POSTGRES_DSN")
	if dsn == "" {
		tb.Skip("VIGIL_TEST_POSTGRES_DSN is not set; skipping the PostgreSQL variant")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	defer admin.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "vigil_import_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name
	st, err := postgres.Open(ctx, u.String(), postgres.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		st.Close()
		conn, err := pgx.Connect(context.Background(), dsn)
		if err == nil {
			_, _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			conn.Close(context.Background())
		}
	})
	if _, err := st.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return st
}

// run imports src and returns the summary and every row's outcome.
func runImport(t *testing.T, inv *service.Inventory, src string, opt service.ImportOptions) (service.ImportSummary, []service.ImportRow) {
	t.Helper()
	rd, err := inventory.NewReader(context.Background(), strings.NewReader(src), inventory.Options{})
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var rows []service.ImportRow
	opt.OnRow = func(r service.ImportRow) { rows = append(rows, r) }
	sum, err := inv.ImportDevices(context.Background(), rd, opt)
	if err != nil {
		t.Fatalf("ImportDevices: %v", err)
	}
	for i := 1; i < len(rows); i++ {
		if rows[i].Line <= rows[i-1].Line {
			t.Fatalf("rows out of order: line %d after %d", rows[i].Line, rows[i-1].Line)
		}
	}
	return sum, rows
}

func wantSummary(created, updated, unchanged, rejected int) string {
	return fmt.Sprintf("created %d, updated %d, unchanged %d, rejected %d", created, updated, unchanged, rejected)
}

func deviceByTag(t *testing.T, st core.Store, tag string) *core.Device {
	t.Helper()
	ds, err := st.FindDevices(context.Background(), core.DeviceKeys{AssetTags: []string{tag}})
	if err != nil || len(ds) != 1 {
		t.Fatalf("find %s: %v, %d devices", tag, err, len(ds))
	}
	return ds[0]
}

func countDevices(t *testing.T, st core.Store) int64 {
	t.Helper()
	n, err := st.CountDevices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

const importHeader = "asset_tag,serial,name,manufacturer,model,device_type,function,software_version,site,zone,department,owner,lifecycle,macs,ips\n"

const importBase = importHeader +
	"A1,S1,pump 1,Baxter,Sigma Spectrum,Infusion Pump,therapy,8.00,Main,Clinical,ICU,Biomed,active,00:00:00:00:00:01,10.0.0.1\n" +
	"A2,S2,pump 2,Baxter,Sigma Spectrum,Infusion Pump,therapy,8.01,Main,Clinical,ICU,Biomed,active,00:00:00:00:00:02,10.0.0.2\n" +
	"A3,S3,monitor,Philips,MX450,patient monitor,monitoring,,North,,Cardiology,,in-storage,00:00:00:00:00:03,\n"

func TestImportCreatesThenIsIdempotent(t *testing.T) {
	importBackends(t, func(t *testing.T, st core.Store) {
		inv := service.NewInventory(st, core.FixedClock{T: importT0})
		sum, rows := runImport(t, inv, importBase, service.ImportOptions{})
		if sum.String() != wantSummary(3, 0, 0, 0) {
			t.Fatalf("first import: %s (%+v)", sum, rows)
		}
		if sum.NewManufacturers != 2 || sum.NewModels != 2 || sum.NewReleases != 2 || sum.NewSites != 2 || sum.NewZones != 1 {
			t.Errorf("new records: %+v", sum)
		}
		d := deviceByTag(t, st, "A2")
		if d.Serial != "S2" || d.Name != "pump 2" || d.Location.Department != "ICU" || d.Owner != "Biomed" ||
			!reflect.DeepEqual(d.MACs, []string{"00:00:00:00:00:02"}) || !reflect.DeepEqual(d.IPs, []string{"10.0.0.2"}) {
			t.Errorf("device A2 = %+v", d)
		}
		if rows[1].Device != d.ID || rows[1].Action != service.ImportCreated {
			t.Errorf("row 2 = %+v", rows[1])
		}
		for _, a := range []string{"asset_tag", "serial", "name", "model_id", "release_id", "site_id", "zone_id", "location", "owner", "lifecycle", "macs", "ips"} {
			if o := d.Provenance[a]; o.Source != core.SourceImport || !o.At.Equal(importT0) {
				t.Errorf("provenance of %s = %+v", a, o)
			}
		}
		ctx := context.Background()
		m, err := st.GetModel(ctx, d.ModelID)
		if err != nil || m.Name != "Sigma Spectrum" || m.DeviceType != "infusion-pump" || m.Function != core.FunctionTherapy {
			t.Errorf("model = %+v, %v", m, err)
		}
		r, err := st.GetRelease(ctx, d.ReleaseID)
		if err != nil || r.Version != "8.01" || r.ModelID != m.ID {
			t.Errorf("release = %+v, %v", r, err)
		}
		z, err := st.GetZone(ctx, d.ZoneID)
		if err != nil || z.Name != "Clinical" || z.SiteID != d.SiteID {
			t.Errorf("zone = %+v, %v", z, err)
		}
		if d3 := deviceByTag(t, st, "A3"); d3.Lifecycle != core.LifecycleInStorage || d3.ReleaseID != 0 || d3.ZoneID != 0 {
			t.Errorf("device A3 = %+v", d3)
		}

		// The same file again changes nothing.
		sum, _ = runImport(t, inv, importBase, service.ImportOptions{})
		if sum.String() != wantSummary(0, 0, 3, 0) || sum.NewManufacturers+sum.NewModels+sum.NewReleases+sum.NewSites+sum.NewZones != 0 {
			t.Fatalf("second import: %s %+v", sum, sum)
		}
		if v := deviceByTag(t, st, "A2").Version; v != 1 {
			t.Errorf("unchanged device was written: version %d", v)
		}

		// One changed cell updates one attribute of one device.
		changed := strings.Replace(importBase, "10.0.0.2", "10.0.0.22", 1)
		later := core.FixedClock{T: importT0.Add(time.Hour)}
		sum, rows = runImport(t, service.NewInventory(st, later), changed, service.ImportOptions{})
		if sum.String() != wantSummary(0, 1, 2, 0) {
			t.Fatalf("third import: %s", sum)
		}
		if !reflect.DeepEqual(rows[1].Changed, []string{"ips"}) || rows[1].Action != service.ImportUpdated {
			t.Errorf("row 2 = %+v", rows[1])
		}
		d = deviceByTag(t, st, "A2")
		if d.IPs[0] != "10.0.0.22" || d.Version != 2 || !d.Provenance["ips"].At.Equal(later.T) || !d.Provenance["name"].At.Equal(importT0) {
			t.Errorf("after update: %+v", d)
		}
	})
}

func TestImportDryRunWritesNothing(t *testing.T) {
	importBackends(t, func(t *testing.T, st core.Store) {
		inv := service.NewInventory(st, core.FixedClock{T: importT0})
		src := importBase + "A1,,,,,,,,,,,,,,\n" // a duplicate of line 2
		for _, batch := range []int{1, 2, 1000} {
			sum, rows := runImport(t, inv, src, service.ImportOptions{DryRun: true, BatchSize: batch})
			if sum.String() != wantSummary(3, 0, 0, 1) || sum.NewManufacturers != 2 || sum.NewZones != 1 {
				t.Errorf("batch %d: dry run: %s %+v", batch, sum, sum)
			}
			if rows[3].Action != service.ImportRejected || !strings.Contains(rows[3].Errors[0].Message, "same device as line 2") {
				t.Errorf("batch %d: duplicate row = %+v", batch, rows[3])
			}
			if n := countDevices(t, st); n != 0 {
				t.Fatalf("dry run wrote %d devices", n)
			}
			ms, _ := st.ListManufacturers(context.Background(), core.ListOptions{})
			if len(ms) != 0 {
				t.Fatalf("dry run created manufacturers %v", ms)
			}
		}
		// Dry run after a real run: the same decisions as a real run.
		runImport(t, inv, importBase, service.ImportOptions{})
		changed := strings.Replace(importBase, "pump 1", "pump one", 1)
		sum, rows := runImport(t, inv, changed, service.ImportOptions{DryRun: true})
		if sum.String() != wantSummary(0, 1, 2, 0) || !reflect.DeepEqual(rows[0].Changed, []string{"name"}) {
			t.Errorf("dry run: %s %+v", sum, rows[0])
		}
		if deviceByTag(t, st, "A1").Name != "pump 1" {
			t.Error("dry run changed a device")
		}
	})
}

func TestImportDuplicateKeysInOneFile(t *testing.T) {
	src := "asset_tag,serial,macs,name\n" +
		"A1,S1,00:00:00:00:00:01,first\n" + // line 2
		"B1,S2,00:00:00:00:00:02,other\n" + // line 3
		"A1,S9,,again by tag\n" + // line 4: same asset tag as line 2
		",S2,,again by serial\n" + // line 5: no tag; serial of line 3
		"C1,S3,00:00:00:00:00:01,MAC of line 2\n" + // line 6
		"D1,S1,,shares a serial only\n" // line 7: another device with serial S1: allowed
	importBackends(t, func(t *testing.T, st core.Store) {
		inv := service.NewInventory(st, core.FixedClock{T: importT0})
		for _, batch := range []int{1, 2, 100} {
			sum, rows := runImport(t, inv, src, service.ImportOptions{BatchSize: batch, DryRun: true})
			checkDuplicates(t, fmt.Sprintf("dry run, batch %d", batch), sum, rows, 3)
		}
		sum, rows := runImport(t, inv, src, service.ImportOptions{BatchSize: 2})
		checkDuplicates(t, "import", sum, rows, 3)
		if deviceByTag(t, st, "A1").Name != "first" {
			t.Error("the later duplicate row was applied")
		}
		// Re-running: the first rows are unchanged, the duplicates still rejected.
		sum, rows = runImport(t, inv, src, service.ImportOptions{BatchSize: 3})
		checkDuplicates(t, "re-run", sum, rows, 0)
	})
}

func checkDuplicates(t *testing.T, what string, sum service.ImportSummary, rows []service.ImportRow, created int) {
	t.Helper()
	if sum.Created != created || sum.Rejected != 3 || sum.Created+sum.Unchanged != 3 {
		t.Errorf("%s: %s", what, sum)
	}
	want := map[int]string{
		4: "asset_tag: matches the same device as line 2",
		5: "serial: matches the same device as line 3",
		6: "macs: the MAC address belongs to device",
	}
	for _, r := range rows {
		w, dup := want[r.Line]
		if !dup {
			if r.Action == service.ImportRejected {
				t.Errorf("%s: line %d rejected: %v", what, r.Line, r.Errors)
			}
			continue
		}
		if r.Action != service.ImportRejected || len(r.Errors) != 1 {
			t.Errorf("%s: line %d = %+v", what, r.Line, r)
			continue
		}
		got := r.Errors[0].Column + ": " + r.Errors[0].Message
		if r.Line == 6 {
			// The MAC's holder is named by id, or by line while it is new.
			if !strings.HasPrefix(got, "macs: the MAC address belongs to ") {
				t.Errorf("%s: line 6: %s", what, got)
			}
			continue
		}
		if !strings.HasPrefix(got, w) {
			t.Errorf("%s: line %d: got %q, want %q", what, r.Line, got, w)
		}
	}
}

func TestImportMatching(t *testing.T) {
	importBackends(t, func(t *testing.T, st core.Store) {
		ctx := context.Background()
		inv := service.NewInventory(st, core.FixedClock{T: importT0})
		mk := func(d *core.Device) *core.Device {
			t.Helper()
			if err := inv.CreateDevice(ctx, core.SensorSource("dhcp"), d); err != nil {
				t.Fatal(err)
			}
			return d
		}
		seen := mk(&core.Device{MACs: []string{"00:00:00:00:00:aa"}})                        // discovered: MAC only
		bySerial := mk(&core.Device{Serial: "SER-1"})                                        // registered by serial
		tagged := mk(&core.Device{AssetTag: "T-1", MACs: []string{"00:00:00:00:00:bb"}})     // has a tag and a MAC
		other := mk(&core.Device{AssetTag: "T-2", Serial: "SHARED"})                         // two devices share a serial
		other2 := mk(&core.Device{AssetTag: "T-3", Serial: "SHARED"})                        //
		withSerial := mk(&core.Device{Serial: "SER-2", MACs: []string{"00:00:00:00:00:cc"}}) // serial and MAC
		src := "asset_tag,serial,macs,name\n" +
			"N-1,,00:00:00:00:00:aa,adopt by MAC\n" + // 2: takes the discovered device
			"N-2,SER-1,,adopt by serial\n" + // 3: takes the device known by serial
			"T-9,,00:00:00:00:00:bb,MAC of another tag\n" + // 4: rejected
			",SHARED,,ambiguous serial\n" + // 5: rejected
			"T-1,,00:00:00:00:00:cc,tag of one MAC of another\n" + // 6: rejected
			",SER-3,00:00:00:00:00:cc,other serial\n" + // 7: rejected: MAC's device has serial SER-2
			"T-4,SHARED,,new device sharing a serial\n" // 8: created
		sum, rows := runImport(t, inv, src, service.ImportOptions{})
		if sum.String() != wantSummary(1, 2, 0, 4) {
			t.Errorf("summary %s", sum)
		}
		want := []struct {
			action service.ImportAction
			device core.DeviceID
			msg    string
		}{
			{service.ImportUpdated, seen.ID, ""},
			{service.ImportUpdated, bySerial.ID, ""},
			{service.ImportRejected, 0, fmt.Sprintf("macs: the MAC address belongs to device %d, which has another asset tag", tagged.ID)},
			{service.ImportRejected, 0, fmt.Sprintf("serial: the serial matches 2 devices (device %d and device %d); give the row an asset tag to say which", other.ID, other2.ID)},
			{service.ImportRejected, 0, fmt.Sprintf("macs: the MAC address already belongs to device %d", withSerial.ID)},
			{service.ImportRejected, 0, fmt.Sprintf("macs: the MAC address belongs to device %d, which has another serial", withSerial.ID)},
			{service.ImportCreated, 0, ""},
		}
		for i, w := range want {
			r := rows[i]
			msg := ""
			if len(r.Errors) > 0 {
				msg = r.Errors[0].Column + ": " + r.Errors[0].Message
			}
			if r.Action != w.action || (w.device != 0 && r.Device != w.device) || msg != w.msg {
				t.Errorf("line %d: %s device %d %q; want %s device %d %q", r.Line, r.Action, r.Device, msg, w.action, w.device, w.msg)
			}
		}
		if d := deviceByTag(t, st, "N-1"); d.ID != seen.ID || d.Name != "adopt by MAC" {
			t.Errorf("adopted device: %+v", d)
		}
	})
}

func TestImportKeepsWhatAPersonEntered(t *testing.T) {
	importBackends(t, func(t *testing.T, st core.Store) {
		ctx := context.Background()
		inv := service.NewInventory(st, core.FixedClock{T: importT0})
		d := &core.Device{AssetTag: "A1", Owner: "Dr. Who"}
		if err := inv.CreateDevice(ctx, core.SourceUI, d); err != nil {
			t.Fatal(err)
		}
		src := "asset_tag,owner,ips,manufacturer,model\nA1,CMMS owner,10.0.0.9,Acme,X1\n"
		_, rows := runImport(t, inv, src, service.ImportOptions{})
		r := rows[0]
		if r.Action != service.ImportUpdated || !reflect.DeepEqual(r.Changed, []string{"ips", "model_id"}) ||
			!reflect.DeepEqual(r.Kept, []string{"owner"}) {
			t.Fatalf("row = %+v", r)
		}
		got := deviceByTag(t, st, "A1")
		if got.Owner != "Dr. Who" || got.Provenance["owner"].Source != core.SourceUI || got.Provenance["ips"].Source != core.SourceImport {
			t.Errorf("device = %+v", got)
		}
		// A person's model is kept too, and a missing model is not created for nothing.
		if _, err := inv.PatchDevice(ctx, core.SourceAPI, got.ID, 0, service.Patch{"model_id": []byte("null")}); err != nil {
			t.Fatal(err)
		}
		src2 := "asset_tag,manufacturer,model\nA1,Other,Y2\n"
		sum, rows := runImport(t, inv, src2, service.ImportOptions{})
		if sum.Unchanged != 1 || !reflect.DeepEqual(rows[0].Kept, []string{"model_id"}) || sum.NewModels != 0 || sum.NewManufacturers != 0 {
			t.Errorf("kept model: %s %+v %+v", sum, sum, rows[0])
		}
		// --overwrite takes the file's values.
		sum, rows = runImport(t, inv, src, service.ImportOptions{Overwrite: true})
		if sum.Updated != 1 || !reflect.DeepEqual(rows[0].Changed, []string{"owner", "model_id"}) {
			t.Errorf("overwrite: %s %+v", sum, rows[0])
		}
		if got := deviceByTag(t, st, "A1"); got.Owner != "CMMS owner" || got.Provenance["owner"].Source != core.SourceImport {
			t.Errorf("after overwrite: %+v", got)
		}
	})
}

func TestImportReferences(t *testing.T) {
	importBackends(t, func(t *testing.T, st core.Store) {
		inv := service.NewInventory(st, core.FixedClock{T: importT0})
		runImport(t, inv, importBase, service.ImportOptions{})
		// A new model without a version drops the old model's release; a new
		// site without a zone drops the old site's zone.
		src := "asset_tag,manufacturer,model,site\nA1,Baxter,Sigma Spectrum v2,South\n"
		_, rows := runImport(t, inv, src, service.ImportOptions{})
		if !reflect.DeepEqual(rows[0].Changed, []string{"model_id", "release_id", "site_id", "zone_id"}) {
			t.Errorf("changed = %v", rows[0].Changed)
		}
		d := deviceByTag(t, st, "A1")
		if d.ReleaseID != 0 || d.ZoneID != 0 || d.ModelID == 0 || d.SiteID == 0 {
			t.Errorf("device = %+v", d)
		}
		// Names are matched without regard to case.
		sum, _ := runImport(t, inv, "asset_tag,manufacturer,model,site\nA1,BAXTER,sigma spectrum V2,south\n", service.ImportOptions{})
		if sum.Unchanged != 1 || sum.NewModels+sum.NewManufacturers+sum.NewSites != 0 {
			t.Errorf("case-insensitive names: %+v", sum)
		}
		// A version needs a model, a zone a site.
		src = "asset_tag,software_version,zone\nNEW-1,1.0,\nNEW-2,,Clinical\n"
		sum, rows = runImport(t, inv, src, service.ImportOptions{})
		if sum.Rejected != 2 || rows[0].Errors[0].Column != "software_version" || rows[1].Errors[0].Column != "zone" {
			t.Errorf("%s %+v", sum, rows)
		}
		// ... unless the stored device has one.
		sum, _ = runImport(t, inv, "asset_tag,software_version,zone\nA2,9.9,Clinical\n", service.ImportOptions{})
		if sum.Updated != 1 || sum.NewReleases != 1 {
			t.Errorf("version for a stored model: %+v", sum)
		}
	})
}

func TestImportKeepsGoodRowsOfABadFile(t *testing.T) {
	src := "asset_tag,ips,notes\n" +
		"A1,10.0.0.1,ok\n" +
		"A2,not-an-ip,bad ip\n" +
		"A3,,\"unclosed\n"
	importBackends(t, func(t *testing.T, st core.Store) {
		inv := service.NewInventory(st, core.FixedClock{T: importT0})
		sum, rows := runImport(t, inv, src, service.ImportOptions{})
		if sum.String() != wantSummary(1, 0, 0, 2) || countDevices(t, st) != 1 {
			t.Fatalf("%s", sum)
		}
		want := []inventory.RowError{{Line: 3, Column: "ips", Message: "is not an IPv4 or IPv6 address"}}
		if !reflect.DeepEqual(rows[1].Errors, want) {
			t.Errorf("row 3 errors = %+v", rows[1].Errors)
		}
		if rows[2].Errors[0].Column != "notes" || rows[2].Line != 4 {
			t.Errorf("row 4 errors = %+v", rows[2].Errors)
		}
	})
}

// faultyStore wraps a real store and makes device writes that contain a
// chosen asset tag fail, to exercise the batch-retry path that validation
// normally makes unreachable (a concurrent writer, say).
type faultyStore struct {
	core.Store
	tag  string
	kind core.Kind
}

func (f *faultyStore) InTx(ctx context.Context, fn func(core.Inventory) error) error {
	return f.Store.InTx(ctx, func(inv core.Inventory) error { return fn(&faultyInv{inv, f}) })
}

type faultyInv struct {
	core.Inventory
	f *faultyStore
}

func (i *faultyInv) CreateDevices(ctx context.Context, ds []*core.Device) error {
	for _, d := range ds {
		if d.AssetTag == i.f.tag {
			return &core.Error{Kind: i.f.kind, Message: "the asset tag is already taken", Field: "asset_tag"}
		}
	}
	return i.Inventory.CreateDevices(ctx, ds)
}

func TestImportRetriesAFailedBatchRowByRow(t *testing.T) {
	var src strings.Builder
	src.WriteString("asset_tag,manufacturer,model\n")
	for i := 1; i <= 10; i++ {
		fmt.Fprintf(&src, "A%d,Maker%d,Model\n", i, i/5) // Maker1 first appears in the failing batch
	}
	importBackends(t, func(t *testing.T, real core.Store) {
		st := &faultyStore{Store: real, tag: "A5", kind: core.KindConflict}
		inv := service.NewInventory(st, core.FixedClock{T: importT0})
		sum, rows := runImport(t, inv, src.String(), service.ImportOptions{BatchSize: 4})
		if sum.String() != wantSummary(9, 0, 0, 1) || sum.NewManufacturers != 3 {
			t.Fatalf("%s %+v", sum, sum)
		}
		if r := rows[4]; r.Line != 6 || r.Errors[0] != (inventory.RowError{Line: 6, Column: "asset_tag", Message: "the asset tag is already taken"}) {
			t.Errorf("row = %+v", r)
		}
		ms, err := real.ListManufacturers(context.Background(), core.ListOptions{})
		if err != nil || len(ms) != 3 {
			t.Errorf("manufacturers = %d, %v", len(ms), err)
		}
		if n := countDevices(t, real); n != 9 {
			t.Errorf("%d devices", n)
		}
		// A database failure stops the import; committed batches stay.
		st.tag, st.kind = "B7", core.KindInternal
		src2 := strings.ReplaceAll(src.String(), "\nA", "\nB")
		rd, _ := inventory.NewReader(context.Background(), strings.NewReader(src2), inventory.Options{})
		sum, err = inv.ImportDevices(context.Background(), rd, service.ImportOptions{BatchSize: 4})
		if core.KindOf(err) != core.KindInternal || sum.Created != 4 {
			t.Errorf("internal failure: %s, %v", sum, err)
		}
		if n := countDevices(t, real); n != 13 {
			t.Errorf("%d devices after the failed import", n)
		}
	})
}

func TestImportHonoursContext(t *testing.T) {
	st := openImportSQLite(t)
	inv := service.NewInventory(st, core.FixedClock{T: importT0})
	ctx, cancel := context.WithCancel(context.Background())
	rd, err := inventory.NewReader(ctx, strings.NewReader(importBase), inventory.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := inv.ImportDevices(ctx, rd, service.ImportOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

// genDevicesCSV writes n distinct, valid device rows naming a few models, sites
// and zones, as a CMMS export would.
func genDevicesCSV(n int) string {
	var b strings.Builder
	b.WriteString(importHeader)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "BME-%06d,SN%07d,device %d,Maker %d,Model %d,Infusion Pump,therapy,%d.0,Site %d,Zone %d,Dept %d,Biomed,active,%s,10.%d.%d.%d\n",
			i, i, i, i%5, i%20, i%3, i%2, i%4, i%30, genMAC(i), i>>16&255, i>>8&255, i&255)
	}
	return b.String()
}

func genMAC(i int) string {
	return fmt.Sprintf("02:00:%02x:%02x:%02x:%02x", i>>24&255, i>>16&255, i>>8&255, i&255)
}

func TestImportManyRowsAcrossBatches(t *testing.T) {
	st := openImportSQLite(t)
	inv := service.NewInventory(st, core.FixedClock{T: importT0})
	src := genDevicesCSV(2500)
	sum, _ := runImport(t, inv, src, service.ImportOptions{BatchSize: 1000})
	if sum.String() != wantSummary(2500, 0, 0, 0) || countDevices(t, st) != 2500 {
		t.Fatalf("%s", sum)
	}
	sum, _ = runImport(t, inv, src, service.ImportOptions{BatchSize: 700})
	if sum.String() != wantSummary(0, 0, 2500, 0) {
		t.Fatalf("re-run: %s", sum)
	}
	var progress []int
	rd, _ := inventory.NewReader(context.Background(), strings.NewReader(src), inventory.Options{})
	if _, err := inv.ImportDevices(context.Background(), rd, service.ImportOptions{BatchSize: 1000,
		OnProgress: func(n int) { progress = append(progress, n) }}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(progress, []int{1000, 2000, 2500}) {
		t.Errorf("progress = %v", progress)
	}
}

// BenchmarkImportDevices measures the import use case on SQLite: parsing,
// matching, validation and writing 10,000 new devices per iteration into a
// fresh database. The whole-command figure is BenchmarkImportCommand in
// internal/cli.
func BenchmarkImportDevices(b *testing.B) {
	const n = 10000
	src := genDevicesCSV(n)
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		st := openImportSQLite(b)
		inv := service.NewInventory(st, core.SystemClock{})
		rd, err := inventory.NewReader(context.Background(), strings.NewReader(src), inventory.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		sum, err := inv.ImportDevices(context.Background(), rd, service.ImportOptions{})
		total += time.Since(start)
		if err != nil || sum.Created != n {
			b.Fatalf("%s, %v", sum, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "devices/s")
}

func TestImportRejectsAStoredDeviceThatNoLongerValidates(t *testing.T) {
	// A device stored with an HL7 endpoint that today's rules reject (an
	// empty application) cannot be written back; the row says where.
	st := openImportSQLite(t)
	ctx := context.Background()
	d := &core.Device{AssetTag: "A1", HL7: []core.HL7Endpoint{{Application: "LAB"}, {Application: " "}}}
	if err := st.CreateDevice(ctx, d); err != nil {
		t.Fatal(err)
	}
	inv := service.NewInventory(st, core.FixedClock{T: importT0})
	sum, rows := runImport(t, inv, "asset_tag,name\nA1,renamed\n", service.ImportOptions{})
	want := []inventory.RowError{{Line: 2, Column: "hl7", Message: "entry 2 is not valid"}}
	if sum.Rejected != 1 || !reflect.DeepEqual(rows[0].Errors, want) {
		t.Errorf("%s %+v", sum, rows)
	}
	// A row that changes nothing is not checked: there is nothing to write.
	sum, _ = runImport(t, inv, "asset_tag,name\nA1,\n", service.ImportOptions{})
	if sum.Unchanged != 1 {
		t.Errorf("%s", sum)
	}
}
