package httpapi_test

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
)

func TestDeviceLifecycle(t *testing.T) {
	e := newEnv(t)
	inv := e.seed("life")
	d, etag := e.createDevice(map[string]any{
		"asset_tag": "ICU-0001", "serial": "SN-1", "name": "Pump bed 4",
		"model_id": inv.Model.ID, "release_id": inv.Release.ID, "zone_id": inv.Zone.ID,
		"location": map[string]any{"building": "A", "room": "4.12"},
		"macs":     []string{"00-1A-2B-3C-4D-5E"}, "ips": []string{"10.1.2.3"},
		"hl7": []map[string]any{{"application": "PUMPS", "facility": "ICU"}},
	})
	self := path("devices", d.ID)
	if etag != `"1"` || d.Version != 1 {
		t.Fatalf("new device ETag %s version %d, want \"1\" and 1", etag, d.Version)
	}
	if d.SiteID != inv.Site.ID || d.MACs[0] != "00:1a:2b:3c:4d:5e" || d.Lifecycle != core.LifecycleActive {
		t.Errorf("service did not fill in or normalise: %+v", d)
	}
	if d.Provenance["asset_tag"].Source != core.SourceAPI || d.Provenance["site_id"].Source != core.SourceAPI {
		t.Errorf("provenance %v, want source api for every attribute given", d.Provenance)
	}

	var got core.Device
	res := e.must(http.StatusOK, req{Method: "GET", Path: self}, &got)
	if res.Header.Get("ETag") != `"1"` || got.AssetTag != "ICU-0001" {
		t.Errorf("GET: ETag %s, device %+v", res.Header.Get("ETag"), got)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	res = e.do(req{Method: "GET", Path: self, Header: map[string]string{"If-None-Match": `W/"1"`}})
	if res.Status != http.StatusNotModified || len(res.Body) != 0 {
		t.Errorf("If-None-Match current: status %d body %q, want 304", res.Status, res.Body)
	}

	// A patch with the current ETag applies and moves the ETag on.
	res = e.must(http.StatusOK, req{Method: "PATCH", Path: self, ContentType: "application/merge-patch+json",
		Header: map[string]string{"If-Match": `"1"`},
		Body:   map[string]any{"owner": "Biomed", "location": map[string]any{"room": "4.14"}, "notes": nil}}, &got)
	if res.Header.Get("ETag") != `"2"` || got.Version != 2 || got.Owner != "Biomed" ||
		got.Location != (core.Location{Building: "A", Room: "4.14"}) {
		t.Errorf("after patch: ETag %s, device %+v", res.Header.Get("ETag"), got)
	}
	if got.Provenance["owner"].Source != core.SourceAPI || !got.Provenance["owner"].At.After(d.Provenance["asset_tag"].At.Add(-time.Second)) {
		t.Errorf("provenance of owner %v", got.Provenance["owner"])
	}

	// Stale, weak and unparseable If-Match are refused; nothing is written.
	for _, tc := range []struct {
		ifMatch string
		status  int
		kind    string
	}{
		{`"1"`, http.StatusPreconditionFailed, "precondition_failed"},
		{`W/"2"`, http.StatusPreconditionFailed, "precondition_failed"},
		{`"1", "7"`, http.StatusPreconditionFailed, "precondition_failed"},
		{`2`, http.StatusBadRequest, "invalid"},
	} {
		res := e.do(req{Method: "PATCH", Path: self, Header: map[string]string{"If-Match": tc.ifMatch}, Body: map[string]any{"owner": "Lost"}})
		ae := wantError(t, res, tc.status, tc.kind, "")
		if tc.status == http.StatusBadRequest && ae.Error.Field != "If-Match" {
			t.Errorf("If-Match %s: field %q", tc.ifMatch, ae.Error.Field)
		}
	}
	// A list holding the current tag, and "*", match.
	e.must(http.StatusOK, req{Method: "PATCH", Path: self, Header: map[string]string{"If-Match": `"1", "2"`}, Body: map[string]any{"owner": "Clinical engineering"}}, &got)
	e.must(http.StatusOK, req{Method: "PATCH", Path: self, Header: map[string]string{"If-Match": `*`}, Body: map[string]any{"name": "Pump bed 5"}}, &got)
	if got.Version != 4 || got.Owner != "Clinical engineering" {
		t.Errorf("after list and * If-Match: %+v", got)
	}
	// An empty patch changes nothing and keeps the version.
	e.must(http.StatusOK, req{Method: "PATCH", Path: self, Body: map[string]any{}}, &got)
	if got.Version != 4 {
		t.Errorf("empty patch moved version to %d", got.Version)
	}

	wantError(t, e.do(req{Method: "DELETE", Path: self, Header: map[string]string{"If-Match": `"3"`}}), http.StatusPreconditionFailed, "precondition_failed", "")
	e.must(http.StatusOK, req{Method: "GET", Path: self}, nil)
	e.must(http.StatusNoContent, req{Method: "DELETE", Path: self, Header: map[string]string{"If-Match": `"4"`}}, nil)
	wantError(t, e.do(req{Method: "GET", Path: self}), http.StatusNotFound, "not_found", "")
	wantError(t, e.do(req{Method: "DELETE", Path: self, Header: map[string]string{"If-Match": `"4"`}}), http.StatusNotFound, "not_found", "")

	// Without If-Match, delete takes whatever is current.
	d2, _ := e.createDevice(map[string]any{"asset_tag": "ICU-0002"})
	e.must(http.StatusNoContent, req{Method: "DELETE", Path: path("devices", d2.ID)}, nil)
}

// fleet is a set of devices with known attributes, for filter tests.
type fleet struct {
	e       *env
	sites   [2]inventory
	pumpB   core.Model // a second model: a monitor, at site 0's manufacturer
	devices []core.Device
}

// newFleet creates 2 sites with a zone each, 2 models (an infusion pump
// and a patient monitor) and n devices spread over them.
func newFleet(t *testing.T, e *env, n int) *fleet {
	f := &fleet{e: e}
	f.sites[0] = e.seed("north")
	f.sites[1] = e.seed("south")
	e.must(http.StatusCreated, req{Method: "POST", Path: "/api/v1/models", Body: map[string]any{
		"manufacturer_id": f.sites[0].Manufacturer.ID, "name": "Monitor", "device_type": "patient monitor", "function": "monitoring"}}, &f.pumpB)
	lifecycles := []core.Lifecycle{core.LifecycleActive, core.LifecycleInStorage, core.LifecycleRetired}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		s := f.sites[i%2]
		model := s.Model.ID
		if i%3 == 0 {
			model = f.pumpB.ID
		}
		body := map[string]any{
			// Repeated names, so that sorting by name needs the id tie-breaker.
			"asset_tag": fmt.Sprintf("TAG-%04d", i), "serial": fmt.Sprintf("S%03d", (i*37)%n),
			"name": fmt.Sprintf("device %d", i%4), "model_id": model, "zone_id": s.Zone.ID,
			"lifecycle": lifecycles[i%3], "ips": []string{fmt.Sprintf("10.9.%d.%d", i/200, i%200+1)},
		}
		if i%5 != 0 { // some without last_seen: NULLs must page too
			body["last_seen"] = base.Add(time.Duration(i%7) * time.Hour)
		}
		if i == 7 {
			body["notes"] = "Needle-in-haystack"
		}
		d, _ := e.createDevice(body)
		f.devices = append(f.devices, d)
	}
	return f
}

