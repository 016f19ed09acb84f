package httpapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/service"
	"github.com/vigil-oss/vigil/internal/store/sqlite"
)

// sharedData is where the real advisories and SBOMs live, beside the repository.
const sharedData = "../../../shared/data"

func needShared(tb testing.TB, paths ...string) {
	tb.Helper()
	for _, p := range paths {
		if _, err := os.Stat(filepath.Join(sharedData, p)); err != nil {
			tb.Skipf("shared test data not present (%v); the repository expects ../shared/data beside it", err)
		}
	}
}

// vulnFixture is an API whose store holds the CISA ICS medical advisories,
// the KEV catalog, a Philips release matched by them with a device on it,
// and a second release carrying the narrow case-study SBOM.
type vulnFixture struct {
	*env
	portal, narrow core.Release
	device         core.Device
	sbomBytes      []byte
}

func newVulnFixture(t testing.TB, e *env) *vulnFixture {
	t.Helper()
	needShared(t, "csaf/cisa-icsma", "kev/known_exploited_vulnerabilities.json", "sbom/medical-device/case-study-narrow.sbom.json")
	fx := &vulnFixture{env: e}
	var mfr core.Manufacturer
	var model core.Model
	e.must(201, req{Method: "POST", Path: "/api/v1/manufacturers", Body: map[string]any{"name": "Philips"}}, &mfr)
	e.must(201, req{Method: "POST", Path: "/api/v1/models", Body: map[string]any{
		"manufacturer_id": mfr.ID, "name": "IntelliSpace Portal 8.0.x", "device_type": "workstation", "function": "diagnostic"}}, &model)
	e.must(201, req{Method: "POST", Path: "/api/v1/releases", Body: map[string]any{"model_id": model.ID, "version": "8.0.2"}}, &fx.portal)
	// The case study goes on a model of its own: the CSAF advisories match
	// every release of the Philips model by its name.
	var caseMfr core.Manufacturer
	var caseModel core.Model
	e.must(201, req{Method: "POST", Path: "/api/v1/manufacturers", Body: map[string]any{"name": "Case Study Medical"}}, &caseMfr)
	e.must(201, req{Method: "POST", Path: "/api/v1/models", Body: map[string]any{
		"manufacturer_id": caseMfr.ID, "name": "Narrow Gateway", "device_type": "gateway", "function": "non-clinical"}}, &caseModel)
	e.must(201, req{Method: "POST", Path: "/api/v1/releases", Body: map[string]any{"model_id": caseModel.ID, "version": "1.0"}}, &fx.narrow)
	fx.device, _ = e.createDevice(map[string]any{"name": "portal-1", "asset_tag": "RAD-0001",
		"model_id": model.ID, "release_id": fx.portal.ID})

	// The releases exist before the advisories: the import matches them.
	sum, err := e.vulns.ImportFeeds(context.Background(), []string{
		filepath.Join(sharedData, "csaf/cisa-icsma"),
		filepath.Join(sharedData, "kev/known_exploited_vulnerabilities.json"),
	}, nil)
	if err != nil {
		t.Fatalf("import feeds: %v", err)
	}
	if c := sum.Kinds[core.AdvisoryCSAF]; c == nil || c.Added != 108 {
		t.Fatalf("csaf import counts %+v, want 108 added", c)
	}

	fx.sbomBytes, err = os.ReadFile(filepath.Join(sharedData, "sbom/medical-device/case-study-narrow.sbom.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ss service.SBOMSummary
	e.must(200, req{Method: "PUT", Path: path("releases", fx.narrow.ID) + "/sbom", Body: fx.sbomBytes,
		ContentType: "application/vnd.cyclonedx+json", Token: e.engineer}, &ss)
	// 55 components and the root (metadata.component).
	if ss.SBOM == nil || ss.SBOM.Format != "cyclonedx" || ss.SBOM.SpecVersion != "1.4" || ss.SBOM.Components != 56 ||
		ss.SBOM.ReleaseID != fx.narrow.ID || ss.SBOM.Source != "api" {
		t.Fatalf("PUT sbom summary %+v", ss.SBOM)
	}
	return fx
}

// findingsBody is a findings list response, decoded strictly.
type findingsBody struct {
	Findings   []core.Finding `json:"findings"`
	NextCursor string         `json:"next_cursor"`
	Total      int64          `json:"total"`
}

func (fx *vulnFixture) findings(t *testing.T, p string) findingsBody {
	t.Helper()
	res := fx.must(200, req{Method: "GET", Path: p, Token: fx.auditor}, nil)
	var b findingsBody
	dec := json.NewDecoder(bytes.NewReader(res.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		t.Fatalf("GET %s: decode %s: %v", p, res.Body, err)
	}
	if b.Findings == nil {
		t.Fatalf("GET %s: findings is not an array: %s", p, res.Body)
	}
	return b
}

func TestVulnsAPI(t *testing.T) {
	fx := newVulnFixture(t, newEnv(t))
	testVulnsAPI(t, fx)
}

func TestVulnsAPIPostgres(t *testing.T) {
	st, _, drop := openPostgres(t)
	t.Cleanup(drop)
	fx := newVulnFixture(t, newEnvOn(t, st, 0))
	testVulnsAPI(t, fx)
}

func testVulnsAPI(t *testing.T, fx *vulnFixture) {
	devPath := path("devices", fx.device.ID) + "/findings"
	relPath := path("releases", fx.portal.ID) + "/findings"

	all := fx.findings(t, devPath+"?limit=1000")
	t.Run("device findings", func(t *testing.T) {
		if len(all.Findings) != 35 || all.Total != 35 || all.NextCursor != "" {
			t.Fatalf("device: %d findings, total %d, cursor %q; want 35, 35, none", len(all.Findings), all.Total, all.NextCursor)
		}
		var icsma int
		for _, f := range all.Findings {
			if f.ReleaseID != fx.portal.ID {
				t.Errorf("finding %d is of release %d, want %d", f.ID, f.ReleaseID, fx.portal.ID)
			}
			if slices.ContainsFunc(f.Aliases, func(a string) bool { return a == "ICSMA-18-058-02" }) ||
				strings.Contains(string(f.Evidence), "ICSMA-18-058-02") {
				icsma++
			}
		}
		if icsma != 35 {
			t.Errorf("%d of 35 findings trace to ICSMA-18-058-02", icsma)
		}
		// The release's list and the global one filtered by release agree.
		rel := fx.findings(t, relPath+"?limit=1000")
		glob := fx.findings(t, "/api/v1/findings?limit=1000&release="+strconv.FormatInt(int64(fx.portal.ID), 10))
		byDev := fx.findings(t, "/api/v1/findings?limit=1000&device="+strconv.FormatInt(int64(fx.device.ID), 10))
		for name, b := range map[string]findingsBody{"release": rel, "global": glob, "global by device": byDev} {
			if b.Total != 35 || !slices.Equal(ids(b.Findings), ids(all.Findings)) {
				t.Errorf("%s list: total %d, ids %v; want the device's 35", name, b.Total, ids(b.Findings))
			}
		}
	})

	t.Run("filters", func(t *testing.T) {
		// Each filter's expected findings are picked here from the full list.
		count := func(keep func(core.Finding) bool) int64 {
			var n int64
			for _, f := range all.Findings {
				if keep(f) {
					n++
				}
			}
			return n
		}
		sev := func(s ...string) func(core.Finding) bool {
			return func(f core.Finding) bool { return slices.Contains(s, f.Severity) }
		}
		vex := func(s ...string) func(core.Finding) bool {
			return func(f core.Finding) bool { return slices.Contains(s, f.VEXStatus) }
		}
		isKEV := func(f core.Finding) bool { return f.KEV }
		hasFix := func(f core.Finding) bool { return len(f.FixedVersions) > 0 }
		not := func(keep func(core.Finding) bool) func(core.Finding) bool {
			return func(f core.Finding) bool { return !keep(f) }
		}
		// The data has findings of four severities, 7 in the KEV catalog,
		// all "affected" by the CSAF product status and none with a fixed
		// version; the counts below depend on the filters, not on this.
		if k := count(isKEV); k == 0 || k == 35 {
			t.Fatalf("%d KEV findings; the filter test needs some of each", k)
		}
		if n := count(sev("critical")) + count(sev("high")); n == 0 || n == 35 {
			t.Fatalf("%d critical or high findings; the filter test needs some of each", n)
		}
		first := all.Findings[0].AdvisoryID
		cases := []struct {
			query string
			keep  func(core.Finding) bool
		}{
			{"kev=true", isKEV},
			{"kev=false", not(isKEV)},
			{"fixed_available=true", hasFix},
			{"fixed_available=false", not(hasFix)},
			{"vex_status=none", vex("")},
			{"vex_status=affected", vex("affected")},
			{"vex_status=not_affected,under_investigation", vex("not_affected", "under_investigation")},
			{"vex_status=fixed&vex_status=none", vex("fixed", "")},
			{"severity=critical,high", sev("critical", "high")},
			{"severity=critical&severity=high&severity=critical", sev("critical", "high")},
			{"severity=medium&kev=true", func(f core.Finding) bool { return f.Severity == "medium" && f.KEV }},
			{"advisory=" + url.QueryEscape(first), func(f core.Finding) bool { return f.AdvisoryID == first }},
			{"advisory=CVE-0000-0000", func(core.Finding) bool { return false }},
		}
		for _, s := range core.Severities {
			cases = append(cases, struct {
				query string
				keep  func(core.Finding) bool
			}{"severity=" + s, sev(s)})
		}
		for _, c := range cases {
			t.Run(c.query, func(t *testing.T) {
				want := count(c.keep)
				b := fx.findings(t, devPath+"?limit=1000&"+c.query)
				if b.Total != want || int64(len(b.Findings)) != want {
					t.Fatalf("total %d, %d listed; want %d", b.Total, len(b.Findings), want)
				}
				for _, f := range b.Findings {
					if !c.keep(f) {
						t.Errorf("finding %d (%s, severity %s, kev %v, vex %q) does not fit the filter", f.ID, f.AdvisoryID, f.Severity, f.KEV, f.VEXStatus)
					}
				}
			})
		}
		// Suppressed findings only appear when asked for.
		with := fx.findings(t, devPath+"?limit=1000&include_suppressed=true")
		var suppressed int64
		for _, f := range with.Findings {
			if f.Suppressed {
				suppressed++
			}
		}
		if with.Total != 35+suppressed || int64(len(with.Findings)) != with.Total {
			t.Errorf("include_suppressed: total %d, %d listed, %d suppressed; want 35 plus the suppressed", with.Total, len(with.Findings), suppressed)
		}
		for _, f := range all.Findings {
			if f.Suppressed {
				t.Errorf("suppressed finding %d listed by default", f.ID)
			}
		}
	})

	t.Run("cursor paging", func(t *testing.T) {
		seen := map[core.FindingID]bool{}
		var order []core.FindingID
		p := devPath + "?limit=8&severity=critical,high,medium,low,none,unknown"
		pages := 0
		for next := p; ; {
			b := fx.findings(t, next)
			pages++
			if b.Total != 35 {
				t.Fatalf("page %d: total %d, want 35 on every page", pages, b.Total)
			}
			if len(b.Findings) > 8 {
				t.Fatalf("page %d has %d findings, limit 8", pages, len(b.Findings))
			}
			for _, f := range b.Findings {
				if seen[f.ID] {
					t.Fatalf("finding %d listed twice", f.ID)
				}
				seen[f.ID] = true
				order = append(order, f.ID)
			}
			if b.NextCursor == "" {
				break
			}
			if pages > 10 {
				t.Fatal("paging does not end")
			}
			next = p + "&cursor=" + url.QueryEscape(b.NextCursor)
		}
		if pages != 5 || len(order) != 35 || !slices.IsSorted(order) || !slices.Equal(order, ids(all.Findings)) {
			t.Errorf("%d pages, %d findings (sorted %v); want 5 pages walking the same 35 as one list", pages, len(order), slices.IsSorted(order))
		}
	})

	t.Run("bad filters", func(t *testing.T) {
		devCursor := base64.RawURLEncoding.EncodeToString([]byte(`{"s":"id","v":"5","i":5}`))
		for _, c := range []struct{ query, field, text string }{
			{"severity=severe", "severity", `"severe" is not one of critical, high, medium, low, none, unknown`},
			{"severity=high,", "severity", `"" is not one of`},
			{"kev=yes", "kev", `must be true or false, not "yes"`},
			{"fixed_available=1", "fixed_available", "must be true or false"},
			{"include_suppressed=TRUE", "include_suppressed", "must be true or false"},
			{"vex_status=unaffected", "vex_status", `"unaffected" is not one of not_affected, affected, fixed, under_investigation, none`},
			{"limit=0", "limit", "from 1 to 1000"},
			{"limit=1001", "limit", "from 1 to 1000"},
			{"cursor=abc!", "cursor", "is not a cursor"},
			{"cursor=" + devCursor, "cursor", "is not a cursor"},
			{"release=x", "release", "positive integer"},
			{"component=-1", "component", "positive integer"},
			{"kev=true&kev=false", "kev", "more than once"},
			{"sort=id", "sort", "is not a parameter"},
			{"advisory=" + strings.Repeat("A", 300), "advisory", "at most 256"},
		} {
			t.Run(c.query[:min(len(c.query), 40)], func(t *testing.T) {
				res := fx.do(req{Method: "GET", Path: "/api/v1/findings?" + c.query})
				ae := wantError(t, res, http.StatusBadRequest, "invalid", c.field)
				if len(ae.Error.Fields) != 1 || !strings.Contains(ae.Error.Fields[0].Message, c.text) {
					t.Errorf("fields %+v, want a message containing %q", ae.Error.Fields, c.text)
				}
			})
		}
		// The nested lists do not take the parameter their path fixes.
		res := fx.do(req{Method: "GET", Path: devPath + "?device=" + strconv.FormatInt(int64(fx.device.ID), 10)})
		wantError(t, res, http.StatusBadRequest, "invalid", "device")
		res = fx.do(req{Method: "GET", Path: relPath + "?release=1"})
		wantError(t, res, http.StatusBadRequest, "invalid", "release")
	})

	t.Run("not found", func(t *testing.T) {
		for _, p := range []string{
			"/api/v1/devices/999999/findings",
			"/api/v1/releases/999999/findings",
			"/api/v1/devices/abc/findings",
			"/api/v1/releases/999999/sbom",
			path("releases", fx.portal.ID) + "/sbom", // exists, has no SBOM
			"/api/v1/advisories/csaf/ICSMA-00-000-00",
			"/api/v1/advisories/bogus/ICSMA-18-058-02",
		} {
			wantError(t, fx.do(req{Method: "GET", Path: p}), http.StatusNotFound, "not_found", "")
		}
		res := fx.do(req{Method: "PUT", Path: "/api/v1/releases/999999/sbom", Body: fx.sbomBytes})
		wantError(t, res, http.StatusNotFound, "not_found", "")
		// Components are replaced with their SBOM; an unknown one has no findings.
		if b := fx.findings(t, "/api/v1/components/999999/findings"); b.Total != 0 || len(b.Findings) != 0 {
			t.Errorf("unknown component: %+v", b)
		}
	})

	t.Run("auth", func(t *testing.T) {
		for _, p := range []string{"/api/v1/findings", devPath, "/api/v1/feeds", "/api/v1/advisories/csaf/ICSMA-18-058-02",
			path("releases", fx.narrow.ID) + "/sbom"} {
			res := fx.do(req{Method: "GET", Path: p, Token: "-"})
			wantError(t, res, http.StatusUnauthorized, "unauthorized", "")
			if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("GET %s without token: WWW-Authenticate %q", p, res.Header.Get("WWW-Authenticate"))
			}
		}
		res := fx.do(req{Method: "PUT", Path: path("releases", fx.narrow.ID) + "/sbom", Body: fx.sbomBytes, Token: "-"})
		wantError(t, res, http.StatusUnauthorized, "unauthorized", "")
		res = fx.do(req{Method: "PUT", Path: path("releases", fx.narrow.ID) + "/sbom", Body: fx.sbomBytes, Token: fx.auditor})
		ae := wantError(t, res, http.StatusForbidden, "forbidden", "")
		if !strings.Contains(ae.Error.Message, "auditor") {
			t.Errorf("403 message %q does not name the role", ae.Error.Message)
		}
	})

	t.Run("sbom", func(t *testing.T) {
		sbomPath := path("releases", fx.narrow.ID) + "/sbom"
		before := fx.getSBOM(t, sbomPath)
		if before.SBOM.Components != 56 || len(before.Components) != 56 || before.SBOM.Format != "cyclonedx" {
			t.Fatalf("stored SBOM %+v with %d components; want 56", before.SBOM, len(before.Components))
		}
		if c := before.Components[0]; c.ReleaseID != fx.narrow.ID || c.SBOMID != before.SBOM.ID || c.Name == "" || c.Keys == nil {
			t.Errorf("first component %+v", c)
		}
		if !slices.ContainsFunc(before.Components, func(c core.Component) bool {
			return slices.Contains(c.CPEs, "cpe:2.3:h:qualcomm:atheros_qca9563:*:*:*:*:*:*:*:*")
		}) {
			t.Error("the Qualcomm SoC of the case study is not among the components")
		}
		for _, bad := range []struct{ name, body, text string }{
			{"component without name", `{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"type":"library"}]}`, "/components/0/name: component name is missing"},
			{"not JSON", `{"bomFormat":"CycloneDX",`, ""},
			{"not an SBOM", `hello`, ""},
		} {
			t.Run(bad.name, func(t *testing.T) {
				res := fx.do(req{Method: "PUT", Path: sbomPath, Body: bad.body, ContentType: "application/json"})
				ae := wantError(t, res, http.StatusBadRequest, "invalid", "")
				if !strings.Contains(ae.Error.Message, bad.text) {
					t.Errorf("message %q does not name %q", ae.Error.Message, bad.text)
				}
				after := fx.getSBOM(t, sbomPath)
				if after.SBOM.ID != before.SBOM.ID || after.SBOM.SHA256 != before.SBOM.SHA256 || len(after.Components) != 56 {
					t.Errorf("a refused SBOM changed the stored one: %+v", after.SBOM)
				}
			})
		}
		wantError(t, fx.do(req{Method: "PUT", Path: sbomPath, Body: "", ContentType: "application/json"}),
			http.StatusBadRequest, "invalid", "")
		// Same document again, without a Content-Type: sniffed, replaced, matched.
		var ss service.SBOMSummary
		fx.must(200, req{Method: "PUT", Path: sbomPath, Body: fx.sbomBytes, ContentType: "-"}, &ss)
		if ss.SBOM.Components != 56 || ss.SBOM.SHA256 != before.SBOM.SHA256 || ss.Warnings == nil {
			t.Errorf("re-PUT summary %+v", ss)
		}
		rel := fx.findings(t, path("releases", fx.narrow.ID)+"/findings?include_suppressed=true&limit=1000")
		if int64(ss.Findings) != rel.Total {
			t.Errorf("PUT reported %d findings, the release lists %d", ss.Findings, rel.Total)
		}
	})

	t.Run("advisory", func(t *testing.T) {
		var doc struct {
			core.AdvisoryDoc
			Keys           []string `json:"keys"`
			DocumentFormat string   `json:"document_format"`
			Document       struct {
				Document struct {
					Tracking struct {
						ID string `json:"id"`
					} `json:"tracking"`
				} `json:"document"`
			} `json:"document"`
		}
		fx.must(200, req{Method: "GET", Path: "/api/v1/advisories/csaf/ICSMA-18-058-02", Token: fx.auditor}, &doc)
		if doc.Kind != "csaf" || doc.DocID != "ICSMA-18-058-02" || doc.DocumentFormat != "json" ||
			doc.Document.Document.Tracking.ID != "ICSMA-18-058-02" || len(doc.SHA256) != 64 || len(doc.Keys) == 0 {
			t.Errorf("advisory: kind %q id %q format %q tracking %q sha %q keys %v", doc.Kind, doc.DocID, doc.DocumentFormat,
				doc.Document.Document.Tracking.ID, doc.SHA256, doc.Keys)
		}
		var kev struct {
			DocumentFormat string `json:"document_format"`
			Document       struct {
				CatalogVersion  string            `json:"catalogVersion"`
				Vulnerabilities []json.RawMessage `json:"vulnerabilities"`
			} `json:"document"`
		}
		fx.must(200, req{Method: "GET", Path: "/api/v1/advisories/kev/kev"}, &kev)
		if kev.DocumentFormat != "json" || kev.Document.CatalogVersion == "" || len(kev.Document.Vulnerabilities) < 1000 {
			t.Errorf("kev: format %q, catalog %q, %d entries", kev.DocumentFormat, kev.Document.CatalogVersion, len(kev.Document.Vulnerabilities))
		}
	})

	t.Run("feeds", func(t *testing.T) {
		var body struct {
			Feeds []core.FeedStatus `json:"feeds"`
		}
		fx.must(200, req{Method: "GET", Path: "/api/v1/feeds", Token: fx.auditor}, &body)
		kinds := map[string]core.FeedStatus{}
		for _, f := range body.Feeds {
			kinds[f.Kind] = f
		}
		if c := kinds["csaf"]; c.Documents != 108 || c.NewestModified.IsZero() || c.LastImport.IsZero() {
			t.Errorf("csaf feed %+v, want 108 documents", c)
		}
		if k := kinds["kev"]; k.Documents != 1 {
			t.Errorf("kev feed %+v, want 1 document", k)
		}
		if len(body.Feeds) != 2 {
			t.Errorf("feeds %+v, want csaf and kev", body.Feeds)
		}
	})
}

type releaseSBOM struct {
	SBOM       core.SBOM        `json:"sbom"`
	Components []core.Component `json:"components"`
}

func (fx *vulnFixture) getSBOM(t *testing.T, p string) releaseSBOM {
	t.Helper()
	var b releaseSBOM
	fx.must(200, req{Method: "GET", Path: p, Token: fx.auditor}, &b)
	return b
}

func ids(fs []core.Finding) []core.FindingID {
	out := make([]core.FindingID, len(fs))
	for i, f := range fs {
		out[i] = f.ID
	}
	return out
}

// TestComponentFindings puts a Go fleet's SBOM, as CycloneDX XML, on a
// release through the API, then imports the Go vulnerability database:
// the release's findings page in two, and one component's findings are
// exactly the release's findings on that component.
func TestComponentFindings(t *testing.T) {
	needShared(t, "match/go-1x.cdx.xml", "match/vulndb-go-a752ea54.zip")
	e := newEnv(t)
	inv := e.seed("go")
	data, err := os.ReadFile(filepath.Join(sharedData, "match/go-1x.cdx.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var ss service.SBOMSummary
	e.must(200, req{Method: "PUT", Path: path("releases", inv.Release.ID) + "/sbom", Body: data, ContentType: "application/xml"}, &ss)
	if ss.SBOM.Format != "cyclonedx" || ss.SBOM.Components != 1531 || ss.Findings != 0 {
		t.Fatalf("PUT XML SBOM: %+v, %d findings; want 1531 CycloneDX components (root included) and no findings yet", ss.SBOM, ss.Findings)
	}
	if _, err := e.vulns.ImportFeeds(context.Background(), []string{filepath.Join(sharedData, "match/vulndb-go-a752ea54.zip")}, nil); err != nil {
		t.Fatal(err)
	}
	fx := &vulnFixture{env: e}
	relPath := path("releases", inv.Release.ID) + "/findings?include_suppressed=true&limit=1000"
	first := fx.findings(t, relPath)
	if first.Total != 1865 || len(first.Findings) != 1000 || first.NextCursor == "" {
		t.Fatalf("first page: total %d, %d listed, cursor %q; want 1865, 1000 and a cursor", first.Total, len(first.Findings), first.NextCursor)
	}
	second := fx.findings(t, relPath+"&cursor="+url.QueryEscape(first.NextCursor))
	if second.Total != 1865 || len(second.Findings) != 865 || second.NextCursor != "" {
		t.Fatalf("second page: total %d, %d listed, cursor %q; want 1865, 865, none", second.Total, len(second.Findings), second.NextCursor)
	}
	all := append(first.Findings, second.Findings...)
	if !slices.IsSorted(ids(all)) || len(slices.Compact(ids(all))) != 1865 {
		t.Fatal("the two pages overlap or are out of order")
	}
	var fixed int64
	for _, f := range all {
		if len(f.FixedVersions) > 0 {
			fixed++
		}
	}
	if fixed == 0 || fixed == 1865 {
		t.Fatalf("%d findings with a fixed version; the filter test needs some of each", fixed)
	}
	for q, want := range map[string]int64{"true": fixed, "false": 1865 - fixed} {
		if b := fx.findings(t, relPath+"&fixed_available="+q); b.Total != want {
			t.Errorf("fixed_available=%s: total %d, want %d", q, b.Total, want)
		}
	}
	perComp := map[core.ComponentID][]core.FindingID{}
	for _, f := range all {
		if f.ComponentID == 0 {
			t.Fatalf("finding %d (%s on %s) has no component", f.ID, f.AdvisoryID, f.ComponentRef)
		}
		perComp[f.ComponentID] = append(perComp[f.ComponentID], f.ID)
	}
	var busiest core.ComponentID
	for c, fs := range perComp {
		if len(fs) > len(perComp[busiest]) || (len(fs) == len(perComp[busiest]) && c < busiest) {
			busiest = c
		}
	}
	cf := fx.findings(t, "/api/v1/components/"+strconv.FormatInt(int64(busiest), 10)+"/findings?include_suppressed=true&limit=1000")
	if !slices.Equal(ids(cf.Findings), perComp[busiest]) || cf.Total != int64(len(perComp[busiest])) || cf.Total < 2 {
		t.Errorf("component %d: total %d, ids %v; want the release's %v", busiest, cf.Total, ids(cf.Findings), perComp[busiest])
	}
	// The global list by component and advisory agrees.
	adv := cf.Findings[0].AdvisoryID
	g := fx.findings(t, "/api/v1/findings?include_suppressed=true&component="+strconv.FormatInt(int64(busiest), 10)+"&advisory="+url.QueryEscape(adv))
	if g.Total != 1 || len(g.Findings) != 1 || g.Findings[0].ID != cf.Findings[0].ID {
		t.Errorf("component %d, advisory %s: %+v", busiest, adv, g)
	}
	// The advisory is served as stored, its JSON embedded.
	var doc struct {
		Kind           string `json:"kind"`
		DocID          string `json:"doc_id"`
		DocumentFormat string `json:"document_format"`
		Document       struct {
			ID string `json:"id"`
		} `json:"document"`
	}
	e.must(200, req{Method: "GET", Path: "/api/v1/advisories/osv/" + url.PathEscape(adv)}, &doc)
	if doc.Kind != "osv" || doc.DocID != adv || doc.DocumentFormat != "json" || doc.Document.ID != adv {
		t.Errorf("advisory %s: %+v", adv, doc)
	}
	var sb releaseSBOM
	e.must(200, req{Method: "GET", Path: path("releases", inv.Release.ID) + "/sbom"}, &sb)
	if len(sb.Components) != 1531 || !slices.ContainsFunc(sb.Components, func(c core.Component) bool { return c.ID == busiest }) {
		t.Errorf("SBOM: %d components, component %d among them: false", len(sb.Components), busiest)
	}
}

// TestSBOMBodyLimit: the SBOM route takes bodies far above the API's
// default limit, and refuses ones above its own.
func TestSBOMBodyLimit(t *testing.T) {
	needShared(t, "sbom/medical-device/case-study-narrow.sbom.json")
	e := newEnvOn(t, openSQLite(t), 1024) // the smallest limit the config allows
	inv := e.seed("limit")
	data, err := os.ReadFile(filepath.Join(sharedData, "sbom/medical-device/case-study-narrow.sbom.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(data) <= 1024 {
		t.Fatalf("the case study is %d bytes; the test needs more than the 1024-byte default limit", len(data))
	}
	p := path("releases", inv.Release.ID) + "/sbom"
	e.must(200, req{Method: "PUT", Path: p, Body: data}, nil)
	// Other writes keep the small limit.
	res := e.do(req{Method: "POST", Path: "/api/v1/sites", Body: map[string]any{"name": strings.Repeat("x", 2000)}})
	wantError(t, res, http.StatusRequestEntityTooLarge, "too_large", "")

	// One byte over 64 MiB, as a stream of unknown length, is 413 without
	// being kept in memory whole.
	big := &repeatReader{n: core.MaxAdvisoryDocSize + 1}
	hr, _ := http.NewRequest("PUT", p, big)
	hr.Header.Set("Authorization", "Bearer "+e.admin)
	hr.ContentLength = -1
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, hr)
	wantError(t, resp{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}, http.StatusRequestEntityTooLarge, "too_large", "")
	// A declared length over the limit is refused before reading.
	hr, _ = http.NewRequest("PUT", p, strings.NewReader("{}"))
	hr.Header.Set("Authorization", "Bearer "+e.admin)
	hr.ContentLength = core.MaxAdvisoryDocSize + 1
	rec = httptest.NewRecorder()
	e.handler.ServeHTTP(rec, hr)
	wantError(t, resp{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}, http.StatusRequestEntityTooLarge, "too_large", "")
	// The stored SBOM is still the case study.
	var b releaseSBOM
	e.must(200, req{Method: "GET", Path: p}, &b)
	if b.SBOM.Components != 56 {
		t.Errorf("stored SBOM after refused ones: %+v", b.SBOM)
	}
}

// openSQLite returns a migrated store in a fresh temporary database.
func openSQLite(t *testing.T) core.Store {
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
	return st
}

// repeatReader yields n spaces.
type repeatReader struct{ n int }

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), r.n)
	for i := range p[:k] {
		p[i] = ' '
	}
	r.n -= k
	return k, nil
}

// TestVulnSchemasMatchTypes is TestOpenAPISchemasMatchTypes for the
// vulnerability types, read from the served document.
func TestVulnSchemasMatchTypes(t *testing.T) {
	e := newEnv(t)
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	e.must(200, req{Method: "GET", Path: "/api/v1/openapi.json"}, &doc)
	types := map[string]any{
		"Finding": core.Finding{}, "SBOM": core.SBOM{}, "Component": core.Component{}, "FeedStatus": core.FeedStatus{},
		"SBOMSummary": service.SBOMSummary{},
	}
	for name, v := range types {
		s, ok := doc.Components.Schemas[name]
		if !ok {
			t.Errorf("schema %s missing", name)
			continue
		}
		have := slices.Sorted(func(yield func(string) bool) {
			for p := range s.Properties {
				if !yield(p) {
					return
				}
			}
		})
		if want := members(v); !slices.Equal(have, want) {
			t.Errorf("schema %s has properties %v; the Go type encodes %v", name, have, want)
		}
	}
	// The advisory document is the stored metadata plus the document.
	want := append(members(core.AdvisoryDoc{}), "document", "document_format")
	sort.Strings(want)
	have := slices.Sorted(func(yield func(string) bool) {
		for p := range doc.Components.Schemas["AdvisoryDocument"].Properties {
			if !yield(p) {
				return
			}
		}
	})
	if !slices.Equal(have, want) {
		t.Errorf("schema AdvisoryDocument has %v, want %v", have, want)
	}
}

// members lists the JSON member names v's struct type encodes.
func members(v any) []string {
	var out []string
	for f := range reflect.TypeOf(v).Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// BenchmarkListFindings measures a page of a device's findings with its
// total, over the CISA advisories: two queries and the encoding of 35
// findings with their evidence.
func BenchmarkListFindings(b *testing.B) {
	fx := newVulnFixture(b, newEnv(b))
	p := path("devices", fx.device.ID) + "/findings?severity=critical,high,medium,low"
	b.ReportAllocs()
	for b.Loop() {
		res := fx.do(req{Method: "GET", Path: p})
		if res.Status != 200 {
			b.Fatalf("status %d: %s", res.Status, res.Body)
		}
	}
}
