package httpapi_test

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"
)

// record is any API record, decoded loosely so one table serves all kinds.
type record map[string]any

func (r record) id(t *testing.T) int64 {
	t.Helper()
	f, ok := r["id"].(float64)
	if !ok || f <= 0 {
		t.Fatalf("record without id: %v", r)
	}
	return int64(f)
}

type listBody struct {
	Items      []record `json:"items"`
	NextCursor string   `json:"next_cursor"`
}

// TestCRUD creates, reads, lists, filters, patches and deletes every kind of
// record except devices (which TestDevice* cover).
func TestCRUD(t *testing.T) {
	e := newEnv(t)
	inv := e.seed("crud")
	other := e.seed("other")
	tests := []struct {
		collection string
		create     record
		patch      record // each member must differ from create
		filter     string // list query that selects the new record and not other's
	}{
		{"sites", record{"name": "Annex", "code": "ANX", "address": "1 Hospital Rd"},
			record{"name": "Annex West", "address": "2 Hospital Rd"}, ""},
		{"zones", record{"site_id": inv.Site.ID, "name": "Imaging", "cidrs": []string{"10.2.3.4/24"}, "vlans": []int{30}},
			record{"name": "Radiology", "do_not_probe": true, "vlans": []int{31, 32}}, fmt.Sprintf("site=%d", inv.Site.ID)},
		{"manufacturers", record{"name": "Globex"}, record{"name": "Globex Health"}, ""},
		{"models", record{"manufacturer_id": inv.Manufacturer.ID, "name": "Scanner", "device_type": "CT Scanner", "fda_class": "ii"},
			record{"number": "CT-9", "function": "diagnostic"}, fmt.Sprintf("manufacturer=%d", inv.Manufacturer.ID)},
		{"releases", record{"model_id": inv.Model.ID, "version": "3.0", "end_of_support": "2030-12-31"},
			record{"version": "3.0.1", "support_level": "limited"}, fmt.Sprintf("model=%d", inv.Model.ID)},
	}
	for _, tc := range tests {
		t.Run(tc.collection, func(t *testing.T) {
			var created record
			res := e.must(http.StatusCreated, req{Method: "POST", Path: "/api/v1/" + tc.collection, Body: tc.create}, &created)
			id := created.id(t)
			self := "/api/v1/" + tc.collection + "/" + strconv.FormatInt(id, 10)
			if loc := res.Header.Get("Location"); loc != self {
				t.Errorf("Location %q, want %q", loc, self)
			}
			for k := range tc.create {
				if created[k] == nil {
					t.Errorf("created record lacks %s: %v", k, created)
				}
				if prov, _ := created["provenance"].(map[string]any)[k].(map[string]any); prov["source"] != "api" {
					t.Errorf("provenance of %s = %v, want source api", k, prov)
				}
			}
			if tc.collection == "models" && (created["device_type"] != "ct-scanner" || created["fda_class"] != "II") {
				t.Errorf("model not normalised by the service: %v", created)
			}

			var got record
			e.must(http.StatusOK, req{Method: "GET", Path: self, Token: e.auditor}, &got)
			if sameRecord(got) != sameRecord(created) {
				t.Errorf("GET returned %v\nPOST returned %v", got, created)
			}

			var list listBody
			e.must(http.StatusOK, req{Method: "GET", Path: "/api/v1/" + tc.collection}, &list)
			if !containsID(t, list.Items, id) {
				t.Errorf("list lacks the new record: %v", list.Items)
			}
			if tc.filter != "" {
				e.must(http.StatusOK, req{Method: "GET", Path: "/api/v1/" + tc.collection + "?" + tc.filter}, &list)
				if !containsID(t, list.Items, id) {
					t.Errorf("filtered list lacks the new record: %v", list.Items)
				}
				otherFilter := map[string]string{
					"zones": fmt.Sprintf("site=%d", other.Site.ID), "models": fmt.Sprintf("manufacturer=%d", other.Manufacturer.ID),
					"releases": fmt.Sprintf("model=%d", other.Model.ID)}[tc.collection]
				e.must(http.StatusOK, req{Method: "GET", Path: "/api/v1/" + tc.collection + "?" + otherFilter}, &list)
				if containsID(t, list.Items, id) || len(list.Items) == 0 {
					t.Errorf("list filtered by %s: %v", otherFilter, list.Items)
				}
			}

			var patched record
			e.must(http.StatusOK, req{Method: "PATCH", Path: self, Body: tc.patch, ContentType: "application/merge-patch+json"}, &patched)
			for k, v := range tc.patch {
				if fmt.Sprint(patched[k]) != fmt.Sprint(v) {
					t.Errorf("after patch %s = %v, want %v", k, patched[k], v)
				}
			}
			for k := range tc.create {
				if _, changed := tc.patch[k]; !changed && fmt.Sprint(patched[k]) != fmt.Sprint(created[k]) {
					t.Errorf("patch changed %s from %v to %v", k, created[k], patched[k])
				}
			}
			e.must(http.StatusOK, req{Method: "GET", Path: self}, &got)
			if sameRecord(got) != sameRecord(patched) {
				t.Errorf("GET after patch returned %v\nPATCH returned %v", got, patched)
			}

			e.must(http.StatusNoContent, req{Method: "DELETE", Path: self}, nil)
			wantError(t, e.do(req{Method: "GET", Path: self}), http.StatusNotFound, "not_found", "")
			wantError(t, e.do(req{Method: "DELETE", Path: self}), http.StatusNotFound, "not_found", "")
			wantError(t, e.do(req{Method: "PATCH", Path: self, Body: tc.patch}), http.StatusNotFound, "not_found", "")
		})
	}

	t.Run("model releases", func(t *testing.T) {
		var list listBody
		e.must(http.StatusOK, req{Method: "GET", Path: path("models", inv.Model.ID) + "/releases"}, &list)
		if len(list.Items) != 1 || list.Items[0].id(t) != int64(inv.Release.ID) {
			t.Errorf("releases of model %d: %v", inv.Model.ID, list.Items)
		}
		wantError(t, e.do(req{Method: "GET", Path: "/api/v1/models/999999/releases"}), http.StatusNotFound, "not_found", "")
		wantError(t, e.do(req{Method: "GET", Path: "/api/v1/models/x/releases"}), http.StatusNotFound, "not_found", "")
	})

	t.Run("delete referenced", func(t *testing.T) {
		// Zones and devices still refer to the site: deleting it must fail
		// and leave everything in place.
		wantError(t, e.do(req{Method: "DELETE", Path: path("sites", inv.Site.ID)}), http.StatusConflict, "conflict", "")
		wantError(t, e.do(req{Method: "DELETE", Path: path("manufacturers", inv.Manufacturer.ID)}), http.StatusConflict, "conflict", "")
		e.must(http.StatusOK, req{Method: "GET", Path: path("sites", inv.Site.ID)}, nil)
	})
}

