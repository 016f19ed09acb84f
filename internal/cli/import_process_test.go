package cli

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite" // read the database the killed process left, independently of the store

	"github.com/vigil-oss/vigil/internal/app"
	"github.com/vigil-oss/vigil/internal/core"
)

// vigilBinary builds the real vigil binary into a temporary directory.
func vigilBinary(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "vigil")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/vigil-oss/vigil/cmd/vigil").CombinedOutput()
	if err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

const genHeader = "asset_tag,serial,name,manufacturer,model,device_type,software_version,site,zone,department,lifecycle,macs,ips\n"

// genRow is row i of the generated inventory: every row a distinct device,
// naming 5 manufacturers, 20 models, 60 versions, 2 sites and 4 zones.
func genRow(i int) string {
	return fmt.Sprintf("BME-%06d,SN%07d,device %d,Maker %d,Model %d,Infusion Pump,%d.0,Site %d,Zone %d,Dept %d,active,02:00:%02x:%02x:%02x:%02x,10.%d.%d.%d\n",
		i, i, i, i%5, i%20, i%3, i%2, i%4, i%30, i>>24&255, i>>16&255, i>>8&255, i&255, i>>16&255, i>>8&255, i&255)
}

func writeDevicesCSV(tb testing.TB, path string, n int) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString(genHeader)
	for i := 0; i < n; i++ {
		w.WriteString(genRow(i))
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// checkGenerated checks that device i is exactly what genRow(i) says.
func checkGenerated(t *testing.T, st core.Store, i int) {
	t.Helper()
	ctx := context.Background()
	tag := fmt.Sprintf("BME-%06d", i)
	ds, err := st.FindDevices(ctx, core.DeviceKeys{AssetTags: []string{tag}})
	if err != nil || len(ds) != 1 {
		t.Fatalf("device %s: %v (%d found)", tag, err, len(ds))
	}
	d := ds[0]
	wantMAC := fmt.Sprintf("02:00:%02x:%02x:%02x:%02x", i>>24&255, i>>16&255, i>>8&255, i&255)
	wantIP := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
	if d.Serial != fmt.Sprintf("SN%07d", i) || d.Name != fmt.Sprintf("device %d", i) ||
		d.Location.Department != fmt.Sprintf("Dept %d", i%30) || d.Lifecycle != core.LifecycleActive ||
		len(d.MACs) != 1 || d.MACs[0] != wantMAC || len(d.IPs) != 1 || d.IPs[0] != wantIP || d.Version != 1 {
		t.Errorf("device %s = %+v", tag, d)
	}
	m, err := st.GetModel(ctx, d.ModelID)
	if err != nil || m.Name != fmt.Sprintf("Model %d", i%20) || m.DeviceType != "infusion-pump" {
		t.Errorf("device %s: model %+v, %v", tag, m, err)
	}
	if mf, err := st.GetManufacturer(ctx, m.ManufacturerID); err != nil || mf.Name != fmt.Sprintf("Maker %d", i%5) {
		t.Errorf("device %s: manufacturer %+v, %v", tag, mf, err)
	}
	if r, err := st.GetRelease(ctx, d.ReleaseID); err != nil || r.Version != fmt.Sprintf("%d.0", i%3) || r.ModelID != m.ID {
		t.Errorf("device %s: release %+v, %v", tag, r, err)
	}
	if s, err := st.GetSite(ctx, d.SiteID); err != nil || s.Name != fmt.Sprintf("Site %d", i%2) {
		t.Errorf("device %s: site %+v, %v", tag, s, err)
	}
	if z, err := st.GetZone(ctx, d.ZoneID); err != nil || z.Name != fmt.Sprintf("Zone %d", i%4) || z.SiteID != d.SiteID {
		t.Errorf("device %s: zone %+v, %v", tag, z, err)
	}
}

var summaryRE = regexp.MustCompile(`created (\d+), updated (\d+), unchanged (\d+), rejected (\d+)`)

func parseSummary(t *testing.T, out string) [4]int {
	t.Helper()
	m := summaryRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no summary in %q", out)
	}
	var n [4]int
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+1])
	}
	return n
}

// rawCount reads the device count through a read-only connection of our
// own, as an outside observer of the importing process would.
func rawCount(db *sql.DB) (int, error) {
	var n int
	err := db.QueryRow(`SELECT count(*) FROM devices`).Scan(&n)
	return n, err
}

