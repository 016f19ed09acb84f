package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/store/sqlite"
)

// The benchmarks run against an inventory of benchDevices devices, seeded
// once per backend per test binary and only when a benchmark asks for it,
// so plain `go test` never pays for it.
const (
	benchDevices = 100_000
	benchBatch   = 1_000
	benchSites   = 2
	benchZones   = 20 // spread over the sites
	benchMfrs    = 5
	benchModels  = 50 // spread over the manufacturers and benchTypes
)

var benchTypes = []string{"infusion-pump", "patient-monitor", "ventilator", "ct-scanner", "workstation"}

// benchInventory is a seeded API and the ids the benchmarks query.
type benchInventory struct {
	env     *env
	sites   []core.SiteID
	firstID core.DeviceID // devices have ids firstID to firstID+benchDevices-1
	err     error
}

var (
	benchOnce    = map[string]*sync.Once{"sqlite": {}, "postgres": {}}
	benchSeeded  = map[string]*benchInventory{}
	benchCleanup []func()
)

// TestMain only tidies up after the benchmarks: their seeded databases
// outlive any one benchmark, so no b.Cleanup can remove them.
func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range benchCleanup {
		f()
	}
	os.Exit(code)
}

// seeded returns the API over the seeded backend, seeding it on first use.
func seeded(b *testing.B, backend string) *benchInventory {
	b.Helper()
	if backend == "postgres" && os.Getenv(postgresDSNVar) == "" {
		b.Skipf("%s is not set; skipping the PostgreSQL variant", postgresDSNVar)
	}
	benchOnce[backend].Do(func() {
		bi := &benchInventory{}
		benchSeeded[backend] = bi
		start := time.Now()
		var st core.Store
		if st, bi.sites, bi.firstID, bi.err = openSeeded(b, backend); bi.err == nil {
			bi.env = newEnvOn(b, st, 0)
			b.Logf("seeded %d devices on %s in %v", benchDevices, backend, time.Since(start).Round(time.Millisecond))
		}
	})
	bi := benchSeeded[backend]
	if bi == nil || bi.err != nil || bi.env == nil {
		b.Fatalf("seeding %s failed: %v", backend, bi.err)
	}
	bi.env.t = b
	return bi
}

// openSeeded returns a store of backend holding the benchmark inventory,
// with planner statistics gathered as on a database that has been running
// for a while.
func openSeeded(b *testing.B, backend string) (core.Store, []core.SiteID, core.DeviceID, error) {
	ctx := context.Background()
	if backend == "postgres" {
		st, dsn, drop := openPostgres(b)
		benchCleanup = append(benchCleanup, drop)
		sites, first, err := seedBench(st)
		if err == nil {
			err = analyzePostgres(dsn)
		}
		return st, sites, first, err
	}
	dir, err := os.MkdirTemp("", "vigil-httpapi-bench-")
	if err != nil {
		return nil, nil, 0, err
	}
	benchCleanup = append(benchCleanup, func() { os.RemoveAll(dir) })
	file := filepath.Join(dir, "vigil.db")
	st, err := sqlite.Open(ctx, file, sqlite.Options{})
	if err != nil {
		return nil, nil, 0, err
	}
	if _, err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, nil, 0, err
	}
	sites, first, err := seedBench(st)
	// Closing runs PRAGMA optimize, which gathers the statistics.
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, nil, 0, err
	}
	if st, err = sqlite.Open(ctx, file, sqlite.Options{}); err != nil {
		return nil, nil, 0, err
	}
	benchCleanup = append([]func(){func() { st.Close() }}, benchCleanup...)
	return st, sites, first, nil
}

