package demo

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
)

// The seed is part of the product: change it and every demo screenshot,
// walkthrough and golden file changes with it.
const seedHi, seedLo = 0x5669_6769_6c44_656d, 0x6f48_6f73_7069_7461

// hospital is the demo before it is stored: core values whose references
// are pointers to other drafts, resolved to ids as the parents are created.
type hospital struct {
	sites   []*siteDraft
	makers  []*makerDraft
	devices []*deviceDraft
}

type siteDraft struct {
	site  core.Site
	spec  *siteSpec
	zones []*zoneDraft
}

type zoneDraft struct {
	zone  core.Zone
	spec  *zoneSpec
	site  *siteDraft
	hosts []netip.Addr // free addresses, in the order they are handed out
}

type makerDraft struct {
	mfr    core.Manufacturer
	cat    *CatalogManufacturer
	index  int
	models []*modelDraft
}

type modelDraft struct {
	model    core.Model
	cat      *CatalogModel
	maker    *makerDraft
	releases []*core.Release
	gtin     string // UDI device identifier shared by every unit of the model
}

type deviceDraft struct {
	dev     core.Device
	model   *modelDraft
	release *core.Release
	zone    *zoneDraft
}

// generator holds the state one build threads through: the random source
// and the counters that keep tags, serials and addresses unique.
type generator struct {
	rng      *rand.Rand
	now      time.Time
	macs     map[string]bool
	serials  map[string]bool
	names    map[string]bool
	counters map[string]int // per site and asset code, per site and AE code, ...
}

// build lays out the whole hospital in memory. It does no I/O, so the same
// catalog and now always give the same hospital.
func build(cat *Catalog, now time.Time) (*hospital, error) {
	g := &generator{
		rng:      rand.New(rand.NewPCG(seedHi, seedLo)),
		now:      now.UTC().Truncate(time.Second),
		macs:     map[string]bool{},
		serials:  map[string]bool{},
		names:    map[string]bool{},
		counters: map[string]int{},
	}
	h := &hospital{}
	zones := map[string]*zoneDraft{} // "SITE/zone"
	for i := range sites {
		s := &sites[i]
		sd := &siteDraft{site: core.Site{Name: s.name, Code: s.code, Address: s.address}, spec: s}
		for j := range s.zones {
			z := &s.zones[j]
			prefix, err := netip.ParsePrefix(z.cidr)
			if err != nil {
				return nil, fmt.Errorf("zone %s/%s: %w", s.code, z.key, err)
			}
			zd := &zoneDraft{
				zone: core.Zone{Name: z.name, CIDRs: []string{z.cidr}, VLANs: []int{z.vlan}, DoNotProbe: z.doNotProbe},
				spec: z, site: sd, hosts: g.hostPool(prefix),
			}
			sd.zones = append(sd.zones, zd)
			zones[s.code+"/"+z.key] = zd
		}
		h.sites = append(h.sites, sd)
	}

	models := map[string]*modelDraft{} // "maker\x00model", lower case
	for i := range cat.Manufacturers {
		cm := &cat.Manufacturers[i]
		md := &makerDraft{mfr: core.Manufacturer{Name: cm.Name}, cat: cm, index: i}
		h.makers = append(h.makers, md)
	}
	for i := range cat.Models {
		cm := &cat.Models[i]
		var maker *makerDraft
		for _, m := range h.makers {
			if strings.EqualFold(m.cat.Name, cm.Manufacturer) {
				maker = m
			}
		}
		d := &modelDraft{
			model: core.Model{Name: cm.Name, Number: cm.Number, DeviceType: cm.DeviceType,
				FDAClass: cm.FDAClass, Function: cm.Function, HandlesPHI: cm.HandlesPHI},
			cat: cm, maker: maker, gtin: g.gtin(),
		}
		for _, r := range cm.Releases {
			d.releases = append(d.releases, &core.Release{Version: r.Version, ReleaseDate: r.Released,
				SupportLevel: r.Support, EndOfSupport: r.EndOfSupport})
		}
		maker.models = append(maker.models, d)
		models[strings.ToLower(cm.Manufacturer+"\x00"+cm.Name)] = d
	}

	for _, f := range fleet {
		zd := zones[f.site+"/"+f.zone]
		md := models[strings.ToLower(f.maker+"\x00"+f.model)]
		switch {
		case zd == nil:
			return nil, fmt.Errorf("fleet: no zone %s/%s", f.site, f.zone)
		case md == nil:
			return nil, fmt.Errorf("fleet: no catalog model %s %q", f.maker, f.model)
		}
		for range f.n {
			d, err := g.device(zd, md, f)
			if err != nil {
				return nil, fmt.Errorf("fleet %s/%s %s: %w", f.site, f.zone, f.model, err)
			}
			h.devices = append(h.devices, d)
		}
	}
	return h, nil
}