func (f *fleet) modelType(id core.ModelID) string {
	if id == f.pumpB.ID {
		return "patient-monitor"
	}
	return "infusion-pump"
}

func (f *fleet) manufacturer(id core.ModelID) core.ManufacturerID {
	if id == f.sites[1].Model.ID {
		return f.sites[1].Manufacturer.ID
	}
	return f.sites[0].Manufacturer.ID
}

// list follows next_cursor from query to the end and returns every id.
func (f *fleet) list(t *testing.T, query string) []core.DeviceID {
	t.Helper()
	var ids []core.DeviceID
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 200 {
			t.Fatalf("%s: pagination does not end", query)
		}
		p := "/api/v1/devices?" + query
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		var page struct {
			Items      []core.Device `json:"items"`
			NextCursor string        `json:"next_cursor"`
		}
		f.e.must(http.StatusOK, req{Method: "GET", Path: p, Token: f.e.auditor}, &page)
		for _, d := range page.Items {
			ids = append(ids, d.ID)
		}
		if page.NextCursor == "" {
			return ids
		}
		cursor = page.NextCursor
	}
}

func TestDeviceFilters(t *testing.T) {
	e := newEnv(t)
	f := newFleet(t, e, 30)
	s0, s1 := f.sites[0], f.sites[1]
	tests := []struct {
		query string
		keep  func(d core.Device) bool
	}{
		{"", func(core.Device) bool { return true }},
		{fmt.Sprintf("site=%d", s1.Site.ID), func(d core.Device) bool { return d.SiteID == s1.Site.ID }},
		{fmt.Sprintf("zone=%d", s0.Zone.ID), func(d core.Device) bool { return d.ZoneID == s0.Zone.ID }},
		{fmt.Sprintf("model=%d", f.pumpB.ID), func(d core.Device) bool { return d.ModelID == f.pumpB.ID }},
		{fmt.Sprintf("manufacturer=%d", s1.Manufacturer.ID), func(d core.Device) bool { return f.manufacturer(d.ModelID) == s1.Manufacturer.ID }},
		{"type=Infusion+Pump", func(d core.Device) bool { return f.modelType(d.ModelID) == "infusion-pump" }},
		{"function=monitoring", func(d core.Device) bool { return d.ModelID == f.pumpB.ID }},
		{"lifecycle=in-storage", func(d core.Device) bool { return d.Lifecycle == core.LifecycleInStorage }},
		{"q=needle-IN", func(d core.Device) bool { return d.AssetTag == "TAG-0007" }},
		{"q=10.9.0.1", func(d core.Device) bool { return strings.HasPrefix(d.IPs[0], "10.9.0.1") }},
		{fmt.Sprintf("site=%d&type=patient-monitor&lifecycle=active", s0.Site.ID), func(d core.Device) bool {
			return d.SiteID == s0.Site.ID && d.ModelID == f.pumpB.ID && d.Lifecycle == core.LifecycleActive
		}},
		{fmt.Sprintf("site=%d&zone=%d", s0.Site.ID, s1.Zone.ID), func(core.Device) bool { return false }},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			var want []core.DeviceID
			for _, d := range f.devices {
				if tc.keep(d) {
					want = append(want, d.ID)
				}
			}
			got := f.list(t, tc.query+"&limit=4")
			if !slices.Equal(got, want) {
				t.Errorf("got %v\nwant %v", got, want)
			}
		})
	}
}

