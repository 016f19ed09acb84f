package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const importCSV = "Asset Tag,Serial Number,Name,Manufacturer,Model ID,Location,Install Status,MAC Address,IP Address,Comments\n" +
	"P-1,S-1,pump one,BD,Alaris 8015,ICU 3,Installed,00:50:56:aa:bb:01,10.0.0.1,\n" +
	"P-2,S-2,=HYPERLINK(\"http://x\"),BD,Alaris 8015,ICU 3,In stock,00:50:56:aa:bb:02,,\"spare, boxed\"\n" +
	"P-3,S-3,monitor,Philips,MX450,ER,Retired,00:50:56:aa:bb:03,10.0.0.3,-5 C storage\n"

func importFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	writeFile(t, p, content)
	return p
}

func TestImportDevicesCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "v.db")
	file := importFile(t, dir, "cmms.csv", importCSV)

	r := vigil(t, "import", "devices", file, "--db", db, "--dry-run")
	if r.code != ExitOK || !strings.Contains(r.stdout, "cmms.csv:2: would create a device (") ||
		!strings.Contains(r.stdout, "dry run, nothing written: created 3, updated 0, unchanged 0, rejected 0") ||
		!strings.Contains(r.stdout, "would also create 2 manufacturers, 2 models") {
		t.Fatalf("dry run: %+v", r)
	}
	if r := vigil(t, "export", "devices", "--db", db); r.code != ExitOK || strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("the dry run wrote devices: %+v", r)
	}

	r = vigil(t, "import", "devices", file, "--db", db)
	if r.code != ExitOK || r.stdout != "created 3, updated 0, unchanged 0, rejected 0\nalso created 2 manufacturers, 2 models\n" || r.stderr != "" {
		t.Fatalf("import: %+v", r)
	}
	// Flags before the file work too.
	r = vigil(t, "import", "devices", "--db", db, file)
	if r.code != ExitOK || r.stdout != "created 0, updated 0, unchanged 3, rejected 0\n" {
		t.Fatalf("re-import: %+v", r)
	}

	// A changed row updates; a bad row is reported with line and column.
	changed := strings.Replace(importCSV, "10.0.0.3", "10.0.0.33", 1) + "P-4,S-4,x,,,,,00:50:56:aa:bb:zz,,\n"
	file2 := importFile(t, dir, "cmms2.csv", changed)
	r = vigil(t, "import", "devices", file2, "--db", db, "--dry-run")
	if !strings.Contains(r.stdout, ":4: would update device 3 (ips)\n") || r.code != ExitFailure {
		t.Errorf("dry run of an update: %+v", r)
	}
	r = vigil(t, "import", "devices", file2, "--db", db)
	if r.code != ExitFailure || r.stdout != "created 0, updated 1, unchanged 2, rejected 1\n" ||
		r.stderr != file2+":5: column MAC Address: is not a MAC address such as 00:1a:2b:3c:4d:5e\n" {
		t.Fatalf("import with a bad row: %+v", r)
	}
}

func TestImportMapping(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "v.db")
	file := importFile(t, dir, "odd.csv", "Equipment ID,Ser #,Where,Cost\nE-1,S-1,North,12\n")
	mapFile := importFile(t, dir, "map.txt", "# ours\nEquipment ID = asset_tag\nSer # = serial\n")
	r := vigil(t, "import", "devices", file, "--db", db)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "missing required columns") {
		t.Fatalf("unmapped: %+v", r)
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("a file that cannot be imported created the database")
	}
	r = vigil(t, "import", "devices", file, "--db", db, "--map-file", mapFile, "--map", "Where=site", "--map", "Cost=-")
	if r.code != ExitOK || r.stdout != "created 1, updated 0, unchanged 0, rejected 0\nalso created 1 site\n" || r.stderr != "" {
		t.Fatalf("mapped: %+v", r)
	}
	r = vigil(t, "import", "devices", file, "--db", db, "--map", "Where=location")
	if r.code != ExitUsage || !strings.Contains(r.stderr, `"location" is not a column Vigil knows`) {
		t.Fatalf("bad mapping: %+v", r)
	}
}

