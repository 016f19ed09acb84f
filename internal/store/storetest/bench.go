package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
)

// Dataset describes what Seed stored, for benchmarks to query.
type Dataset struct {
	Sites       []core.SiteID
	DeviceTypes []string
	Devices     []core.DeviceID
}

var benchTypes = []struct {
	typ string
	fn  core.Function
}{
	{"infusion-pump", core.FunctionTherapy}, {"patient-monitor", core.FunctionMonitoring},
	{"ventilator", core.FunctionLifeSustaining}, {"ct-scanner", core.FunctionDiagnostic},
	{"mri", core.FunctionDiagnostic}, {"ultrasound", core.FunctionDiagnostic},
	{"x-ray", core.FunctionDiagnostic}, {"ecg", core.FunctionMonitoring},
	{"lab-analyzer", core.FunctionDiagnostic}, {"pacs-workstation", core.FunctionWorkflow},
	{"nurse-call", core.FunctionWorkflow}, {"badge-reader", core.FunctionNonClinical},
}

// Seed fills an empty, migrated store with a hospital-shaped inventory: 10
// sites of 4 zones, 6 manufacturers, 48 models over 12 device types, and n
// devices spread evenly over them, imported in batches of 1000.
func Seed(ctx context.Context, s core.Store, n int) (*Dataset, error) {
	rng := rand.New(rand.NewPCG(1, 2))
	ds := &Dataset{}
	var zones [][]core.ZoneID
	for i := range 10 {
		site := &core.Site{Name: fmt.Sprintf("Campus %d", i), Code: fmt.Sprintf("C%d", i)}
		if err := s.CreateSite(ctx, site); err != nil {
			return nil, err
		}
		ds.Sites = append(ds.Sites, site.ID)
		var zs []core.ZoneID
		for j := range 4 {
			z := &core.Zone{SiteID: site.ID, Name: fmt.Sprintf("Zone %d", j), CIDRs: []string{fmt.Sprintf("10.%d.%d.0/24", i, j)}}
			if err := s.CreateZone(ctx, z); err != nil {
				return nil, err
			}
			zs = append(zs, z.ID)
		}
		zones = append(zones, zs)
	}
	var mfrs []core.ManufacturerID
	for i := range 6 {
		m := &core.Manufacturer{Name: fmt.Sprintf("Maker %d", i)}
		if err := s.CreateManufacturer(ctx, m); err != nil {
			return nil, err
		}
		mfrs = append(mfrs, m.ID)
	}
	for _, t := range benchTypes {
		ds.DeviceTypes = append(ds.DeviceTypes, t.typ)
	}
	var models []*core.Model
	for i := range 48 {
		t := benchTypes[i%len(benchTypes)]
		m := &core.Model{ManufacturerID: mfrs[i%len(mfrs)], Name: fmt.Sprintf("%s %d", t.typ, i), DeviceType: t.typ,
			Function: t.fn, FDAClass: "II"}
		if err := s.CreateModel(ctx, m); err != nil {
			return nil, err
		}
		models = append(models, m)
	}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var batch []*core.Device
	for i := range n {
		site := rng.IntN(len(ds.Sites))
		model := models[rng.IntN(len(models))]
		d := &core.Device{
			AssetTag: fmt.Sprintf("BME-%07d", i), Serial: fmt.Sprintf("SN%09d", rng.Int64N(1e9)),
			Name:    fmt.Sprintf("%s %d", model.DeviceType, i),
			ModelID: model.ID, SiteID: ds.Sites[site], ZoneID: zones[site][rng.IntN(4)],
			Location: core.Location{Building: fmt.Sprintf("B%d", rng.IntN(8)), Floor: fmt.Sprint(rng.IntN(6)), Room: fmt.Sprint(rng.IntN(400))},
			Owner:    "Biomed", Lifecycle: core.LifecycleActive,
			MACs:      []string{fmt.Sprintf("02:%02x:%02x:%02x:%02x:%02x", i>>32&0xff, i>>24&0xff, i>>16&0xff, i>>8&0xff, i&0xff)},
			IPs:       []string{fmt.Sprintf("10.%d.%d.%d", site, rng.IntN(4), rng.IntN(254)+1)},
			Hostnames: []string{fmt.Sprintf("dev-%d.campus%d.example.org", i, site)},
			Provenance: core.Provenance{
				"asset_tag": {Source: core.SourceImport, At: base},
				"macs":      {Source: core.SensorSource("span-1"), At: base},
				"ips":       {Source: core.SensorSource("span-1"), At: base},
			},
		}
		if rng.IntN(10) != 0 {
			seen := base.Add(time.Duration(rng.Int64N(int64(90 * 24 * time.Hour))))
			d.FirstSeen, d.LastSeen = &base, &seen
		}
		batch = append(batch, d)
		if len(batch) == 1000 || i == n-1 {
			if err := s.CreateDevices(ctx, batch); err != nil {
				return nil, err
			}
			for _, d := range batch {
				ds.Devices = append(ds.Devices, d.ID)
			}
			batch = batch[:0]
		}
	}
	return ds, nil
}