// TestDevicePagination pages through every sort order, both directions,
// with filters, and checks that every device is seen exactly once and in
// order.
func TestDevicePagination(t *testing.T) {
	e := newEnv(t)
	f := newFleet(t, e, 40)
	// Read the devices back: the stored values are what the sort uses.
	byID := map[core.DeviceID]core.Device{}
	for _, d := range f.devices {
		var got core.Device
		e.must(http.StatusOK, req{Method: "GET", Path: path("devices", d.ID)}, &got)
		byID[d.ID] = got
	}
	const sortableTime = "2006-01-02T15:04:05.000000000"
	key := func(sort string, d core.Device) string {
		switch sort {
		case "name":
			return d.Name
		case "asset_tag":
			return d.AssetTag
		case "serial":
			return d.Serial
		// Fixed-width fractions, so that the strings sort as the times do
		// (RFC3339Nano drops trailing zeros: ".18Z" sorts after ".184807Z").
		case "updated_at":
			return d.UpdatedAt.UTC().Format(sortableTime)
		case "last_seen":
			if d.LastSeen == nil {
				return ""
			}
			return d.LastSeen.UTC().Format(sortableTime)
		}
		return fmt.Sprintf("%020d", d.ID)
	}
	for _, sortKey := range core.DeviceSorts {
		for _, desc := range []bool{false, true} {
			for _, filter := range []string{"", fmt.Sprintf("&site=%d", f.sites[0].Site.ID)} {
				sort := sortKey
				if desc {
					sort = "-" + sortKey
				}
				t.Run(sort+filter, func(t *testing.T) {
					got := f.list(t, "sort="+sort+"&limit=3"+filter)
					seen := map[core.DeviceID]int{}
					for _, id := range got {
						seen[id]++
					}
					want := 0
					for _, d := range byID {
						if filter != "" && d.SiteID != f.sites[0].Site.ID {
							continue
						}
						want++
						if seen[d.ID] != 1 {
							t.Errorf("device %d seen %d times", d.ID, seen[d.ID])
						}
					}
					if len(got) != want {
						t.Errorf("%d devices across pages, want %d", len(got), want)
					}
					// The order must agree with the sort key (ties by id),
					// where the store places NULL last_seen is its business:
					// only check order within non-empty values.
					for i := 1; i < len(got); i++ {
						a, b := byID[got[i-1]], byID[got[i]]
						ka, kb := key(sortKey, a), key(sortKey, b)
						if ka == "" || kb == "" {
							continue
						}
						c := cmp.Compare(ka, kb)
						if desc {
							c = -c
						}
						if c > 0 {
							t.Errorf("order: %d (%q) before %d (%q)", a.ID, ka, b.ID, kb)
						}
					}
				})
			}
		}
	}
	t.Run("cursor of another sort", func(t *testing.T) {
		var page struct {
			NextCursor string `json:"next_cursor"`
		}
		e.must(http.StatusOK, req{Method: "GET", Path: "/api/v1/devices?sort=name&limit=2"}, &page)
		res := e.do(req{Method: "GET", Path: "/api/v1/devices?sort=-name&cursor=" + url.QueryEscape(page.NextCursor)})
		wantError(t, res, http.StatusBadRequest, "invalid", "cursor")
	})
}

