package demo

import (
	"math/rand/v2"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
)

var testNow = time.Date(2025, 6, 30, 9, 0, 0, 0, time.UTC)

func buildTest(t *testing.T) *hospital {
	t.Helper()
	c, err := ReadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	h, err := build(c, testNow)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestBuildIsDeterministic(t *testing.T) {
	a, b := buildTest(t), buildTest(t)
	if len(a.devices) != len(b.devices) {
		t.Fatalf("device counts differ: %d and %d", len(a.devices), len(b.devices))
	}
	for i := range a.devices {
		if !reflect.DeepEqual(a.devices[i].dev, b.devices[i].dev) {
			t.Fatalf("device %d differs:\n%+v\n%+v", i, a.devices[i].dev, b.devices[i].dev)
		}
	}
}

func TestBuildFollowsTheClock(t *testing.T) {
	c, err := ReadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	later, err := build(c, testNow.Add(365*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	now := buildTest(t)
	d0, d1 := now.devices[0].dev, later.devices[0].dev
	if got := d1.LastSeen.Sub(*d0.LastSeen); got != 365*24*time.Hour {
		t.Errorf("last_seen moved by %v with a clock a year later, want a year", got)
	}
	d1.FirstSeen, d1.LastSeen = d0.FirstSeen, d0.LastSeen
	if !reflect.DeepEqual(d0, d1) {
		t.Errorf("apart from sightings the device should not depend on the clock:\n%+v\n%+v", d0, d1)
	}
}

func TestBuildHospital(t *testing.T) {
	h := buildTest(t)
	if len(h.sites) != 2 {
		t.Errorf("%d sites, want 2", len(h.sites))
	}
	if n := len(h.devices); n < 280 || n > 320 {
		t.Errorf("%d devices, want about 300", n)
	}

	// Every catalog model stands somewhere: the catalog is the demo's.
	placed := map[*modelDraft]int{}
	for _, d := range h.devices {
		placed[d.model]++
	}
	for _, m := range h.makers {
		for _, md := range m.models {
			if placed[md] == 0 {
				t.Errorf("catalog model %s %s has no device in the hospital", m.mfr.Name, md.model.Name)
			}
		}
	}

	macs, ips, tags, hosts, aes := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	lifecycles := map[core.Lifecycle]int{}
	oldRelease := 0
	for _, d := range h.devices {
		dev := d.dev // Validate normalises in place; keep the draft as built
		if err := dev.Validate(); err != nil {
			t.Errorf("device %s does not validate: %v", d.dev.AssetTag, err)
		}
		if !reflect.DeepEqual(dev, d.dev) {
			t.Errorf("device %s is not in normal form:\nbuilt %+v\nnorm. %+v", d.dev.AssetTag, d.dev, dev)
		}
		lifecycles[d.dev.Lifecycle]++
		if d.release != d.model.releases[len(d.model.releases)-1] {
			oldRelease++
		}
		once(t, tags, "asset tag", d.dev.AssetTag)
		for _, m := range d.dev.MACs {
			once(t, macs, "MAC", m)
		}
		for _, h := range d.dev.Hostnames {
			once(t, hosts, "host name", h)
		}
		for _, a := range d.dev.AETitles {
			once(t, aes, "AE title", a)
		}
		prefix := netip.MustParsePrefix(d.zone.zone.CIDRs[0])
		for _, ip := range d.dev.IPs {
			once(t, ips, "IP", ip)
			if !prefix.Contains(netip.MustParseAddr(ip)) {
				t.Errorf("device %s: IP %s outside zone %s %s", d.dev.AssetTag, ip, d.zone.zone.Name, prefix)
			}
		}
		switch {
		case d.model.cat.Network == NetworkNone && (len(d.dev.MACs) > 0 || len(d.dev.IPs) > 0):
			t.Errorf("device %s: a model without a network has addresses", d.dev.AssetTag)
		case d.dev.Lifecycle != core.LifecycleActive && len(d.dev.IPs) > 0:
			t.Errorf("device %s: %s but holds an IP", d.dev.AssetTag, d.dev.Lifecycle)
		case d.model.cat.DICOM && len(d.dev.IPs) > 0 && len(d.dev.AETitles) == 0:
			t.Errorf("device %s: a networked DICOM model without an AE title", d.dev.AssetTag)
		case d.dev.LastSeen != nil && d.dev.LastSeen.After(testNow):
			t.Errorf("device %s: last seen in the future", d.dev.AssetTag)
		}
		if len(d.dev.MACs) > 0 {
			checkOUI(t, d)
		}
	}
	if lifecycles[core.LifecycleInStorage] == 0 || lifecycles[core.LifecycleRetired] == 0 ||
		lifecycles[core.LifecycleActive] < len(h.devices)*9/10 {
		t.Errorf("lifecycles %v: want mostly active and a few in storage and retired", lifecycles)
	}
	if oldRelease == 0 || oldRelease > len(h.devices)/2 {
		t.Errorf("%d of %d devices run an older release: want some but not most", oldRelease, len(h.devices))
	}
}

func once(t *testing.T, seen map[string]bool, what, v string) {
	t.Helper()
	if seen[v] {
		t.Errorf("%s %s used twice", what, v)
	}
	seen[v] = true
}

// checkOUI checks a device's MAC against where its model says it comes from.
func checkOUI(t *testing.T, d *deviceDraft) {
	t.Helper()
	hex := strings.ToUpper(strings.ReplaceAll(d.dev.MACs[0], ":", ""))
	cm, maker := d.model.cat, d.model.maker.cat
	var want []string
	switch {
	case cm.Platform == PlatformVM:
		want = []string{vmwareOUI}
	case cm.Platform == PlatformWorkstation:
		want = []string{dellOUI}
	case cm.OUI != "":
		want = []string{cm.OUI}
	case len(maker.OUIs) > 0:
		want = maker.OUIs
	default:
		if hex[1] != '2' && hex[1] != '6' && hex[1] != 'A' && hex[1] != 'E' {
			t.Errorf("device %s: MAC %s for a maker without an OUI is not locally administered", d.dev.AssetTag, d.dev.MACs[0])
		}
		return
	}
	for _, w := range want {
		if strings.HasPrefix(hex, w) {
			return
		}
	}
	t.Errorf("device %s (%s): MAC %s not under %v", d.dev.AssetTag, cm.Name, d.dev.MACs[0], want)
}

func TestFleetZonesFit(t *testing.T) {
	h := buildTest(t)
	for _, s := range h.sites {
		for _, z := range s.zones {
			if len(z.hosts) < 10 {
				t.Errorf("zone %s/%s has only %d free addresses left", s.site.Code, z.zone.Name, len(z.hosts))
			}
		}
	}
}

func TestGTINCheckDigit(t *testing.T) {
	g := &generator{rng: rand.New(rand.NewPCG(1, 2))}
	for range 100 {
		s := g.gtin()
		if len(s) != 14 {
			t.Fatalf("GTIN %q is not 14 digits", s)
		}
		sum := 0
		for i := 0; i < 14; i++ {
			w := 1
			if i%2 == 0 { // GTIN-14: weights 3,1,3,... from the left
				w = 3
			}
			sum += int(s[i]-'0') * w
		}
		if sum%10 != 0 {
			t.Errorf("GTIN %s has a bad check digit", s)
		}
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Alaris SM":          "alaris-sm",
		"PIC iX":             "pic-ix",
		"ZOOM LATITUDE PRM":  "zoom-latitude-prm",
		"  --Vue  PACS!! ":   "vue-pacs",
		"Philips MR 1.5T":    "philips-mr-1-5t",
		"Defib Dashboard 2.": "defib-dashboard-2",
	} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
}
