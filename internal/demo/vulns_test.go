package demo_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/demo"
	"github.com/vigil-oss/vigil/internal/service"
	"github.com/vigil-oss/vigil/internal/store/sqlite"
)

// loadVulns loads the hospital and then its advisories.
func loadVulns(t *testing.T) (*sqlite.Store, *service.Vulns, demo.VulnSummary) {
	t.Helper()
	s, _ := load(t)
	v := service.NewVulns(s, clock, nil)
	start := time.Now()
	sum, err := demo.LoadVulns(t.Context(), service.NewInventory(s, clock), v)
	if err != nil {
		t.Fatalf("LoadVulns: %v", err)
	}
	t.Logf("LoadVulns %+v in %v", sum, time.Since(start).Round(time.Millisecond))
	return s, v, sum
}

// release finds one demo release by model name and version.
func release(t *testing.T, s core.Store, maker, model, version string) *core.Release {
	t.Helper()
	ctx := t.Context()
	mfr, err := s.FindManufacturerByName(ctx, maker)
	must(t, err)
	m, err := s.FindModelByName(ctx, mfr.ID, model)
	must(t, err)
	r, err := s.FindRelease(ctx, m.ID, version)
	must(t, err)
	return r
}

func findings(t *testing.T, v *service.Vulns, f core.FindingFilter) []*core.Finding {
	t.Helper()
	f.Limit = 1000
	p, err := v.ListFindings(t.Context(), f)
	must(t, err)
	if p.Next != 0 {
		t.Fatalf("more than one page of findings for %+v", f)
	}
	return p.Findings
}

func TestFeedsImportWithoutSkips(t *testing.T) {
	s := openStore(t)
	zr, err := demo.Feeds()
	must(t, err)
	v := service.NewVulns(s, clock, nil)
	sum, err := v.ImportFeedsFS(t.Context(), "demo feeds", zr, demo.FeedsRoot, nil)
	must(t, err)
	if len(sum.Skipped) != 0 {
		t.Fatalf("%d embedded documents skipped, first %+v", len(sum.Skipped), sum.Skipped[0])
	}
	want := map[string]int{core.AdvisoryCSAF: 108, core.AdvisoryKEV: 1, core.AdvisoryNVD: 16}
	for kind, n := range want {
		if c := sum.Kinds[kind]; c == nil || c.Added != n {
			t.Errorf("%s: %+v, want %d added", kind, c, n)
		}
	}
	if len(sum.Kinds) != len(want) {
		t.Errorf("kinds %v, want only %v", sum.Kinds, want)
	}
	// No release exists yet, so nothing can be found.
	if sum.Findings != 0 {
		t.Errorf("%d findings in an empty inventory", sum.Findings)
	}
}