func TestImportUsage(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "v.db")
	good := importFile(t, dir, "good.csv", "asset_tag\nA\n")
	utf16 := importFile(t, dir, "utf16.csv", "\xff\xfea\x00s\x00\n\x00")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no kind", []string{"import"}, ExitUsage, "Usage: vigil import devices FILE"},
		{"help", []string{"import", "--help"}, ExitOK, "Usage: vigil import devices FILE"},
		{"unknown kind", []string{"import", "sboms", good}, ExitUsage, `cannot import "sboms"`},
		{"no file", []string{"import", "devices", "--db", db}, ExitUsage, "give exactly one FILE"},
		{"two files", []string{"import", "devices", good, good, "--db", db}, ExitUsage, "give exactly one FILE"},
		{"missing file", []string{"import", "devices", filepath.Join(dir, "nope.csv"), "--db", db}, ExitUsage, "no such file"},
		{"directory", []string{"import", "devices", dir, "--db", db}, ExitUsage, "is a directory"},
		{"utf-16", []string{"import", "devices", utf16, "--db", db}, ExitUsage, "utf16.csv: the file is UTF-16 encoded"},
		{"bad batch", []string{"import", "devices", good, "--db", db, "--batch", "0"}, ExitUsage, "--batch must be between"},
		{"bad flag", []string{"import", "devices", good, "--bogus"}, ExitUsage, "flag provided but not defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := vigil(t, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("got %+v; want exit %d and %q", r, tc.code, tc.want)
			}
		})
	}
}

func TestImportFromStdinWithProgress(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "v.db")
	env, out, errb := testEnv(nil)
	env.Stdin = strings.NewReader(importCSV)
	env.Terminal = true
	code := Main(context.Background(), env, []string{"import", "devices", "-", "--db", db})
	if code != ExitOK || !strings.HasPrefix(out.String(), "created 3,") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errb)
	}
	if s := errb.String(); !strings.Contains(s, "\r\x1b[Kimporting stdin: 3 rows, ") || !strings.HasSuffix(s, "\n") {
		t.Errorf("progress = %q", s)
	}
}

// TestImportBadInputs feeds the command the hostile files the issue lists.
func TestImportBadInputs(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat("x", 10<<20)
	for _, tc := range []struct {
		name, content string
		code          int
		stdout        string
		stderr        string
	}{
		{"latin-1 cells", "asset_tag,name\nA-1,caf\xe9\nA-2,ok\n", ExitFailure,
			"created 1, updated 0, unchanged 0, rejected 1\n",
			":2: column name: is not valid UTF-8 (the file may be Windows-1252 or Latin-1: save it as CSV UTF-8)\n"},
		{"missing required columns", "name,ips\nx,10.0.0.1\n", ExitUsage, "", "missing required columns"},
		{"duplicate keys", "asset_tag,name\nA-1,first\nA-2,other\nA-1,again\n", ExitFailure,
			"created 2, updated 0, unchanged 0, rejected 1\n",
			":4: column asset_tag: matches the same device as line 2: each device may appear once in a file\n"},
		{"10 MB cell", "asset_tag,notes\nA-1," + big + "\nA-2,ok\n", ExitFailure,
			"created 1, updated 0, unchanged 0, rejected 1\n",
			":2: column notes: the cell is longer than 65536 bytes\n"},
		{"1 million empty lines", "asset_tag\n" + strings.Repeat("\n", 1_000_000) + "A-1\n", ExitOK,
			"created 1, updated 0, unchanged 0, rejected 0\n", ""},
		{"only blank lines", strings.Repeat("\r\n", 1000), ExitUsage, "", "the file is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "v.db")
			file := importFile(t, dir, strings.ReplaceAll(tc.name, " ", "-")+".csv", tc.content)
			r := vigil(t, "import", "devices", file, "--db", db)
			if r.code != tc.code || r.stdout != tc.stdout || !strings.Contains(r.stderr, tc.stderr) {
				t.Fatalf("got exit %d\nstdout %q\nstderr %q", r.code, r.stdout, r.stderr)
			}
		})
	}
}

func TestImportMaxErrors(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("asset_tag,ips\n")
	for i := 0; i < 50; i++ {
		b.WriteString("A,bad\n")
	}
	file := importFile(t, dir, "bad.csv", b.String())
	r := vigil(t, "import", "devices", file, "--db", filepath.Join(dir, "v.db"), "--max-errors", "5")
	if r.code != ExitFailure || strings.Count(r.stderr, "\n") != 6 || !strings.Contains(r.stderr, "further rejected rows are not listed") ||
		r.stdout != "created 0, updated 0, unchanged 0, rejected 50\n" {
		t.Fatalf("%+v", r)
	}
}

func TestExportDevicesCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "v.db")
	if r := vigil(t, "import", "devices", importFile(t, dir, "cmms.csv", importCSV), "--db", db); r.code != ExitOK {
		t.Fatalf("import: %+v", r)
	}

	r := vigil(t, "export", "devices", "--db", db, "--format", "csv")
	if r.code != ExitOK {
		t.Fatalf("export: %+v", r)
	}
	recs, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil || len(recs) != 4 {
		t.Fatalf("export is not CSV with 4 records: %v\n%s", err, r.stdout)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	if got := recs[2][col["name"]]; got != `'=HYPERLINK("http://x")` {
		t.Errorf("formula cell exported as %q", got)
	}
	if got := recs[3][col["notes"]]; got != "'-5 C storage" {
		t.Errorf("leading minus exported as %q", got)
	}
	if recs[1][col["manufacturer"]] != "BD" || recs[1][col["model"]] != "Alaris 8015" || recs[1][col["room"]] != "ICU 3" ||
		recs[2][col["lifecycle"]] != "in-storage" || recs[1][col["macs"]] != "00:50:56:aa:bb:01" {
		t.Errorf("record = %v", recs[1])
	}

	// The export imports back unchanged, into the same or a new database.
	exported := importFile(t, dir, "export.csv", r.stdout)
	if r := vigil(t, "import", "devices", exported, "--db", db); r.code != ExitOK || r.stdout != "created 0, updated 0, unchanged 3, rejected 0\n" {
		t.Fatalf("re-import of the export: %+v", r)
	}
	db2 := filepath.Join(dir, "v2.db")
	if r := vigil(t, "import", "devices", exported, "--db", db2); r.code != ExitOK || !strings.HasPrefix(r.stdout, "created 3,") {
		t.Fatalf("import of the export into a new database: %+v", r)
	}
	r2 := vigil(t, "export", "devices", "--db", db2)
	if stripTimes(r2.stdout) != stripTimes(r.stdout) {
		t.Errorf("round trip differs:\n%s\n%s", r.stdout, r2.stdout)
	}

	// JSON.
	r = vigil(t, "export", "devices", "--db", db, "--format", "json")
	var doc struct {
		Devices []map[string]any `json:"devices"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || r.code != ExitOK || len(doc.Devices) != 3 {
		t.Fatalf("json export: %v %+v", err, r)
	}
	d := doc.Devices[1]
	if d["name"] != `=HYPERLINK("http://x")` || d["manufacturer"] != "BD" || d["model"] != "Alaris 8015" || d["id"] == nil || d["provenance"] == nil {
		t.Errorf("json device = %v", d)
	}

	// --out replaces the file only when the export is complete.
	out := filepath.Join(dir, "out.json")
	if r := vigil(t, "export", "devices", "--db", db, "--format", "json", "--out", out); r.code != ExitOK || r.stderr != "exported 3 devices to "+out+"\n" {
		t.Fatalf("--out: %+v", r)
	}
	b, err := os.ReadFile(out)
	if err != nil || !bytes.HasPrefix(b, []byte(`{"devices":[`)) {
		t.Fatalf("out file: %v %q", err, b)
	}
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
		t.Errorf("export file mode %v, want 0600", fi.Mode().Perm())
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".out.json.*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if r := vigil(t, "export", "devices", "--db", db, "--format", "xml"); r.code != ExitUsage {
		t.Errorf("bad format: %+v", r)
	}
	if r := vigil(t, "export", "sboms", "--db", db); r.code != ExitUsage {
		t.Errorf("bad kind: %+v", r)
	}
	// An empty inventory is a header (CSV) or an empty list (JSON).
	empty := filepath.Join(dir, "empty.db")
	if r := vigil(t, "export", "devices", "--db", empty, "--format", "json"); r.code != ExitOK || r.stdout != "{\"devices\":[\n]}\n" {
		t.Errorf("empty json: %+v", r)
	}
}

// stripTimes drops the id and time columns, which differ between databases.
func stripTimes(s string) string {
	recs, _ := csv.NewReader(strings.NewReader(s)).ReadAll()
	var b strings.Builder
	for _, r := range recs {
		b.WriteString(strings.Join(r[:len(r)-5], ",") + "\n")
	}
	return b.String()
}