// TestIDPagination walks a small collection page by page with both cursor
// forms.
func TestIDPagination(t *testing.T) {
	e := newEnv(t)
	var want []int64
	for i := range 7 {
		var s record
		e.must(http.StatusCreated, req{Method: "POST", Path: "/api/v1/sites", Body: record{"name": fmt.Sprintf("Site %d", i)}}, &s)
		want = append(want, s.id(t))
	}
	for _, param := range []string{"cursor", "after"} {
		t.Run(param, func(t *testing.T) {
			var got []int64
			next := ""
			for pages := 0; ; pages++ {
				if pages > 10 {
					t.Fatal("pagination does not end")
				}
				p := "/api/v1/sites?limit=3"
				if next != "" {
					p += "&" + param + "=" + next
				}
				var list listBody
				e.must(http.StatusOK, req{Method: "GET", Path: p}, &list)
				for _, it := range list.Items {
					got = append(got, it.id(t))
				}
				if list.NextCursor == "" {
					break
				}
				if len(list.Items) != 3 {
					t.Errorf("a page of %d items has a next cursor", len(list.Items))
				}
				next = list.NextCursor
			}
			if !slices.Equal(got, want) {
				t.Errorf("pages gave %v, want %v", got, want)
			}
		})
	}
	t.Run("empty list is []", func(t *testing.T) {
		res := e.must(http.StatusOK, req{Method: "GET", Path: "/api/v1/manufacturers"}, nil)
		if string(res.Body) != "{\"items\":[]}\n" {
			t.Errorf("empty list body %q", res.Body)
		}
	})
}

func containsID(t *testing.T, items []record, id int64) bool {
	t.Helper()
	for _, it := range items {
		if it.id(t) == id {
			return true
		}
	}
	return false
}

// sameRecord renders r for comparison. Provenance times are cut to the
// microsecond: the stores keep microseconds, but the record a write returns
// carries the service clock's nanoseconds (reported to the store owner).
func sameRecord(r record) string {
	c := maps.Clone(r)
	if prov, ok := c["provenance"].(map[string]any); ok {
		p := map[string]any{}
		for k, v := range prov {
			o := maps.Clone(v.(map[string]any))
			if at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(o["at"])); err == nil {
				o["at"] = at.Truncate(time.Microsecond).Format(time.RFC3339Nano)
			}
			p[k] = o
		}
		c["provenance"] = p
	}
	return fmt.Sprint(c)
}
