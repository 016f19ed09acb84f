package httpapi

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/service"
)

// DefaultMaxBodyBytes bounds request bodies when Config.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 1 << 20

// Config is what the API handler needs.
type Config struct {
	Inventory *service.Inventory
	Tokens    *service.Tokens
	Vulns     *service.Vulns
	Sensors   *service.Sensors
	// Logger receives one record per failed request whose cause the client
	// must not see (internal errors, unavailable storage). nil discards.
	Logger *slog.Logger
	// MaxBodyBytes bounds every request body but an SBOM's (which has its
	// own limit, core.MaxAdvisoryDocSize); 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

// api is the handler New returns. Its fields are set once by New and only
// read afterwards, so it is safe for concurrent use.
type api struct {
	inv     *service.Inventory
	store   core.Store
	tokens  *service.Tokens
	vulns   *service.Vulns
	sensors *service.Sensors
	log     *slog.Logger
	maxBody int64
	mux     *http.ServeMux
	// sbomImports holds a slot per SBOM import in progress.
	sbomImports chan struct{}
}

// maxSBOMImports bounds the SBOM imports running at once: each holds a
// document of up to core.MaxAdvisoryDocSize and its decoded form.
const maxSBOMImports = 2

// New returns the handler for everything under /api/v1/. It panics when
// Inventory, Tokens or Vulns is nil: that is a wiring mistake, better
// caught at start-up than as a nil dereference on the first request.
func New(cfg Config) http.Handler {
	if cfg.Inventory == nil || cfg.Inventory.Store() == nil || cfg.Tokens == nil || cfg.Vulns == nil || cfg.Sensors == nil {
		panic("httpapi.New: Config.Inventory (over a store, not a transaction), Config.Tokens, Config.Vulns and Config.Sensors are required")
	}
	a := &api{
		inv:     cfg.Inventory,
		store:   cfg.Inventory.Store(),
		tokens:  cfg.Tokens,
		vulns:   cfg.Vulns,
		sensors: cfg.Sensors,
		log:     cfg.Logger,
		maxBody: cfg.MaxBodyBytes,
		mux:     http.NewServeMux(),

		sbomImports: make(chan struct{}, maxSBOMImports),
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.maxBody <= 0 {
		a.maxBody = DefaultMaxBodyBytes
	}
	for _, rt := range a.routes() {
		a.mux.Handle(rt.pattern(), a.wrap(rt))
	}
	return a
}

// access is what a route requires of the caller's role.
type access int

const (
	read  access = iota // any valid token
	write               // a role that may change the inventory
)

// handler serves one route. A returned error is written in the error shape
// by fail; a handler that returns nil has written its response.
type handler func(w http.ResponseWriter, r *http.Request) error

// route is one entry of the route table. The table is the single source for
// registering routes on the mux and for the test that checks every route is
// in the OpenAPI document.
type route struct {
	method string
	path   string // a ServeMux path pattern, e.g. /api/v1/devices/{id}
	access access
	handle handler
}

func (rt route) pattern() string { return rt.method + " " + rt.path }

// routes is Vigil's API: keep it in step with openapi.json (a test checks).
func (a *api) routes() []route {
	return []route{
		{"GET", "/api/v1/openapi.json", read, a.openAPI},

		{"GET", "/api/v1/devices", read, a.listDevices},
		{"POST", "/api/v1/devices", write, a.createDevice},
		{"GET", "/api/v1/devices/{id}", read, a.getDevice},
		{"PATCH", "/api/v1/devices/{id}", write, a.patchDevice},
		{"DELETE", "/api/v1/devices/{id}", write, a.deleteDevice},
		{"GET", "/api/v1/devices/{id}/findings", read, a.listDeviceFindings},
		{"GET", "/api/v1/devices/{id}/observations", read, a.listDeviceObservations},

		{"GET", "/api/v1/manufacturers", read, a.listManufacturers},
		{"POST", "/api/v1/manufacturers", write, a.createManufacturer},
		{"GET", "/api/v1/manufacturers/{id}", read, a.getManufacturer},
		{"PATCH", "/api/v1/manufacturers/{id}", write, a.patchManufacturer},
		{"DELETE", "/api/v1/manufacturers/{id}", write, a.deleteManufacturer},

		{"GET", "/api/v1/models", read, a.listModels},
		{"POST", "/api/v1/models", write, a.createModel},
		{"GET", "/api/v1/models/{id}", read, a.getModel},
		{"PATCH", "/api/v1/models/{id}", write, a.patchModel},
		{"DELETE", "/api/v1/models/{id}", write, a.deleteModel},
		{"GET", "/api/v1/models/{id}/releases", read, a.listModelReleases},

		{"GET", "/api/v1/releases", read, a.listReleases},
		{"POST", "/api/v1/releases", write, a.createRelease},
		{"GET", "/api/v1/releases/{id}", read, a.getRelease},
		{"PATCH", "/api/v1/releases/{id}", write, a.patchRelease},
		{"DELETE", "/api/v1/releases/{id}", write, a.deleteRelease},
		{"GET", "/api/v1/releases/{id}/findings", read, a.listReleaseFindings},
		{"GET", "/api/v1/releases/{id}/sbom", read, a.getSBOM},
		{"PUT", "/api/v1/releases/{id}/sbom", write, a.putSBOM},

		{"GET", "/api/v1/sites", read, a.listSites},
		{"POST", "/api/v1/sites", write, a.createSite},
		{"GET", "/api/v1/sites/{id}", read, a.getSite},
		{"PATCH", "/api/v1/sites/{id}", write, a.patchSite},
		{"DELETE", "/api/v1/sites/{id}", write, a.deleteSite},

		{"GET", "/api/v1/zones", read, a.listZones},
		{"POST", "/api/v1/zones", write, a.createZone},
		{"GET", "/api/v1/zones/{id}", read, a.getZone},
		{"PATCH", "/api/v1/zones/{id}", write, a.patchZone},
		{"DELETE", "/api/v1/zones/{id}", write, a.deleteZone},

		{"GET", "/api/v1/findings", read, a.listFindings},
		{"GET", "/api/v1/components/{id}/findings", read, a.listComponentFindings},
		{"GET", "/api/v1/advisories/{kind}/{id}", read, a.getAdvisory},
		{"GET", "/api/v1/feeds", read, a.listFeeds},

		{"GET", "/api/v1/flows", read, a.listFlows},
		{"GET", "/api/v1/alerts", read, a.listAlerts},
	}
}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Inventory data is sensitive and changes under the client; no shared
	// cache may keep it.
	w.Header().Set("Cache-Control", "no-store")
	h, pattern := a.mux.Handler(r)
	if pattern == "" {
		a.unrouted(w, r, h)
		return
	}
	// The mux sets r.Pattern on this very request, which is how the
	// server's access log and metrics learn the route.
	a.mux.ServeHTTP(w, r)
}

// wrap authenticates the caller, checks the route's access, puts the
// principal in the request context and runs the handler.
func (a *api) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := a.authenticate(w, r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if rt.access == write && !p.Role.CanWrite() {
			a.fail(w, r, core.Errorf(core.KindForbidden, "role %s may read the inventory but not change it", p.Role))
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
		if err := rt.handle(w, r); err != nil {
			a.fail(w, r, err)
		}
	})
}

// unrouted answers a request no route matched. The mux's own 404 and 405
// are plain text; they are rewritten into the error shape, keeping the
// Allow header. Authentication comes first, so a caller without a token
// learns nothing about which paths exist.
func (a *api) unrouted(w http.ResponseWriter, r *http.Request, h http.Handler) {
	rec := &recorder{header: http.Header{}}
	h.ServeHTTP(rec, r)
	switch rec.status {
	case http.StatusNotFound, http.StatusMethodNotAllowed:
	default:
		// A redirect to the cleaned path: pass it through as the mux wrote it.
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.body.Bytes())
		return
	}
	if _, err := a.authenticate(w, r); err != nil {
		a.fail(w, r, err)
		return
	}
	if rec.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", rec.header.Get("Allow"))
		a.fail(w, r, core.Errorf(kindMethodNotAllowed, "method %s is not allowed here; allowed: %s", r.Method, rec.header.Get("Allow")))
		return
	}
	a.fail(w, r, core.Errorf(core.KindNotFound, "no API route matches %s %s", r.Method, truncate(r.URL.Path, 200)))
}

// recorder captures what the mux's fallback handlers write.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
