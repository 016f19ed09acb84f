package cli

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vigil-oss/vigil/internal/app"
	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/service"
)

// TestFeedsAndSBOMCommands runs feeds import (twice: the second changes
// nothing), feeds status and import sbom against one SQLite database.
func TestFeedsAndSBOMCommands(t *testing.T) {
	icsma := filepath.Join(sharedData, "csaf/cisa-icsma")
	needShared(t, icsma, goSBOM)
	dir := t.TempDir()
	db := filepath.Join(dir, "v.db")

	r := vigil(t, "feeds", "import", icsma, "--db", db)
	if r.code != ExitOK || !strings.Contains(r.stdout, "csaf           added 108, updated 0, unchanged 0") {
		t.Fatalf("feeds import: %+v", r)
	}
	r = vigil(t, "feeds", "import", icsma, "--db", db)
	if r.code != ExitOK || !strings.Contains(r.stdout, "unchanged 108") || !strings.Contains(r.stdout, "recomputed the findings of 0 release(s)") {
		t.Fatalf("second feeds import: %+v", r)
	}
	if r = vigil(t, "feeds", "status", "--db", db); r.code != ExitOK || !strings.Contains(r.stdout, "csaf") || !strings.Contains(r.stdout, "108") {
		t.Fatalf("feeds status: %+v", r)
	}
	if r = vigil(t, "feeds", "import", filepath.Join(dir, "missing.zip"), "--db", db); r.code != ExitUsage {
		t.Errorf("missing path: %+v", r)
	}

	ctx := context.Background()
	st, err := app.OpenStore(ctx, db, app.SchemaCheck)
	if err != nil {
		t.Fatal(err)
	}
	inv := service.NewInventory(st, core.SystemClock{})
	m := &core.Manufacturer{Name: "Acme Medical"}
	if err := inv.CreateManufacturer(ctx, core.SourceAPI, m); err != nil {
		t.Fatal(err)
	}
	md := &core.Model{ManufacturerID: m.ID, Name: "Go Fleet", DeviceType: "workstation", Function: core.FunctionWorkflow}
	if err := inv.CreateModel(ctx, core.SourceAPI, md); err != nil {
		t.Fatal(err)
	}
	st.Close()
	model := strconv.FormatInt(int64(md.ID), 10)
	r = vigil(t, "import", "sbom", goSBOM, "--db", db, "--model", model, "--release", "1.0")
	if r.code != ExitOK || !strings.Contains(r.stdout, "created release") || !strings.Contains(r.stdout, "(1531 components)") {
		t.Fatalf("import sbom: %+v", r)
	}
	bad := filepath.Join(dir, "bad.json")
	writeFile(t, bad, `{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"type":"library"}]}`)
	r = vigil(t, "import", "sbom", bad, "--db", db, "--model", model, "--release", "1.0")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "/components/0") {
		t.Errorf("malformed SBOM: %+v", r)
	}
	if r = vigil(t, "import", "sbom", goSBOM, "--db", db, "--release", "1.0"); r.code != ExitUsage {
		t.Errorf("no --model: %+v", r)
	}
}