// BenchCreateDevices imports batches of 1000 devices and reports rows/s.
func BenchCreateDevices(b *testing.B, s core.Store) {
	ctx := b.Context()
	var seq atomic.Int64
	mk := func() []*core.Device {
		ds := make([]*core.Device, 1000)
		for i := range ds {
			n := seq.Add(1)
			ds[i] = &core.Device{
				AssetTag: fmt.Sprintf("IMP-%09d", n), Serial: fmt.Sprintf("S%09d", n), Name: fmt.Sprintf("import %d", n),
				Lifecycle: core.LifecycleActive, Owner: "Biomed",
				MACs:       []string{fmt.Sprintf("0e:00:%02x:%02x:%02x:%02x", n>>24&0xff, n>>16&0xff, n>>8&0xff, n&0xff)},
				IPs:        []string{"10.0.0.1"},
				Provenance: core.Provenance{"asset_tag": {Source: core.SourceImport, At: time.Unix(1700000000, 0)}},
			}
		}
		return ds
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		ds := mk()
		b.StartTimer()
		if err := s.CreateDevices(ctx, ds); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "rows/s")
}

// BenchGetDevice reads random devices of ds.
func BenchGetDevice(b *testing.B, s core.Store, ds *Dataset) {
	ctx := b.Context()
	rng := rand.New(rand.NewPCG(3, 4))
	lat := make([]time.Duration, 0, 1<<16)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		id := ds.Devices[rng.IntN(len(ds.Devices))]
		t0 := time.Now()
		d, err := s.GetDevice(ctx, id)
		lat = append(lat, time.Since(t0))
		if err != nil || d.ID != id {
			b.Fatal(err)
		}
	}
	reportLatency(b, lat)
}

// BenchListDevicesFiltered lists the first page of 100 devices of one site
// and one device type (about 1 in 120 devices), round the combinations, in
// id and in last-seen order; and, for comparison, searches (Query) for one
// device by host name, which no index serves.
func BenchListDevicesFiltered(b *testing.B, s core.Store, ds *Dataset) {
	for _, c := range []struct {
		name   string
		filter func(i int) core.DeviceFilter
		full   bool // every page holds 100 devices
	}{
		{"site+type", func(i int) core.DeviceFilter {
			return core.DeviceFilter{SiteID: ds.Sites[i%len(ds.Sites)],
				DeviceType: ds.DeviceTypes[(i/len(ds.Sites))%len(ds.DeviceTypes)], Limit: 100}
		}, true},
		{"site+type,sort=-last_seen", func(i int) core.DeviceFilter {
			return core.DeviceFilter{SiteID: ds.Sites[i%len(ds.Sites)],
				DeviceType: ds.DeviceTypes[(i/len(ds.Sites))%len(ds.DeviceTypes)], Sort: "-last_seen", Limit: 100}
		}, true},
		{"query", func(i int) core.DeviceFilter {
			return core.DeviceFilter{Query: fmt.Sprintf("dev-%d.", (i*7919)%len(ds.Devices)), Limit: 100}
		}, false},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx := b.Context()
			lat := make([]time.Duration, 0, 1<<16)
			i := 0
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				f := c.filter(i)
				i++
				t0 := time.Now()
				p, err := s.ListDevices(ctx, f)
				lat = append(lat, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
				if c.full && len(p.Devices) != 100 || !c.full && len(p.Devices) == 0 {
					b.Fatalf("page of %d devices for %+v", len(p.Devices), f)
				}
			}
			reportLatency(b, lat)
		})
	}
}

// reportLatency adds the median and 99th percentile of lat, in ms.
func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / 1e6 }
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
}
