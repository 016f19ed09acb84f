package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vigil-oss/vigil/internal/sbom"
	"github.com/vigil-oss/vigil/internal/scan"
)

const scanSynopsis = `scan SBOM... --advisories PATH [--advisories PATH...] [--vex FILE...]
                 [--format table|json|sarif|cyclonedx] [--output FILE] [--schemas DIR]

Matches the components of each SBOM (CycloneDX JSON or XML 1.2-1.6, SPDX 2.2/2.3
JSON or tag-value; the format is read from the content) against advisory data
read from files, directories or zip archives (OSV, NVD CVE JSON, CSAF 2.0, CISA
KEV, FIRST EPSS, and VEX documents). No database is used. VEX statements
(--vex, or VEX found among the advisories or inside a CycloneDX SBOM) mark
findings; not_affected and fixed suppress them, and suppressed findings are
still listed with their justification. See docs/scan.md.

Zip archives of advisories are indexed once and the index kept in a cache
directory (--cache, VIGIL_CACHE_DIR, or the user cache directory's vigil/),
keyed by the archive's SHA-256; a later scan of the same archive inflates only
the records its SBOMs' packages need. --no-cache reads every archive in full.

--schemas DIR (or VIGIL_SCHEMA_DIR) names a directory of JSON schemas laid
out as cyclonedx/bom-1.x.schema.json and spdx-2.3-schema.json; SBOMs are
validated against them when given, and a warning says so when not.

Exit codes: 0 no findings (or all suppressed by VEX); 1 findings; 2 usage
error, or an SBOM, advisory or VEX file that cannot be read.`

func runScan(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "scan", scanSynopsis)
	var advisories, vexFiles listFlag
	fs.Var(&advisories, "advisories", "advisory data: a file, directory or zip (repeatable)")
	fs.Var(&vexFiles, "vex", "a VEX document: OpenVEX, CycloneDX VEX or CSAF VEX (repeatable)")
	format := fs.String("format", scan.FormatTable, "output format: "+strings.Join(scan.Formats, ", "))
	output := fs.String("output", "", "write the report to this file instead of standard output")
	schemaDir := fs.String("schemas", "", "directory of CycloneDX and SPDX JSON schemas (default $VIGIL_SCHEMA_DIR)")
	quiet := fs.Bool("quiet", false, "do not print warnings")
	cacheDir := fs.String("cache", "", "directory for the index of each advisory zip archive read (default $VIGIL_CACHE_DIR, else the user cache directory's vigil/)")
	noCache := fs.Bool("no-cache", false, "read every archive in full; neither use nor write the index cache")
	pos, code, done := parseInterleaved(fs, args)
	if done {
		return code
	}
	if len(pos) == 0 {
		fmt.Fprintln(env.Stderr, "vigil scan: name at least one SBOM file")
		fs.Usage()
		return ExitUsage
	}
	if len(advisories) == 0 {
		fmt.Fprintln(env.Stderr, "vigil scan: give advisory data with --advisories PATH")
		return ExitUsage
	}
	if !slices.Contains(scan.Formats, *format) {
		fmt.Fprintf(env.Stderr, "vigil scan: unknown --format %q (want one of %s)\n", *format, strings.Join(scan.Formats, ", "))
		return ExitUsage
	}
	if *format == scan.FormatCycloneDX && len(pos) != 1 {
		fmt.Fprintln(env.Stderr, "vigil scan: --format cyclonedx annotates one BOM: give exactly one SBOM file")
		return ExitUsage
	}
	opts := scan.Options{SBOMs: pos, Advisories: advisories, VEX: vexFiles, ToolVersion: Version}
	if !*noCache {
		opts.CacheDir = scanCacheDir(env, *cacheDir)
	}
	var warnings []string
	if *schemaDir == "" {
		*schemaDir = env.Getenv("VIGIL_SCHEMA_DIR")
	}
	if *schemaDir != "" {
		st, err := os.Stat(*schemaDir)
		if err != nil || !st.IsDir() {
			fmt.Fprintf(env.Stderr, "vigil scan: --schemas %s: not a directory\n", *schemaDir)
			return ExitUsage
		}
		s, err := sbom.LoadSchemas(os.DirFS(*schemaDir))
		if err != nil {
			fmt.Fprintf(env.Stderr, "vigil scan: --schemas %s: %v\n", *schemaDir, err)
			return ExitUsage
		}
		opts.Schemas = s
	}
	rep, err := scan.Run(ctx, opts)
	if err != nil {
		fmt.Fprintf(env.Stderr, "vigil scan: %v\n", err)
		if errors.Is(err, context.Canceled) {
			return ExitFailure
		}
		return ExitUsage
	}
	warnings = append(warnings, rep.Warnings...)
	var w io.Writer = env.Stdout
	var f *os.File
	if *output != "" {
		if f, err = os.Create(*output); err != nil {
			fmt.Fprintf(env.Stderr, "vigil scan: %v\n", err)
			return ExitUsage
		}
		w = f
	}
	err = scan.Write(w, *format, rep)
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "vigil scan: write report: %v\n", err)
		return ExitFailure
	}
	if !*quiet {
		printWarnings(env.Stderr, warnings)
	}
	if active, _ := rep.Counts(); active > 0 {
		return ExitFailure
	}
	return ExitOK
}

// scanCacheDir is --cache, else $VIGIL_CACHE_DIR, else vigil/ in the
// user's cache directory; "" (no cache) when none can be found.
func scanCacheDir(env *Env, flagDir string) string {
	if flagDir != "" {
		return flagDir
	}
	if d := env.Getenv("VIGIL_CACHE_DIR"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "vigil")
	}
	return ""
}

// printWarnings lists the first warnings and counts the rest.
func printWarnings(w io.Writer, warnings []string) {
	const show = 20
	for i, s := range warnings {
		if i == show {
			fmt.Fprintf(w, "warning: … and %d more\n", len(warnings)-show)
			break
		}
		fmt.Fprintf(w, "warning: %s\n", s)
	}
}