func TestListParameters(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		path  string
		field string
	}{
		{"/api/v1/devices?limit=0", "limit"},
		{"/api/v1/devices?limit=1001", "limit"},
		{"/api/v1/devices?limit=ten", "limit"},
		{"/api/v1/devices?site=abc", "site"},
		{"/api/v1/devices?zone=-3", "zone"},
		{"/api/v1/devices?model=1.5", "model"},
		{"/api/v1/devices?manufacturer=0", "manufacturer"},
		{"/api/v1/devices?sort=colour", "sort"},
		{"/api/v1/devices?sort=--name", "sort"},
		{"/api/v1/devices?cursor=not-a-cursor", "cursor"},
		{"/api/v1/devices?cursor=" + core.DeviceCursor{Sort: "id", ID: -1}.Encode(), "cursor"},
		{"/api/v1/devices?function=surgery", "function"},
		{"/api/v1/devices?lifecycle=lost", "lifecycle"},
		{"/api/v1/devices?q=" + strings.Repeat("x", 300), "q"},
		{"/api/v1/devices?site_id=1", "site_id"},
		{"/api/v1/devices?site=1&site=2", "site"},
		{"/api/v1/sites?limit=-1", "limit"},
		{"/api/v1/sites?after=x", "after"},
		{"/api/v1/sites?cursor=x", "cursor"},
		{"/api/v1/sites?after=1&cursor=2", "cursor"},
		{"/api/v1/sites?name=Main", "name"},
		{"/api/v1/zones?site=none", "site"},
		{"/api/v1/models?manufacturer=x", "manufacturer"},
		{"/api/v1/releases?model=x", "model"},
		{"/api/v1/models/1/releases?model=1", "model"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			wantError(t, e.do(req{Method: "GET", Path: tc.path}), http.StatusBadRequest, "invalid", tc.field)
		})
	}
	t.Run("malformed query", func(t *testing.T) {
		wantError(t, e.do(req{Method: "GET", Path: "/api/v1/devices?q=%zz"}), http.StatusBadRequest, "invalid", "")
	})
}