// TestImportSurvivesKill9 kills an import of 100,000 rows mid-way and
// checks that the database is intact and holds only whole batches, that
// the same import then finishes the job exactly, and that a third run
// changes nothing.
func TestImportSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and imports 300,000 rows")
	}
	const rows, batch = 100000, 1000
	bin := vigilBinary(t)
	dir := t.TempDir()
	csvPath, dbPath := filepath.Join(dir, "devices.csv"), filepath.Join(dir, "vigil.db")
	writeDevicesCSV(t, csvPath, rows)

	cmd := exec.Command(bin, "import", "devices", csvPath, "--db", dbPath, "--batch", strconv.Itoa(batch))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for some batches to be committed, then kill without warning.
	var watcher *sql.DB
	deadline := time.Now().Add(2 * time.Minute)
	killedAt := -1
	for time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
		if watcher == nil {
			if _, err := os.Stat(dbPath); err != nil {
				continue
			}
			db, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro&_pragma=busy_timeout(1000)")
			if err != nil {
				t.Fatal(err)
			}
			watcher = db
		}
		n, err := rawCount(watcher)
		if err != nil {
			continue // the schema may not exist yet
		}
		if n >= 10*batch {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killedAt = n
			break
		}
	}
	err := cmd.Wait()
	if watcher != nil {
		watcher.Close()
	}
	var exitErr *exec.ExitError
	if killedAt < 0 || !errors.As(err, &exitErr) || exitErr.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the import was not killed mid-way (seen %d devices, wait: %v, stderr: %s)", killedAt, err, stderr.String())
	}

	// The database opens cleanly and holds only whole batches, in file order.
	db, err := sql.Open("sqlite", "file:"+dbPath)
	if err != nil {
		t.Fatal(err)
	}
	var check string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q, %v", check, err)
	}
	var fkProblems int
	if err := db.QueryRow(`SELECT count(*) FROM pragma_foreign_key_check`).Scan(&fkProblems); err != nil || fkProblems != 0 {
		t.Fatalf("foreign key problems: %d, %v", fkProblems, err)
	}
	n, err := rawCount(db)
	if err != nil {
		t.Fatal(err)
	}
	var lastTag string
	var macs int
	if err := db.QueryRow(`SELECT max(asset_tag) FROM devices`).Scan(&lastTag); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM device_macs`).Scan(&macs); err != nil {
		t.Fatal(err)
	}
	db.Close()
	t.Logf("killed with %d devices seen; %d committed", killedAt, n)
	if n == 0 || n%batch != 0 || n >= rows {
		t.Fatalf("after kill -9: %d devices, want a positive multiple of %d below %d", n, batch, rows)
	}
	if lastTag != fmt.Sprintf("BME-%06d", n-1) || macs != n {
		t.Fatalf("after kill -9: last asset tag %s, %d MACs for %d devices", lastTag, macs, n)
	}

	// The same import again finishes the job.
	out, err := exec.Command(bin, "import", "devices", csvPath, "--db", dbPath).Output()
	if err != nil {
		t.Fatalf("re-run: %v\n%s", err, out)
	}
	if got := parseSummary(t, string(out)); got != [4]int{rows - n, 0, n, 0} {
		t.Fatalf("re-run summary %v, want created %d, unchanged %d", got, rows-n, n)
	}
	st, err := app.OpenStore(context.Background(), dbPath, app.SchemaCheck)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := st.CountDevices(context.Background()); err != nil || c != rows {
		t.Fatalf("final count %d, %v", c, err)
	}
	for _, i := range []int{0, 1, n - 1, n, n + 1, rows / 2, rows - 1} {
		checkGenerated(t, st, i)
	}
	if l, _ := st.ListManufacturers(context.Background(), core.ListOptions{Limit: 1000}); len(l) != 5 {
		t.Errorf("%d manufacturers, want 5", len(l))
	}
	if l, _ := st.ListModels(context.Background(), 0, core.ListOptions{Limit: 1000}); len(l) != 20 {
		t.Errorf("%d models, want 20", len(l))
	}
	if l, _ := st.ListReleases(context.Background(), 0, core.ListOptions{Limit: 1000}); len(l) != 60 {
		t.Errorf("%d releases, want 60", len(l))
	}
	if l, _ := st.ListZones(context.Background(), 0, core.ListOptions{Limit: 1000}); len(l) != 4 {
		t.Errorf("%d zones, want 4", len(l))
	}
	st.Close()

	// And once more: nothing to do.
	out, err = exec.Command(bin, "import", "devices", csvPath, "--db", dbPath).Output()
	if err != nil {
		t.Fatalf("third run: %v\n%s", err, out)
	}
	if got := parseSummary(t, string(out)); got != [4]int{0, 0, rows, 0} {
		t.Fatalf("third run summary %v, want all %d unchanged", got, rows)
	}
}

// BenchmarkImportCommand times the whole command, as a user runs it:
// process start, opening (and creating) the database, reading, matching,
// writing and closing, for 100,000 new devices per iteration.
//
//	go test ./internal/cli -run '^$' -bench ImportCommand -benchtime 3x
func BenchmarkImportCommand(b *testing.B) {
	const rows = 100000
	bin := vigilBinary(b)
	dir := b.TempDir()
	csvPath := filepath.Join(dir, "devices.csv")
	writeDevicesCSV(b, csvPath, rows)
	var total time.Duration
	i := 0
	for b.Loop() {
		dbPath := filepath.Join(dir, fmt.Sprintf("vigil-%d.db", i))
		i++
		start := time.Now()
		out, err := exec.Command(bin, "import", "devices", csvPath, "--db", dbPath).CombinedOutput()
		total += time.Since(start)
		if err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
	}
	b.ReportMetric(float64(rows*b.N)/total.Seconds(), "devices/s")
}
