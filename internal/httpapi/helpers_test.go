package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/httpapi"
	"github.com/vigil-oss/vigil/internal/service"
	"github.com/vigil-oss/vigil/internal/store/sqlite"
)

// env is an API over a real store, with one token per role.
type env struct {
	t       testing.TB
	store   core.Store
	tokens  *service.Tokens
	inv     *service.Inventory
	vulns   *service.Vulns
	handler http.Handler
	log     *syncBuffer

	admin, engineer, auditor string
}

// newEnv returns an API over a fresh SQLite database in a temporary directory.
func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "vigil.db"), sqlite.Options{})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return newEnvOn(t, st, 0)
}

// newEnvOn returns an API over st, which must be migrated and empty of tokens.
func newEnvOn(t testing.TB, st core.Store, maxBody int64) *env {
	t.Helper()
	e := &env{t: t, store: st, log: &syncBuffer{}}
	e.inv = service.NewInventory(st, core.SystemClock{})
	e.tokens = service.NewTokens(st, core.SystemClock{})
	e.vulns = service.NewVulns(st, core.SystemClock{}, nil)
	e.handler = httpapi.New(httpapi.Config{
		Inventory:    e.inv,
		Tokens:       e.tokens,
		Vulns:        e.vulns,
		Sensors:      service.NewSensors(st, core.SystemClock{}),
		Logger:       slog.New(slog.NewJSONHandler(e.log, nil)),
		MaxBodyBytes: maxBody,
	})
	e.admin = e.token("admin", core.RoleAdmin)
	e.engineer = e.token("engineer", core.RoleEngineer)
	e.auditor = e.token("auditor", core.RoleAuditor)
	return e
}

func (e *env) token(name string, role core.Role) string {
	e.t.Helper()
	secret, _, err := e.tokens.Create(context.Background(), name, role)
	if err != nil {
		e.t.Fatalf("create token %s: %v", name, err)
	}
	return secret
}

// resp is a finished response.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

// req describes one request; zero fields take defaults (the admin token,
// application/json for bodies).
type req struct {
	Method, Path string
	Token        string // "-" sends no Authorization header
	Body         any    // string and []byte are sent as is; anything else as JSON
	ContentType  string
	Header       map[string]string
}

func (e *env) do(r req) resp {
	e.t.Helper()
	var body io.Reader
	switch b := r.Body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatalf("encode request body: %v", err)
		}
		body = bytes.NewReader(j)
	}
	hr := httptest.NewRequest(r.Method, r.Path, body)
	switch r.Token {
	case "":
		hr.Header.Set("Authorization", "Bearer "+e.admin)
	case "-":
	default:
		hr.Header.Set("Authorization", "Bearer "+r.Token)
	}
	if body != nil {
		ct := r.ContentType
		if ct == "" {
			ct = "application/json"
		}
		if ct != "-" {
			hr.Header.Set("Content-Type", ct)
		}
	}
	for k, v := range r.Header {
		hr.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, hr)
	return resp{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// must does r and fails the test unless the status is want; it decodes
// the body into out when out is not nil.
func (e *env) must(want int, r req, out any) resp {
	e.t.Helper()
	res := e.do(r)
	if res.Status != want {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", r.Method, r.Path, res.Status, want, res.Body)
	}
	if out != nil {
		if err := json.Unmarshal(res.Body, out); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", r.Method, r.Path, res.Body, err)
		}
	}
	return res
}

// apiError is the error shape, decoded strictly so a stray member fails.
type apiError struct {
	Error struct {
		Kind    string            `json:"kind"`
		Message string            `json:"message"`
		Field   string            `json:"field"`
		Fields  []core.FieldError `json:"fields"`
	} `json:"error"`
}

// wantError checks that res is an error of the given status, kind and
// (when field is not "") field, in the one error shape.
func wantError(t testing.TB, res resp, status int, kind, field string) apiError {
	t.Helper()
	var ae apiError
	dec := json.NewDecoder(bytes.NewReader(res.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ae); err != nil {
		t.Fatalf("body %q is not the error shape: %v", res.Body, err)
	}
	if res.Status != status || ae.Error.Kind != kind || ae.Error.Message == "" {
		t.Fatalf("got status %d kind %q message %q, want status %d kind %q; body %s",
			res.Status, ae.Error.Kind, ae.Error.Message, status, kind, res.Body)
	}
	if field != "" && ae.Error.Field != field {
		t.Fatalf("field %q, want %q; body %s", ae.Error.Field, field, res.Body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("error Content-Type %q", ct)
	}
	return ae
}

// inventory is one of each record a device can refer to.
type inventory struct {
	Site         core.Site
	Zone         core.Zone
	Manufacturer core.Manufacturer
	Model        core.Model
	Release      core.Release
}

// seed creates one of each referenced record through the API.
func (e *env) seed(suffix string) inventory {
	e.t.Helper()
	var inv inventory
	e.must(201, req{Method: "POST", Path: "/api/v1/sites", Body: map[string]any{"name": "Main campus " + suffix}}, &inv.Site)
	e.must(201, req{Method: "POST", Path: "/api/v1/zones", Body: map[string]any{
		"site_id": inv.Site.ID, "name": "ICU " + suffix, "cidrs": []string{"10.1.0.0/16"}, "vlans": []int{20}}}, &inv.Zone)
	e.must(201, req{Method: "POST", Path: "/api/v1/manufacturers", Body: map[string]any{"name": "Acme Medical " + suffix}}, &inv.Manufacturer)
	e.must(201, req{Method: "POST", Path: "/api/v1/models", Body: map[string]any{
		"manufacturer_id": inv.Manufacturer.ID, "name": "Pump 3000 " + suffix, "device_type": "Infusion Pump",
		"function": "therapy", "handles_phi": true}}, &inv.Model)
	e.must(201, req{Method: "POST", Path: "/api/v1/releases", Body: map[string]any{
		"model_id": inv.Model.ID, "version": "2.1.0", "support_level": "active", "release_date": "2024-03-01"}}, &inv.Release)
	return inv
}

// createDevice creates a device through the API and returns it with its ETag.
func (e *env) createDevice(body map[string]any) (core.Device, string) {
	e.t.Helper()
	var d core.Device
	res := e.must(201, req{Method: "POST", Path: "/api/v1/devices", Body: body}, &d)
	return d, res.Header.Get("ETag")
}

func path(collection string, id any) string {
	return "/api/v1/" + collection + "/" + strconv.FormatInt(toInt64(id), 10)
}

func toInt64(id any) int64 {
	switch v := id.(type) {
	case core.DeviceID:
		return int64(v)
	case core.SiteID:
		return int64(v)
	case core.ZoneID:
		return int64(v)
	case core.ModelID:
		return int64(v)
	case core.ReleaseID:
		return int64(v)
	case core.ManufacturerID:
		return int64(v)
	case int64:
		return v
	case int:
		return int64(v)
	}
	panic("unknown id type")
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