// hostPool lists a zone's usable addresses from .10 up, shuffled so
// neighbouring devices do not sit on neighbouring addresses, as after years
// of DHCP reservations. The first nine are left for routers and services.
func (g *generator) hostPool(p netip.Prefix) []netip.Addr {
	var pool []netip.Addr
	a := p.Masked().Addr()
	for i := 0; i < 10; i++ {
		a = a.Next()
	}
	for ; p.Contains(a) && p.Contains(a.Next()); a = a.Next() { // stop before broadcast
		pool = append(pool, a)
	}
	g.rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	return pool
}

func (g *generator) device(zd *zoneDraft, md *modelDraft, f fleetEntry) (*deviceDraft, error) {
	cm := md.cat
	site := zd.site.spec
	lifecycle := f.lifecycle
	if lifecycle == "" {
		lifecycle = core.LifecycleActive
	}
	code := assetCodes[cm.DeviceType]
	if code == "" {
		code = "MD"
	}
	tag := fmt.Sprintf("%s-%s-%05d", site.code, code, g.next(site.code+"/asset/"+code, 100))
	serial := g.serial(cm)
	floor := zd.spec.floors[g.rng.IntN(len(zd.spec.floors))]
	room := fmt.Sprintf(zd.spec.roomFmt, floor, 1+g.rng.IntN(zd.spec.rooms))
	if cm.DeviceType == "central-station" {
		room = zd.zone.Name + " Nurses' Station" // where the unit's monitors are watched
	}
	owner := zd.spec.owner
	if cm.Platform == PlatformVM {
		owner = "Clinical Applications"
	}
	d := &deviceDraft{
		model: md, zone: zd,
		release: md.releases[g.pickRelease(len(md.releases), lifecycle)],
		dev: core.Device{
			AssetTag:  tag,
			Serial:    serial,
			Name:      g.uniqueName(cm.Short + " " + room),
			Location:  core.Location{Building: zd.spec.building, Floor: floor, Department: zd.spec.department, Room: room},
			Owner:     owner,
			Lifecycle: lifecycle,
			Notes:     f.note,
			// Empty rather than nil lists: the form Validate leaves them in.
			MACs: []string{}, IPs: []string{}, Hostnames: []string{}, AETitles: []string{},
		},
	}
	// A unit keeps the MAC it was delivered with; only what is plugged in
	// has an address, a name on the network, and a recent sighting.
	if cm.Network != NetworkNone {
		mac, err := g.mac(md)
		if err != nil {
			return nil, err
		}
		d.dev.MACs = []string{mac}
		first, last := g.sightings(lifecycle)
		d.dev.FirstSeen, d.dev.LastSeen = &first, &last
	}
	if cm.Network != NetworkNone && lifecycle == core.LifecycleActive {
		if len(zd.hosts) == 0 {
			return nil, fmt.Errorf("zone %s has no free address", zd.zone.Name)
		}
		d.dev.IPs = []string{zd.hosts[0].String()}
		zd.hosts = zd.hosts[1:]
		d.dev.Hostnames = []string{g.hostname(site.code, tag, cm)}
		if cm.DICOM {
			ae := aeCodes[cm.DeviceType]
			if ae == "" {
				ae = "AE"
			}
			d.dev.AETitles = []string{fmt.Sprintf("%s%s%02d", site.code, ae, g.next(site.code+"/ae/"+ae, 1))}
		}
		if cm.HL7App != "" {
			d.dev.HL7 = []core.HL7Endpoint{{
				Application: fmt.Sprintf("%s_%02d", cm.HL7App, g.next(site.code+"/hl7/"+cm.HL7App, 1)),
				Facility:    site.code,
			}}
		}
	}
	// Labels with a UDI are on regulated hardware bought in recent years;
	// about half the fleet has had its UDI recorded at intake.
	if cm.FDAClass != "" && cm.Platform == PlatformAppliance && g.rng.IntN(2) == 0 {
		d.dev.UDI = "(01)" + md.gtin + "(21)" + serial
	}
	return d, nil
}

// next returns the next number of the named counter, starting at start.
func (g *generator) next(counter string, start int) int {
	n, ok := g.counters[counter]
	if !ok {
		n = start
	}
	g.counters[counter] = n + 1
	return n
}