// TestConcurrentPatchSQLite is the optimistic-concurrency contract: of two
// PATCHes based on the same ETag exactly one wins, the other gets 412, and
// the stored device holds the winner's change.
func TestConcurrentPatchSQLite(t *testing.T) {
	testConcurrentPatch(t, newEnv(t))
}

func testConcurrentPatch(t *testing.T, e *env) {
	d, etag := e.createDevice(map[string]any{"asset_tag": "RACE-1"})
	self := path("devices", d.ID)
	for round := range 20 {
		clients := 2
		if round%4 == 3 {
			clients = 8 // sometimes a crowd
		}
		results := make([]resp, clients)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range clients {
			wg.Go(func() {
				<-start
				results[i] = e.do(req{Method: "PATCH", Path: self, Header: map[string]string{"If-Match": etag},
					Body: map[string]any{"owner": fmt.Sprintf("round %d client %d", round, i)}})
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, res := range results {
			switch res.Status {
			case http.StatusOK:
				if winner >= 0 {
					t.Fatalf("round %d: clients %d and %d both won with If-Match %s", round, winner, i, etag)
				}
				winner = i
			case http.StatusPreconditionFailed:
				wantError(t, res, http.StatusPreconditionFailed, "precondition_failed", "")
			default:
				t.Fatalf("round %d client %d: status %d %s", round, i, res.Status, res.Body)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: no client won", round)
		}
		var got core.Device
		res := e.must(http.StatusOK, req{Method: "GET", Path: self}, &got)
		if want := fmt.Sprintf("round %d client %d", round, winner); got.Owner != want {
			t.Fatalf("round %d: stored owner %q, want the winner's %q", round, got.Owner, want)
		}
		if next := res.Header.Get("ETag"); next != results[winner].Header.Get("ETag") || next != strconv.Quote(strconv.Itoa(round+2)) {
			t.Fatalf("round %d: stored ETag %s, winner's %s", round, next, results[winner].Header.Get("ETag"))
		}
		etag = res.Header.Get("ETag")
	}

	// Without If-Match, concurrent patches of different members all apply:
	// the loser of a race is merged into the newer version, not dropped.
	members := []string{"name", "owner", "serial", "udi", "notes", "asset_tag"}
	var wg sync.WaitGroup
	for _, m := range members {
		wg.Go(func() {
			e.must(http.StatusOK, req{Method: "PATCH", Path: self, Body: map[string]any{m: "set-" + m}}, nil)
		})
	}
	wg.Wait()
	var got map[string]any
	e.must(http.StatusOK, req{Method: "GET", Path: self}, &got)
	for _, m := range members {
		if got[m] != "set-"+m {
			t.Errorf("member %s = %v after concurrent patches without If-Match; a change was lost", m, got[m])
		}
	}

	// A PATCH and a DELETE based on the same ETag: one wins. A patch
	// acknowledged with 200 is never deleted unseen.
	for round := range 10 {
		d, etag := e.createDevice(map[string]any{"asset_tag": fmt.Sprintf("RACE-DEL-%d", round)})
		self := path("devices", d.ID)
		var patch, del resp
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Go(func() {
			<-start
			patch = e.do(req{Method: "PATCH", Path: self, Header: map[string]string{"If-Match": etag}, Body: map[string]any{"owner": "patched"}})
		})
		wg.Go(func() {
			<-start
			del = e.do(req{Method: "DELETE", Path: self, Header: map[string]string{"If-Match": etag}})
		})
		close(start)
		wg.Wait()
		after := e.do(req{Method: "GET", Path: self})
		switch {
		case patch.Status == http.StatusOK && del.Status == http.StatusPreconditionFailed:
			if after.Status != http.StatusOK {
				t.Fatalf("round %d: the patch won but the device is gone (%d)", round, after.Status)
			}
		case del.Status == http.StatusNoContent && (patch.Status == http.StatusPreconditionFailed || patch.Status == http.StatusNotFound):
			if after.Status != http.StatusNotFound {
				t.Fatalf("round %d: the delete won but the device is there", round)
			}
		default:
			t.Fatalf("round %d: patch %d %s, delete %d %s", round, patch.Status, patch.Body, del.Status, del.Body)
		}
	}
}
