package httpapi_test

import (
	"context"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-oss/vigil/internal/store/sqlite"
)

func TestBadInput(t *testing.T) {
	e := newEnv(t)
	inv := e.seed("bad")
	d, _ := e.createDevice(map[string]any{"asset_tag": "DUP-1", "macs": []string{"aa:bb:cc:dd:ee:01"}})
	dev := path("devices", d.ID)
	tests := []struct {
		name   string
		r      req
		status int
		kind   string
		field  string
	}{
		{"unknown member on create", req{Method: "POST", Path: "/api/v1/devices", Body: `{"asset_tag":"X-1","colour":"red"}`},
			400, "invalid", "colour"},
		{"unknown member on patch", req{Method: "PATCH", Path: dev, Body: `{"colour":"red"}`}, 400, "invalid", "colour"},
		{"unknown member of a site", req{Method: "POST", Path: "/api/v1/sites", Body: `{"name":"X","phone":"1"}`}, 400, "invalid", "phone"},
		{"wrong type on create", req{Method: "POST", Path: "/api/v1/devices", Body: `{"asset_tag":42}`}, 400, "invalid", "asset_tag"},
		{"wrong nested type", req{Method: "POST", Path: "/api/v1/devices", Body: `{"location":{"room":4}}`}, 400, "invalid", "location.room"},
		{"wrong type on patch", req{Method: "PATCH", Path: dev, Body: `{"macs":"aa:bb:cc:dd:ee:ff"}`}, 400, "invalid", "macs"},
		{"wrong type of id", req{Method: "POST", Path: "/api/v1/zones", Body: `{"site_id":"one","name":"Z"}`}, 400, "invalid", "site_id"},
		{"not an object", req{Method: "POST", Path: "/api/v1/devices", Body: `["a"]`}, 400, "invalid", ""},
		{"patch not an object", req{Method: "PATCH", Path: dev, Body: `[]`}, 400, "invalid", ""},
		{"malformed JSON", req{Method: "POST", Path: "/api/v1/devices", Body: `{"asset_tag":`}, 400, "invalid", ""},
		{"trailing data", req{Method: "POST", Path: "/api/v1/sites", Body: `{"name":"A"} {"name":"B"}`}, 400, "invalid", ""},
		{"empty body", req{Method: "POST", Path: "/api/v1/sites", Body: ""}, 400, "invalid", ""},
		{"read-only id on create", req{Method: "POST", Path: "/api/v1/sites", Body: `{"id":5,"name":"A"}`}, 400, "invalid", "id"},
		{"read-only version on create", req{Method: "POST", Path: "/api/v1/devices", Body: `{"version":9}`}, 400, "invalid", "version"},
		{"read-only provenance on create", req{Method: "POST", Path: "/api/v1/devices", Body: `{"provenance":{}}`}, 400, "invalid", "provenance"},
		{"read-only version on patch", req{Method: "PATCH", Path: dev, Body: `{"version":9}`}, 400, "invalid", "version"},
		{"validation", req{Method: "POST", Path: "/api/v1/devices", Body: `{"macs":["nope"],"lifecycle":"lost"}`}, 400, "invalid", "lifecycle"},
		{"required", req{Method: "POST", Path: "/api/v1/sites", Body: `{"code":"X"}`}, 400, "invalid", "name"},
		{"unknown model reference", req{Method: "POST", Path: "/api/v1/devices", Body: `{"asset_tag":"X-2","model_id":999999}`}, 400, "invalid", "model_id"},
		{"unknown model on patch", req{Method: "PATCH", Path: dev, Body: `{"model_id":999999}`}, 400, "invalid", "model_id"},
		{"unknown site of zone", req{Method: "POST", Path: "/api/v1/zones", Body: `{"site_id":999999,"name":"Z"}`}, 400, "invalid", "site_id"},
		{"unknown manufacturer of model", req{Method: "POST", Path: "/api/v1/models", Body: `{"manufacturer_id":999999,"name":"M"}`}, 400, "invalid", "manufacturer_id"},
		{"release of another model", req{Method: "POST", Path: "/api/v1/devices", Body: map[string]any{"asset_tag": "X-3", "release_id": inv.Release.ID}}, 400, "invalid", "release_id"},
		{"duplicate asset tag", req{Method: "POST", Path: "/api/v1/devices", Body: `{"asset_tag":"DUP-1"}`}, 409, "conflict", "asset_tag"},
		{"duplicate MAC", req{Method: "POST", Path: "/api/v1/devices", Body: `{"macs":["AA-BB-CC-DD-EE-01"]}`}, 409, "conflict", ""},
		{"duplicate site name", req{Method: "POST", Path: "/api/v1/sites", Body: map[string]any{"name": strings.ToUpper(inv.Site.Name)}}, 409, "conflict", ""},
		{"text/plain", req{Method: "POST", Path: "/api/v1/devices", Body: `{}`, ContentType: "text/plain"}, 415, "unsupported_media_type", ""},
		{"no content type", req{Method: "POST", Path: "/api/v1/devices", Body: `{}`, ContentType: "-"}, 415, "unsupported_media_type", ""},
		{"merge patch on create", req{Method: "POST", Path: "/api/v1/devices", Body: `{}`, ContentType: "application/merge-patch+json"}, 415, "unsupported_media_type", ""},
		{"latin-1", req{Method: "POST", Path: "/api/v1/sites", Body: `{"name":"x"}`, ContentType: "application/json; charset=iso-8859-1"}, 415, "unsupported_media_type", ""},
		{"json-patch", req{Method: "PATCH", Path: dev, Body: `[]`, ContentType: "application/json-patch+json"}, 415, "unsupported_media_type", ""},
		{"unknown device", req{Method: "GET", Path: "/api/v1/devices/999999"}, 404, "not_found", ""},
		{"unknown device patch", req{Method: "PATCH", Path: "/api/v1/devices/999999", Body: `{"name":"x"}`}, 404, "not_found", ""},
		{"unknown device delete", req{Method: "DELETE", Path: "/api/v1/devices/999999"}, 404, "not_found", ""},
		{"unknown zone", req{Method: "GET", Path: "/api/v1/zones/999999"}, 404, "not_found", ""},
		{"non-numeric id", req{Method: "GET", Path: "/api/v1/devices/abc"}, 404, "not_found", ""},
		{"zero id", req{Method: "GET", Path: "/api/v1/sites/0"}, 404, "not_found", ""},
		{"negative id", req{Method: "DELETE", Path: "/api/v1/models/-1"}, 404, "not_found", ""},
		{"huge id", req{Method: "GET", Path: "/api/v1/releases/99999999999999999999"}, 404, "not_found", ""},
		{"fractional id", req{Method: "PATCH", Path: "/api/v1/manufacturers/1.5", Body: `{}`}, 404, "not_found", ""},
		{"unknown route", req{Method: "GET", Path: "/api/v1/printers"}, 404, "not_found", ""},
		{"unknown subresource", req{Method: "GET", Path: dev + "/provenance"}, 404, "not_found", ""},
		{"api root", req{Method: "GET", Path: "/api/v1/"}, 404, "not_found", ""},
		{"PUT a device", req{Method: "PUT", Path: dev, Body: `{}`}, 405, "method_not_allowed", ""},
		{"DELETE a collection", req{Method: "DELETE", Path: "/api/v1/devices"}, 405, "method_not_allowed", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, e.do(tc.r), tc.status, tc.kind, tc.field)
		})
	}
	t.Run("fields lists every problem", func(t *testing.T) {
		ae := wantError(t, e.do(req{Method: "POST", Path: "/api/v1/devices", Body: `{"asset_tag":"X-4","macs":["nope"],"ips":["x"],"lifecycle":"lost"}`}), 400, "invalid", "")
		if len(ae.Error.Fields) != 3 {
			t.Errorf("fields %+v, want 3", ae.Error.Fields)
		}
	})
	t.Run("405 says what is allowed", func(t *testing.T) {
		res := e.do(req{Method: "PUT", Path: dev, Body: `{}`})
		if allow := res.Header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "PATCH") || !strings.Contains(allow, "DELETE") {
			t.Errorf("Allow %q", allow)
		}
	})
	t.Run("415 says what is accepted", func(t *testing.T) {
		res := e.do(req{Method: "PATCH", Path: dev, Body: `{}`, ContentType: "text/plain"})
		if got := res.Header.Get("Accept-Patch"); got != "application/merge-patch+json, application/json" {
			t.Errorf("Accept-Patch %q", got)
		}
	})
	t.Run("charset utf-8 is fine", func(t *testing.T) {
		e.must(201, req{Method: "POST", Path: "/api/v1/sites", Body: `{"name":"UTF"}`, ContentType: "application/json; charset=UTF-8"}, nil)
	})
	t.Run("nothing half-written", func(t *testing.T) {
		var got map[string]any
		e.must(200, req{Method: "GET", Path: dev}, &got)
		if got["version"] != float64(1) {
			t.Errorf("refused patches changed the device: %v", got)
		}
	})
}