// seedBench stores the benchmark inventory directly through the store, in
// batches: the API is what is measured, not what is loaded.
func seedBench(st core.Store) ([]core.SiteID, core.DeviceID, error) {
	ctx := context.Background()
	now := time.Now().UTC()
	prov := core.Provenance{}
	prov.Set(core.SourceImport, now, core.DeviceAttributes...)
	var sites []*core.Site
	for i := range benchSites {
		s := &core.Site{Name: fmt.Sprintf("Campus %d", i), Provenance: core.Provenance{}}
		if err := st.CreateSite(ctx, s); err != nil {
			return nil, 0, err
		}
		sites = append(sites, s)
	}
	var zones []*core.Zone
	for i := range benchZones {
		z := &core.Zone{SiteID: sites[i%benchSites].ID, Name: fmt.Sprintf("Zone %d", i),
			CIDRs: []string{fmt.Sprintf("10.%d.0.0/16", i)}, VLANs: []int{100 + i}, Provenance: core.Provenance{}}
		if err := st.CreateZone(ctx, z); err != nil {
			return nil, 0, err
		}
		zones = append(zones, z)
	}
	var mfrs []*core.Manufacturer
	for i := range benchMfrs {
		m := &core.Manufacturer{Name: fmt.Sprintf("Maker %d", i), Provenance: core.Provenance{}}
		if err := st.CreateManufacturer(ctx, m); err != nil {
			return nil, 0, err
		}
		mfrs = append(mfrs, m)
	}
	var models []*core.Model
	var releases []*core.Release
	for i := range benchModels {
		m := &core.Model{ManufacturerID: mfrs[i%benchMfrs].ID, Name: fmt.Sprintf("Model %d", i),
			DeviceType: benchTypes[i%len(benchTypes)], Function: core.Functions[i%len(core.Functions)], Provenance: core.Provenance{}}
		if err := st.CreateModel(ctx, m); err != nil {
			return nil, 0, err
		}
		r := &core.Release{ModelID: m.ID, Version: "1.0." + fmt.Sprint(i), SupportLevel: core.SupportActive, Provenance: core.Provenance{}}
		if err := st.CreateRelease(ctx, r); err != nil {
			return nil, 0, err
		}
		models, releases = append(models, m), append(releases, r)
	}
	lifecycles := []core.Lifecycle{core.LifecycleActive, core.LifecycleActive, core.LifecycleActive, core.LifecycleInStorage, core.LifecycleRetired}
	batch := make([]*core.Device, 0, benchBatch)
	var first core.DeviceID
	for i := range benchDevices {
		z := zones[i%benchZones]
		m := (i * 7) % benchModels // decorrelated from the zone
		seen := now.Add(-time.Duration(i%5000) * time.Minute)
		batch = append(batch, &core.Device{
			AssetTag: fmt.Sprintf("AT-%06d", i), Serial: fmt.Sprintf("SN%08d", i*7919%99999989),
			Name: fmt.Sprintf("%s %d", benchTypes[m%len(benchTypes)], i), ModelID: models[m].ID, ReleaseID: releases[m].ID,
			SiteID: z.SiteID, ZoneID: z.ID, Location: core.Location{Building: "B" + fmt.Sprint(i%9), Floor: fmt.Sprint(i % 6), Room: fmt.Sprint(i % 400)},
			Owner: "Clinical engineering", Lifecycle: lifecycles[i%len(lifecycles)],
			MACs:      []string{fmt.Sprintf("02:00:%02x:%02x:%02x:%02x", byte(i>>24), byte(i>>16), byte(i>>8), byte(i))},
			IPs:       []string{fmt.Sprintf("10.%d.%d.%d", i%benchZones, (i/250)%250, i%250+1)},
			Hostnames: []string{fmt.Sprintf("dev-%06d.clinical.example", i)}, AETitles: []string{}, HL7: []core.HL7Endpoint{},
			FirstSeen: &seen, LastSeen: &seen, Provenance: prov,
		})
		if len(batch) == benchBatch {
			if err := st.CreateDevices(ctx, batch); err != nil {
				return nil, 0, fmt.Errorf("create devices: %w", err)
			}
			if first == 0 {
				first = batch[0].ID
			}
			batch = batch[:0]
		}
	}
	if last := batch[:cap(batch)][benchBatch-1].ID; last != first+benchDevices-1 {
		return nil, 0, fmt.Errorf("device ids run from %d to %d, not consecutively", first, last)
	}
	return []core.SiteID{sites[0].ID, sites[1].ID}, first, nil
}

// serve runs one request through the handler and returns its duration and
// body.
func (bi *benchInventory) serve(b *testing.B, target string) (time.Duration, []byte) {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.Header.Set("Authorization", "Bearer "+bi.env.auditor)
	w := httptest.NewRecorder()
	start := time.Now()
	bi.env.handler.ServeHTTP(w, r)
	d := time.Since(start)
	if w.Code != http.StatusOK {
		b.Fatalf("GET %s: %d %s", target, w.Code, w.Body.Bytes())
	}
	return d, w.Body.Bytes()
}

// reportLatency reports the median and 99th percentile of ds in ms.
func reportLatency(b *testing.B, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	at := func(q float64) float64 {
		i := int(q*float64(len(ds))+0.999999) - 1
		return float64(ds[max(i, 0)].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

var backends = []string{"sqlite", "postgres"}

// BenchmarkListDevicesFiltered lists pages of 100 devices of one site and
// one device type, following next_cursor through up to 20 pages before
// moving to the next site and type, so deep pages are measured too.
func BenchmarkListDevicesFiltered(b *testing.B) {
	for _, backend := range backends {
		b.Run(backend, func(b *testing.B) {
			bi := seeded(b, backend)
			var ds []time.Duration
			combo, depth, cursor := 0, 0, ""
			b.ReportAllocs()
			for b.Loop() {
				site := bi.sites[combo%len(bi.sites)]
				typ := benchTypes[(combo/len(bi.sites))%len(benchTypes)]
				target := fmt.Sprintf("/api/v1/devices?site=%d&type=%s&limit=100", site, typ)
				if cursor != "" {
					target += "&cursor=" + url.QueryEscape(cursor)
				}
				d, body := bi.serve(b, target)
				ds = append(ds, d)
				var page struct {
					Items      []json.RawMessage `json:"items"`
					NextCursor string            `json:"next_cursor"`
				}
				b.StopTimer() // decoding the page is the client's cost
				if err := json.Unmarshal(body, &page); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if len(page.Items) != 100 {
					b.Fatalf("GET %s: %d items, want 100", target, len(page.Items))
				}
				cursor, depth = page.NextCursor, depth+1
				if cursor == "" || depth == 20 {
					combo, depth, cursor = combo+1, 0, ""
				}
			}
			reportLatency(b, ds)
		})
	}
}

// BenchmarkGetDevice fetches devices by id at random.
func BenchmarkGetDevice(b *testing.B) {
	for _, backend := range backends {
		b.Run(backend, func(b *testing.B) {
			bi := seeded(b, backend)
			rng := rand.New(rand.NewPCG(1, 2))
			var ds []time.Duration
			b.ReportAllocs()
			for b.Loop() {
				id := bi.firstID + core.DeviceID(rng.IntN(benchDevices))
				d, _ := bi.serve(b, fmt.Sprintf("/api/v1/devices/%d", id))
				ds = append(ds, d)
			}
			reportLatency(b, ds)
		})
	}
}
