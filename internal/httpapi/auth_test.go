package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/vigil-oss/vigil/internal/core"
)

func TestAuthentication(t *testing.T) {
	e := newEnv(t)
	revoked := e.token("revoked", core.RoleAdmin)
	p, err := e.tokens.Authenticate(context.Background(), revoked)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.tokens.Revoke(context.Background(), p.TokenID); err != nil {
		t.Fatal(err)
	}
	noToken := `Bearer realm="vigil"`
	refused := `Bearer realm="vigil", error="invalid_token"`
	tests := []struct {
		name      string
		path      string
		auth      string // the whole Authorization header; "" sends none
		challenge string
	}{
		{"no token", "/api/v1/devices", "", noToken},
		{"other scheme", "/api/v1/devices", "Basic YWRtaW46YWRtaW4=", noToken},
		{"empty bearer", "/api/v1/devices", "Bearer ", noToken},
		{"unknown token", "/api/v1/devices", "Bearer vgl_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", refused},
		{"not a vigil token", "/api/v1/devices", "Bearer hunter2", refused},
		{"token too long", "/api/v1/devices", "Bearer vgl_" + strings.Repeat("A", 200), refused},
		{"revoked token", "/api/v1/devices", "Bearer " + revoked, refused},
		{"openapi document", "/api/v1/openapi.json", "", noToken},
		{"unknown route", "/api/v1/no-such-thing", "", noToken},
		{"wrong method", "/api/v1/sites", "", noToken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := req{Method: "GET", Path: tc.path, Token: "-"}
			if tc.name == "wrong method" {
				r.Method = "PUT"
			}
			if tc.auth != "" {
				r.Header = map[string]string{"Authorization": tc.auth}
			}
			res := e.do(r)
			wantError(t, res, http.StatusUnauthorized, "unauthorized", "")
			if got := res.Header.Get("WWW-Authenticate"); got != tc.challenge {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tc.challenge)
			}
			if tok := strings.TrimSpace(strings.TrimPrefix(tc.auth, "Bearer ")); tok != "" && strings.Contains(string(res.Body), tok) {
				t.Errorf("the response echoes the token: %s", res.Body)
			}
		})
	}
	if strings.Contains(e.log.String(), revoked) {
		t.Errorf("a token reached the log: %s", e.log.String())
	}
	t.Run("scheme is case-insensitive", func(t *testing.T) {
		e.must(200, req{Method: "GET", Path: "/api/v1/sites", Token: "-",
			Header: map[string]string{"Authorization": "bearer " + e.admin}}, nil)
	})
}

func TestRoles(t *testing.T) {
	e := newEnv(t)
	inv := e.seed("roles")
	d, etag := e.createDevice(map[string]any{"asset_tag": "R-1", "model_id": inv.Model.ID})
	dev := path("devices", d.ID)
	writes := []req{
		{Method: "POST", Path: "/api/v1/devices", Body: map[string]any{"asset_tag": "R-2"}},
		{Method: "PATCH", Path: dev, Body: map[string]any{"name": "x"}, Header: map[string]string{"If-Match": etag}},
		{Method: "DELETE", Path: dev},
		{Method: "POST", Path: "/api/v1/sites", Body: map[string]any{"name": "Annex"}},
		{Method: "PATCH", Path: path("sites", inv.Site.ID), Body: map[string]any{"name": "x"}},
		{Method: "DELETE", Path: path("releases", inv.Release.ID)},
	}
	for _, w := range writes {
		t.Run("auditor "+w.Method+" "+w.Path, func(t *testing.T) {
			w.Token = e.auditor
			res := e.do(w)
			ae := wantError(t, res, http.StatusForbidden, "forbidden", "")
			if !strings.Contains(ae.Error.Message, "auditor") {
				t.Errorf("message %q does not say which role", ae.Error.Message)
			}
		})
	}
	// Nothing the auditor tried took effect.
	var got core.Device
	e.must(200, req{Method: "GET", Path: dev, Token: e.auditor}, &got)
	if got.Version != 1 || got.Name != "" {
		t.Errorf("device changed by a refused write: %+v", got)
	}
	for _, p := range []string{"/api/v1/devices", dev, "/api/v1/sites", "/api/v1/zones", "/api/v1/manufacturers",
		"/api/v1/models", "/api/v1/releases", path("models", inv.Model.ID) + "/releases", "/api/v1/openapi.json"} {
		e.must(200, req{Method: "GET", Path: p, Token: e.auditor}, nil)
	}
	t.Run("engineer writes", func(t *testing.T) {
		var d2 core.Device
		e.must(201, req{Method: "POST", Path: "/api/v1/devices", Token: e.engineer, Body: map[string]any{"asset_tag": "R-3"}}, &d2)
		e.must(200, req{Method: "PATCH", Path: path("devices", d2.ID), Token: e.engineer, Body: map[string]any{"owner": "Biomed"}}, nil)
		e.must(204, req{Method: "DELETE", Path: path("devices", d2.ID), Token: e.engineer}, nil)
	})
}

func TestOpenAPIServed(t *testing.T) {
	e := newEnv(t)
	res := e.must(200, req{Method: "GET", Path: "/api/v1/openapi.json", Token: e.auditor}, nil)
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(res.Body, &doc); err != nil || doc.OpenAPI != "3.1.0" || len(doc.Paths) == 0 {
		t.Fatalf("served document: %v, %q, %d paths", err, doc.OpenAPI, len(doc.Paths))
	}
}