func TestBodyLimit(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "vigil.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	e := newEnvOn(t, st, 1024)
	d, _ := e.createDevice(map[string]any{"asset_tag": "BIG-1"})
	big := `{"notes":"` + strings.Repeat("x", 2000) + `"}`
	wantError(t, e.do(req{Method: "POST", Path: "/api/v1/devices", Body: big}), 413, "too_large", "")
	wantError(t, e.do(req{Method: "PATCH", Path: path("devices", d.ID), Body: big}), 413, "too_large", "")
	// Without a Content-Length the limit is found while reading.
	r := httptest.NewRequest("POST", "/api/v1/sites", io.MultiReader(strings.NewReader(big)))
	r.ContentLength = -1
	r.Header.Set("Authorization", "Bearer "+e.admin)
	r.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, r)
	wantError(t, resp{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}, 413, "too_large", "")
	// Just under the limit is fine.
	e.must(200, req{Method: "PATCH", Path: path("devices", d.ID), Body: `{"notes":"` + strings.Repeat("y", 900) + `"}`}, nil)
}

// TestInternalErrorsStayInside breaks the store under the API: the client
// gets the generic message, the log gets the cause, once.
func TestInternalErrorsStayInside(t *testing.T) {
	e := newEnv(t)
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	res := e.do(req{Method: "GET", Path: "/api/v1/devices"})
	ae := wantError(t, res, 500, "internal", "")
	if ae.Error.Message != "internal error; the server has logged the cause" {
		t.Errorf("message %q", ae.Error.Message)
	}
	if strings.Contains(string(res.Body), "sql") || strings.Contains(string(res.Body), "closed") {
		t.Errorf("internal detail in the response: %s", res.Body)
	}
	log := e.log.String()
	if n := strings.Count(log, `"msg":"api request failed"`); n != 1 {
		t.Errorf("%d log records, want 1: %s", n, log)
	}
	if !strings.Contains(log, "closed") || !strings.Contains(log, `"level":"ERROR"`) {
		t.Errorf("the log lacks the cause: %s", log)
	}
	if strings.Contains(log, e.admin) {
		t.Errorf("the token reached the log")
	}
}
