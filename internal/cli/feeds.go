package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/vigil-oss/vigil/internal/app"
	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/feeds"
	"github.com/vigil-oss/vigil/internal/sbom"
	"github.com/vigil-oss/vigil/internal/service"
)

const feedsSynopsis = `feeds import PATH... --db DB [--max-errors N]
       feeds status --db DB

import stores advisory data read from files, directories or zip archives: OSV
records, NVD CVE JSON, CSAF 2.0 advisories (schema and mandatory tests checked),
the CISA KEV catalog, FIRST EPSS CSV, OpenVEX and CycloneDX VEX. Each document's
kind is read from its content. Importing the same data again changes nothing; a
newer revision of a document supersedes the stored one. The findings of every
release the changed documents can touch are then recomputed. Prints the counts per
kind on stdout and each skipped document with its reason on stderr.
status prints, per kind, the number of stored documents, the newest and the last import.

Exit codes: 0 imported (skipped files are listed but are not failures); 1 the import
failed part-way (what was stored stays); 2 bad arguments or a path that cannot be read.`

func runFeeds(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 || (args[0] != "import" && args[0] != "status") {
		fmt.Fprintf(env.Stderr, "Usage: vigil %s\n", feedsSynopsis)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			return ExitOK
		}
		return ExitUsage
	}
	sub := args[0]
	fs := newFlags(env, "feeds "+sub, feedsSynopsis)
	load := settingFlags(env, fs, "db")
	maxErrors := fs.Int("max-errors", 100, "list at most this many skipped documents on stderr (0: all)")
	pos, code, done := parseInterleaved(fs, args[1:])
	if done {
		return code
	}
	if sub == "import" && len(pos) == 0 || sub == "status" && len(pos) > 0 {
		fmt.Fprintf(env.Stderr, "Usage: vigil %s\n", feedsSynopsis)
		return ExitUsage
	}
	for _, p := range pos {
		if _, err := os.Stat(p); err != nil {
			fmt.Fprintf(env.Stderr, "vigil feeds import: %v\n", err)
			return ExitUsage
		}
	}
	cfg, err := load()
	if err != nil {
		fmt.Fprintf(env.Stderr, "vigil feeds %s: %v\n", sub, err)
		return ExitUsage
	}
	st, err := app.OpenStore(ctx, cfg.DB, app.SchemaCheck)
	if err != nil {
		return fail(env, "feeds "+sub, err)
	}
	defer st.Close()
	vulns := service.NewVulns(st, core.SystemClock{}, nil)
	if sub == "status" {
		status, err := vulns.FeedStatus(ctx)
		if err != nil {
			return fail(env, "feeds status", err)
		}
		fmt.Fprintf(env.Stdout, "%-14s %9s  %-20s  %s\n", "KIND", "DOCUMENTS", "NEWEST", "LAST IMPORT")
		for _, s := range status {
			fmt.Fprintf(env.Stdout, "%-14s %9d  %-20s  %s\n", s.Kind, s.Documents, s.NewestModified.UTC().Format("2006-01-02 15:04"), s.LastImport.UTC().Format("2006-01-02 15:04"))
		}
		return ExitOK
	}
	bar := newProgress(env, "importing advisories", 0, nil)
	bar.unit = "documents"
	sum, err := vulns.ImportFeeds(ctx, pos, bar.update)
	bar.clear()
	if sum != nil {
		printFeedSummary(env.Stdout, env.Stderr, sum, *maxErrors)
	}
	if err != nil {
		var ie *feeds.InputError
		if errors.As(err, &ie) {
			fmt.Fprintf(env.Stderr, "vigil feeds import: %v\n", err)
			return ExitUsage
		}
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(env.Stderr, "vigil feeds import: interrupted; the documents stored so far are kept, and running the same import again finishes it")
			return ExitFailure
		}
		return fail(env, "feeds import", err)
	}
	return ExitOK
}

func printFeedSummary(out, errOut io.Writer, sum *service.FeedSummary, maxErrors int) {
	kinds := make([]string, 0, len(sum.Kinds))
	for k := range sum.Kinds {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		c := sum.Kinds[k]
		fmt.Fprintf(out, "%-14s added %d, updated %d, unchanged %d, older (ignored) %d\n", k, c.Added, c.Updated, c.Unchanged, c.Older)
	}
	for i, s := range sum.Skipped {
		if maxErrors > 0 && i == maxErrors {
			fmt.Fprintf(errOut, "… and %d more skipped (--max-errors)\n", len(sum.Skipped)-maxErrors)
			break
		}
		fmt.Fprintf(errOut, "skipped %s: %s\n", s.Path, s.Reason)
	}
	fmt.Fprintf(out, "skipped %d; recomputed the findings of %d release(s): %d finding(s)\n", len(sum.Skipped), sum.Rematched, sum.Findings)
}

