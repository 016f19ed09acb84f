package service_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/service"
)

const shared = "../../../shared/data"

func needShared(tb testing.TB, p string) {
	tb.Helper()
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("shared test data not present (%v); the repository expects ../shared beside it", err)
	}
}

// release creates maker, model and release through the inventory service.
func release(t testing.TB, inv *service.Inventory, maker, model, version string) *core.Release {
	t.Helper()
	ctx := context.Background()
	m, err := inv.Inventory().FindManufacturerByName(ctx, maker)
	if core.KindOf(err) == core.KindNotFound {
		m = &core.Manufacturer{Name: maker}
		err = inv.CreateManufacturer(ctx, core.SourceAPI, m)
	}
	if err != nil {
		t.Fatal(err)
	}
	md, err := inv.Inventory().FindModelByName(ctx, m.ID, model)
	if core.KindOf(err) == core.KindNotFound {
		md = &core.Model{ManufacturerID: m.ID, Name: model, DeviceType: "workstation", Function: core.FunctionDiagnostic}
		err = inv.CreateModel(ctx, core.SourceAPI, md)
	}
	if err != nil {
		t.Fatal(err)
	}
	r := &core.Release{ModelID: md.ID, Version: version}
	if err := inv.CreateRelease(ctx, core.SourceAPI, r); err != nil {
		t.Fatal(err)
	}
	return r
}

func countFindings(t *testing.T, v *service.Vulns, f core.FindingFilter) int64 {
	t.Helper()
	n, err := v.CountFindings(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestVulnsLifecycle: releases exist; advisories arrive; an SBOM arrives;
// a newer advisory revision arrives; devices see their release's findings.
func TestVulnsLifecycle(t *testing.T) {
	for _, p := range []string{"csaf/cisa-icsma", "match/vulndb-go-a752ea54.zip", "match/go-1x.cdx.json"} {
		needShared(t, filepath.Join(shared, p))
	}
	importBackends(t, func(t *testing.T, st core.Store) {
		ctx := context.Background()
		inv := service.NewInventory(st, core.SystemClock{})
		v := service.NewVulns(st, core.SystemClock{}, nil)
		portal := release(t, inv, "Philips", "IntelliSpace Portal 8.0.x", "8.0.2")
		fleet := release(t, inv, "Acme Medical", "Go Fleet", "1.0")
		dev := &core.Device{Name: "portal-1", AssetTag: "A-1", ModelID: portal.ModelID, ReleaseID: portal.ID}
		if err := inv.CreateDevice(ctx, core.SourceAPI, dev); err != nil {
			t.Fatal(err)
		}

		// Advisories first: the Philips release matches ICSMA-18-058-02
		// by maker, model and version, even spelt "Phillips" there.
		sum, err := v.ImportFeeds(ctx, []string{filepath.Join(shared, "csaf/cisa-icsma"), filepath.Join(shared, "kev/known_exploited_vulnerabilities.json")}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c := sum.Kinds["csaf"]; c == nil || c.Added != 108 {
			t.Fatalf("csaf counts %+v", c)
		}
		if got := countFindings(t, v, core.FindingFilter{ReleaseID: portal.ID}); got != 35 {
			t.Errorf("portal release: %d findings, want 35", got)
		}
		if got := countFindings(t, v, core.FindingFilter{DeviceID: dev.ID}); got != 35 {
			t.Errorf("device inherits %d findings, want 35", got)
		}
		yes := true
		kevs, err := v.ListFindings(ctx, core.FindingFilter{DeviceID: dev.ID, KEV: &yes})
		if err != nil {
			t.Fatal(err)
		}
		if len(kevs.Findings) == 0 || kevs.Findings[0].KEVDueDate == nil {
			t.Errorf("no KEV findings on the device: %+v", kevs.Findings)
		}

		// Importing the same data again changes nothing.
		again, err := v.ImportFeeds(ctx, []string{filepath.Join(shared, "csaf/cisa-icsma")}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c := again.Kinds["csaf"]; c.Unchanged != 108 || again.Rematched != 0 {
			t.Errorf("re-import: %+v, rematched %d", c, again.Rematched)
		}

		// An SBOM attached before its advisories: matched when they come.
		data, err := os.ReadFile(filepath.Join(shared, "match/go-1x.cdx.json"))
		if err != nil {
			t.Fatal(err)
		}
		ss, err := v.ImportSBOM(ctx, fleet.ID, "go-1x.cdx.json", data)
		if err != nil {
			t.Fatal(err)
		}
		if ss.SBOM.Components != 1531 || ss.Findings != 0 {
			t.Errorf("SBOM: %d components, %d findings; want 1531 (root included) and none yet", ss.SBOM.Components, ss.Findings)
		}
		sum, err = v.ImportFeeds(ctx, []string{filepath.Join(shared, "match/vulndb-go-a752ea54.zip")}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Rematched != 1 {
			t.Errorf("Go advisories touched %d releases, want only the fleet's", sum.Rematched)
		}
		if got := countFindings(t, v, core.FindingFilter{ReleaseID: fleet.ID}); got != 1865 {
			t.Errorf("fleet release: %d findings, want 1865", got)
		}
		if got := countFindings(t, v, core.FindingFilter{ReleaseID: portal.ID}); got != 35 {
			t.Errorf("portal release changed: %d findings", got)
		}

		// A bad SBOM is refused, naming the problem, and the stored one stays.
		if _, err := v.ImportSBOM(ctx, fleet.ID, "bad.json", []byte(`{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"type":"library"}]}`)); core.KindOf(err) != core.KindInvalid {
			t.Errorf("bad SBOM: %v", err)
		}
		if s, _, err := v.GetSBOM(ctx, fleet.ID); err != nil || s.Components != 1531 {
			t.Errorf("stored SBOM after a refused one: %+v, %v", s, err)
		}
		if _, err := v.ListFindings(ctx, core.FindingFilter{Severity: []string{"severe"}}); core.KindOf(err) != core.KindInvalid {
			t.Errorf("bad severity filter: %v", err)
		}
	})
}

// TestMatcherSeesOtherProcesses: a server's Vulns keeps its matcher, but a
// feed import by another process (another Vulns on the same database) must
// reach it: uploading an SBOM afterwards is matched against the new data.
func TestMatcherSeesOtherProcesses(t *testing.T) {
	zipPath := filepath.Join(shared, "match/vulndb-go-a752ea54.zip")
	needShared(t, zipPath)
	st := openImportSQLite(t)
	ctx := context.Background()
	inv := service.NewInventory(st, core.SystemClock{})
	server := service.NewVulns(st, core.SystemClock{}, nil)
	r := release(t, inv, "Acme Medical", "Go Fleet", "1.0")
	if _, err := server.Matcher(ctx); err != nil { // built with no documents
		t.Fatal(err)
	}
	cli := service.NewVulns(st, core.SystemClock{}, nil)
	if _, err := cli.ImportFeeds(ctx, []string{zipPath}, nil); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(shared, "match/go-1x.cdx.json"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := server.ImportSBOM(ctx, r.ID, "go-1x.cdx.json", data)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Findings != 1865 {
		t.Errorf("%d findings after another process's import, want 1865", sum.Findings)
	}
}