// pickRelease chooses an installed release: active devices mostly run the
// newest one and some lag behind; retired ones mostly froze on an old one.
func (g *generator) pickRelease(n int, lc core.Lifecycle) int {
	weights := make([]int, n)
	for i := range weights {
		switch {
		case i == n-1:
			weights[i] = 6
		case i == n-2:
			weights[i] = 3
		default:
			weights[i] = 1
		}
	}
	if lc == core.LifecycleRetired {
		for i, j := 0, n-1; i < j; i, j = i+1, j-1 {
			weights[i], weights[j] = weights[j], weights[i]
		}
	}
	total := 0
	for _, w := range weights {
		total += w
	}
	r := g.rng.IntN(total)
	for i, w := range weights {
		if r < w {
			return i
		}
		r -= w
	}
	return n - 1
}

// serial fills the model's pattern, retrying the rare clash.
func (g *generator) serial(cm *CatalogModel) string {
	for {
		var b strings.Builder
		for _, c := range cm.Serial {
			switch c {
			case '#':
				b.WriteByte(byte('0' + g.rng.IntN(10)))
			case '@':
				b.WriteByte(byte('A' + g.rng.IntN(26)))
			default:
				b.WriteRune(c)
			}
		}
		key := cm.Manufacturer + "\x00" + b.String()
		if !g.serials[key] {
			g.serials[key] = true
			return b.String()
		}
	}
}

// mac returns a unique MAC under the model's OUI: the maker's IEEE block for
// its own hardware, the PC or hypervisor vendor's for software, or a
// locally administered block for a maker whose assignment we do not know.
func (g *generator) mac(md *modelDraft) (string, error) {
	cm := md.cat
	var prefix string
	switch {
	case cm.Platform == PlatformVM:
		prefix = vmwareOUI
	case cm.Platform == PlatformWorkstation:
		prefix = dellOUI
	case cm.OUI != "":
		prefix = cm.OUI
	case len(md.maker.cat.OUIs) > 0:
		prefix = md.maker.cat.OUIs[g.rng.IntN(len(md.maker.cat.OUIs))]
	default:
		// 0x02 in the first octet: locally administered, unicast.
		prefix = fmt.Sprintf("0256%02X", md.maker.index)
	}
	const hex = "0123456789ABCDEF"
	for tries := 0; tries < 1000; tries++ {
		b := []byte(prefix)
		for len(b) < 12 {
			b = append(b, hex[g.rng.IntN(16)])
		}
		mac, err := core.NormalizeMAC(string(b))
		if err != nil {
			return "", err
		}
		if !g.macs[mac] {
			g.macs[mac] = true
			return mac, nil
		}
	}
	return "", fmt.Errorf("no free MAC under %s", prefix)
}

// sightings returns when the network first and last saw a device, as
// offsets from now so the demo always looks current.
func (g *generator) sightings(lc core.Lifecycle) (first, last time.Time) {
	day := 24 * time.Hour
	span := func(lo, hi time.Duration) time.Duration {
		return lo + time.Duration(g.rng.Int64N(int64(hi-lo)))
	}
	switch lc {
	case core.LifecycleRetired:
		first = g.now.Add(-span(1500*day, 4000*day))
		last = g.now.Add(-span(180*day, 900*day))
	case core.LifecycleInStorage:
		first = g.now.Add(-span(400*day, 2500*day))
		last = g.now.Add(-span(7*day, 120*day))
	default:
		first = g.now.Add(-span(30*day, 2000*day))
		last = g.now.Add(-span(time.Minute, 6*time.Hour))
	}
	return first.Truncate(time.Second), last.Truncate(time.Second)
}

// hostname names appliances after their asset tag (what biomed registers in
// DNS) and servers and PCs after what they run.
func (g *generator) hostname(site, tag string, cm *CatalogModel) string {
	if cm.Platform == PlatformAppliance {
		return strings.ToLower(tag)
	}
	base := strings.ToLower(site) + "-" + slug(cm.Short)
	return fmt.Sprintf("%s-%02d", base, g.next(base, 1))
}

func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// uniqueName appends a counter when two devices of a model share a room.
func (g *generator) uniqueName(name string) string {
	out := name
	for i := 2; g.names[out]; i++ {
		out = fmt.Sprintf("%s (%d)", name, i)
	}
	g.names[out] = true
	return out
}

// gtin returns a GTIN-14 with a valid GS1 check digit, standing in for a
// model's UDI device identifier (the real ones are not in the advisories).
func (g *generator) gtin() string {
	digits := make([]byte, 13)
	digits[0], digits[1] = '0', '0'
	for i := 2; i < 13; i++ {
		digits[i] = byte('0' + g.rng.IntN(10))
	}
	sum := 0
	for i := 12; i >= 0; i-- {
		w := 1
		if (12-i)%2 == 0 {
			w = 3
		}
		sum += int(digits[i]-'0') * w
	}
	return string(digits) + string(rune('0'+(10-sum%10)%10))
}