const importSBOMSynopsis = `import sbom FILE --db DB --model ID --release VERSION [--schemas DIR]

Attaches an SBOM (CycloneDX JSON/XML 1.2-1.6, SPDX 2.2/2.3 JSON or tag-value; the
format is read from the content) to a software release of a device model, replacing
the release's previous SBOM, and computes the release's findings at once. The release
is created under the model when it does not exist yet. --schemas DIR (or
VIGIL_SCHEMA_DIR) validates JSON SBOMs against the CycloneDX and SPDX schemas there.
Exit codes: 0 imported; 1 the import failed; 2 bad arguments, or an SBOM that cannot
be read or is malformed (the message names where).`

func runImportSBOM(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "import sbom", importSBOMSynopsis)
	load := settingFlags(env, fs, "db")
	model := fs.Int64("model", 0, "the device model's id")
	version := fs.String("release", "", "the software release's version")
	schemaDir := fs.String("schemas", "", "directory of CycloneDX and SPDX JSON schemas (default $VIGIL_SCHEMA_DIR)")
	pos, code, done := parseInterleaved(fs, args)
	if done {
		return code
	}
	if len(pos) != 1 || *model <= 0 || strings.TrimSpace(*version) == "" {
		fmt.Fprintf(env.Stderr, "Usage: vigil %s\n", importSBOMSynopsis)
		return ExitUsage
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		fmt.Fprintf(env.Stderr, "vigil import sbom: %v\n", err)
		return ExitUsage
	}
	schemas, err := loadSchemas(env, *schemaDir)
	if err != nil {
		fmt.Fprintf(env.Stderr, "vigil import sbom: %v\n", err)
		return ExitUsage
	}
	cfg, err := load()
	if err != nil {
		fmt.Fprintf(env.Stderr, "vigil import sbom: %v\n", err)
		return ExitUsage
	}
	st, err := app.OpenStore(ctx, cfg.DB, app.SchemaCheck)
	if err != nil {
		return fail(env, "import sbom", err)
	}
	defer st.Close()
	inv := service.NewInventory(st, core.SystemClock{})
	rel, err := st.FindRelease(ctx, core.ModelID(*model), strings.TrimSpace(*version))
	if core.KindOf(err) == core.KindNotFound {
		rel = &core.Release{ModelID: core.ModelID(*model), Version: strings.TrimSpace(*version)}
		if err = inv.CreateRelease(ctx, core.SourceImport, rel); err == nil {
			fmt.Fprintf(env.Stdout, "created release %d (model %d, version %s)\n", rel.ID, rel.ModelID, rel.Version)
		}
	}
	if err != nil {
		return fail(env, "import sbom", err)
	}
	vulns := service.NewVulns(st, core.SystemClock{}, schemas)
	sum, err := vulns.ImportSBOM(ctx, rel.ID, pos[0], data)
	if err != nil {
		fmt.Fprintf(env.Stderr, "vigil import sbom: %s: ", pos[0])
		return fail(env, "import sbom", err)
	}
	for _, w := range sum.Warnings {
		fmt.Fprintf(env.Stderr, "warning: %s: %s\n", pos[0], w)
	}
	fmt.Fprintf(env.Stdout, "attached %s SBOM %d (%d components) to release %d; %d finding(s)\n", sum.SBOM.Format, sum.SBOM.ID, sum.SBOM.Components, rel.ID, sum.Findings)
	return ExitOK
}

// loadSchemas loads the JSON schemas from dir, or $VIGIL_SCHEMA_DIR; none
// is not an error.
func loadSchemas(env *Env, dir string) (*sbom.Schemas, error) {
	if dir == "" {
		dir = env.Getenv("VIGIL_SCHEMA_DIR")
	}
	if dir == "" {
		return nil, nil
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("--schemas %s: not a directory", dir)
	}
	s, err := sbom.LoadSchemas(os.DirFS(dir))
	if err != nil {
		return nil, fmt.Errorf("--schemas %s: %w", dir, err)
	}
	return s, nil
}