func TestLoadVulns(t *testing.T) {
	s, v, sum := loadVulns(t)
	ctx := t.Context()
	t.Logf("%+v", sum)
	// Measured with the catalog and feeds of this commit; a change to
	// either, or to the matcher, shows up here.
	want := demo.VulnSummary{Advisories: 108, KEV: 9, NVD: 16, SBOMs: 1, Findings: 176, Releases: 50}
	if sum != want {
		t.Errorf("summary %+v, want %+v", sum, want)
	}

	// Devices with findings: the release decides, so count through it.
	devs, err := s.ListDevices(ctx, core.DeviceFilter{Limit: 1000})
	must(t, err)
	withFindings, onRelease := 0, 0
	for _, d := range devs.Devices {
		n, err := v.CountFindings(ctx, core.FindingFilter{DeviceID: d.ID})
		must(t, err)
		if n > 0 {
			withFindings++
		}
		if n, err = v.CountFindings(ctx, core.FindingFilter{ReleaseID: d.ReleaseID}); err == nil && n > 0 {
			onRelease++
		}
	}
	t.Logf("%d of %d devices have findings", withFindings, len(devs.Devices))
	// Most demo devices run their model's newest release, which is often
	// the fixed one, so fewer devices than releases carry findings.
	if withFindings < 72 || withFindings != onRelease {
		t.Errorf("%d devices have findings (%d by their release), want at least 72", withFindings, onRelease)
	}

	// Baxter ExactaMix EM2400 1.14 is named by ICSMA-20-170-01: six
	// ExactaMix CVEs plus EternalBlue (CVE-2017-0143), which KEV lists.
	em := release(t, s, "Baxter", "ExactaMix EM2400", "1.14")
	got := findings(t, v, core.FindingFilter{ReleaseID: em.ID, IncludeSuppressed: true})
	var ids []string
	for _, f := range got {
		ids = append(ids, f.AdvisoryID)
	}
	slices.Sort(ids)
	wantIDs := []string{"CVE-2017-0143", "CVE-2020-12008", "CVE-2020-12012", "CVE-2020-12016", "CVE-2020-12020", "CVE-2020-12024", "CVE-2020-12032"}
	if !slices.Equal(ids, wantIDs) {
		t.Errorf("ExactaMix EM2400 1.14 findings %v, want %v", ids, wantIDs)
	}
	for _, f := range got {
		if (f.AdvisoryID == "CVE-2017-0143") != f.KEV {
			t.Errorf("%s: kev %v", f.AdvisoryID, f.KEV)
		}
		if f.KEV && (f.KEVDueDate == nil || f.KEVDueDate.Format("2006-01-02") != "2022-05-03") {
			t.Errorf("%s: KEV due date %v, want 2022-05-03 from the catalog", f.AdvisoryID, f.KEVDueDate)
		}
		if f.ComponentRef != "" {
			t.Errorf("%s: on component %q, want the release itself", f.AdvisoryID, f.ComponentRef)
		}
	}

	// KEV: only CVE-2017-0143, on the four ExactaMix releases.
	yes := true
	kev := findings(t, v, core.FindingFilter{KEV: &yes, IncludeSuppressed: true})
	if len(kev) != 4 {
		t.Errorf("%d KEV findings, want 4", len(kev))
	}
	for _, f := range kev {
		if f.AdvisoryID != "CVE-2017-0143" {
			t.Errorf("KEV finding %s, want only CVE-2017-0143", f.AdvisoryID)
		}
	}

	// ICSMA-17-250-02A: Medfusion 4000 1.6 has its eight CVEs, 1.6.1 (the
	// fixed version) none.
	if n := len(findings(t, v, core.FindingFilter{ReleaseID: release(t, s, "Smiths Medical", "Medfusion 4000 Wireless Syringe Infusion Pump", "1.6").ID})); n != 8 {
		t.Errorf("Medfusion 4000 1.6: %d findings, want 8", n)
	}
	if n := len(findings(t, v, core.FindingFilter{ReleaseID: release(t, s, "Smiths Medical", "Medfusion 4000 Wireless Syringe Infusion Pump", "1.6.1").ID})); n != 0 {
		t.Errorf("Medfusion 4000 1.6.1: %d findings, want none", n)
	}

	// The real SBOM: its 55 components and the REDACTED device are stored,
	// and no embedded advisory names any of their CPEs or purls (wolfSSL,
	// NXP SDK, NuGet packages, a Qualcomm Wi-Fi SoC), so no component has a
	// finding; the release itself has ICSMA-22-251-01's four, which name
	// "Baxter Spectrum IQ" "9.x model 35700BAX3", the demo model's number.
	iq := release(t, s, "Baxter", "Spectrum IQ", "9.02.00")
	sb, comps, err := v.GetSBOM(ctx, iq.ID)
	must(t, err)
	if sb.Format != "cyclonedx" || sb.SpecVersion != "1.4" || sb.Source != "demo:sbom/case-study-narrow.sbom.json" || len(comps) != 56 {
		t.Errorf("SBOM %s %s from %q with %d components, want cyclonedx 1.4 from the demo with 56", sb.Format, sb.SpecVersion, sb.Source, len(comps))
	}
	iqf := findings(t, v, core.FindingFilter{ReleaseID: iq.ID, IncludeSuppressed: true})
	if len(iqf) != 4 {
		t.Errorf("Spectrum IQ 9.02.00: %d findings, want ICSMA-22-251-01's 4", len(iqf))
	}
	for _, f := range iqf {
		if f.ComponentID != 0 || !strings.Contains(string(f.Evidence), "ICSMA-22-251-01") {
			t.Errorf("Spectrum IQ finding %s on component %d, evidence %s", f.AdvisoryID, f.ComponentID, f.Evidence)
		}
	}
}

func TestLoadVulnsTwice(t *testing.T) {
	s, v, first := loadVulns(t)
	inv := service.NewInventory(s, clock)
	// The hospital is still refused a second time.
	if _, err := demo.Load(t.Context(), inv); !core.IsKind(err, core.KindConflict) {
		t.Fatalf("second Load: %v, want a conflict", err)
	}
	// The feeds are not: the same documents change nothing.
	again, err := demo.LoadVulns(t.Context(), inv, v)
	must(t, err)
	if again != first {
		t.Errorf("second LoadVulns %+v, want %+v", again, first)
	}
}

func TestLoadVulnsNeedsHospital(t *testing.T) {
	s := openStore(t)
	_, err := demo.LoadVulns(t.Context(), service.NewInventory(s, clock), service.NewVulns(s, clock, nil))
	if !core.IsKind(err, core.KindNotFound) {
		t.Fatalf("LoadVulns on an empty store: %v, want not found", err)
	}
	const want = "load demo feeds: Baxter Spectrum IQ 9.02.00 not found; load the demo hospital first"
	var e *core.Error
	if !errors.As(err, &e) || e.Message != want {
		t.Errorf("error %v, want the message %q", err, want)
	}
}
