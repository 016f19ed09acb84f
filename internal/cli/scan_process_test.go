package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

const sharedData = "../../../shared/data"

func needShared(tb testing.TB, paths ...string) {
	tb.Helper()
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			tb.Skipf("shared test data not present (%v); the repository expects ../shared beside it", err)
		}
	}
}

var (
	goSBOM   = filepath.Join(sharedData, "match/go-1x.cdx.json")
	vulndb   = filepath.Join(sharedData, "match/vulndb-go-a752ea54.zip")
	schemaFS = filepath.Join(sharedData, "sbom/schema")
)

// runExit runs the binary and returns stdout, stderr and the exit code.
func runExit(t *testing.T, bin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

// TestScanProcess runs `vigil scan` as a user does and checks the exit
// codes the help text promises and the JSON fields docs/scan.md lists.
func TestScanProcess(t *testing.T) {
	needShared(t, goSBOM, vulndb)
	bin := vigilBinary(t)
	cache := t.TempDir()
	out, errOut, code := runExit(t, bin, "scan", goSBOM, "--advisories", vulndb, "--schemas", schemaFS, "--format", "json", "--cache", cache)
	if code != ExitFailure {
		t.Fatalf("exit %d with findings, want 1; stderr %s", code, errOut)
	}
	var rep struct {
		Findings []map[string]any `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 1865 {
		t.Errorf("%d findings, want 1865", len(rep.Findings))
	}
	for _, k := range []string{"source", "purl", "bom_ref", "advisory_id", "aliases", "severity", "fixed_versions", "kev", "epss", "vex_status", "evidence"} {
		if _, ok := rep.Findings[0][k]; !ok {
			t.Errorf("finding lacks %q: %v", k, rep.Findings[0])
		}
	}

	// No findings: an SBOM with one component nobody has a record for.
	dir := t.TempDir()
	clean := filepath.Join(dir, "clean.cdx.json")
	os.WriteFile(clean, []byte(`{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[{"type":"library","name":"example.com/none","version":"v1.0.0","purl":"pkg:golang/example.com/none@v1.0.0","bom-ref":"a"}]}`), 0o644)
	if _, errOut, code := runExit(t, bin, "scan", clean, "--advisories", vulndb, "--cache", cache); code != ExitOK {
		t.Errorf("clean SBOM: exit %d, want 0; %s", code, errOut)
	}
	// Input errors: exit 2 and a message naming the file.
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"name":1}]}`), 0o644)
	for name, args := range map[string][]string{
		"bad sbom":       {"scan", bad, "--advisories", vulndb, "--no-cache"},
		"missing sbom":   {"scan", filepath.Join(dir, "nope.json"), "--advisories", vulndb, "--no-cache"},
		"missing feed":   {"scan", clean, "--advisories", filepath.Join(dir, "nope.zip")},
		"no advisories":  {"scan", clean},
		"unknown format": {"scan", clean, "--advisories", vulndb, "--format", "xml"},
	} {
		_, errOut, code := runExit(t, bin, args...)
		if code != ExitUsage || !strings.Contains(errOut, "vigil scan") {
			t.Errorf("%s: exit %d, stderr %q; want 2 and a message", name, code, errOut)
		}
	}
}

// BenchmarkScanCommand is the whole-process figure: `vigil scan` of the
// 1,530-component SBOM against the Go vulnerability database zip, as a
// user runs it (table out), and with schema validation and JSON out; cold
// reads the whole archive (--no-cache), warm has its index cached from an
// earlier run. It reports wall time and peak RSS.
func BenchmarkScanCommand(b *testing.B) {
	needShared(b, goSBOM, vulndb)
	bin := vigilBinary(b)
	for _, bc := range []struct {
		name  string
		extra []string
	}{
		{"table/cold", []string{"--no-cache"}},
		{"table/warm", []string{"--cache", b.TempDir()}},
		{"json+schema/cold", []string{"--no-cache", "--schemas", schemaFS, "--format", "json"}},
		{"json+schema/warm", []string{"--cache", b.TempDir(), "--schemas", schemaFS, "--format", "json"}},
	} {
		b.Run(bc.name, func(b *testing.B) { benchScan(b, bin, bc.extra, goSBOM) })
	}
}

// BenchmarkScanCommandTenFiles scans the same SBOM as ten device files in
// one run: 15,300 components.
func BenchmarkScanCommandTenFiles(b *testing.B) {
	needShared(b, goSBOM, vulndb)
	bin := vigilBinary(b)
	data, err := os.ReadFile(goSBOM)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	var files []string
	for i := range 10 {
		p := filepath.Join(dir, "device-"+string(rune('a'+i))+".cdx.json")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			b.Fatal(err)
		}
		files = append(files, p)
	}
	b.Run("cold", func(b *testing.B) { benchScan(b, bin, []string{"--no-cache"}, files...) })
	b.Run("warm", func(b *testing.B) { benchScan(b, bin, []string{"--cache", b.TempDir()}, files...) })
}

func benchScan(b *testing.B, bin string, extra []string, sboms ...string) {
	args := append([]string{"scan"}, sboms...)
	args = append(append(args, "--advisories", vulndb, "--output", os.DevNull, "--quiet"), extra...)
	if slices.Contains(extra, "--cache") {
		// Index the archive once before timing, as an earlier scan would.
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil && !strings.Contains(err.Error(), "exit status 1") {
			b.Fatalf("scan: %v %s", err, out)
		}
	}
	var maxRSS int64
	var total time.Duration
	b.ResetTimer()
	for range b.N {
		cmd := exec.Command(bin, args...)
		start := time.Now()
		out, err := cmd.CombinedOutput()
		total += time.Since(start)
		if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != ExitFailure {
			b.Fatalf("scan: %v %s", err, out)
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > maxRSS {
			maxRSS = ru.Maxrss
		}
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/scan")
	b.ReportMetric(float64(maxRSS)/1024, "MiB-peak-RSS")
}
