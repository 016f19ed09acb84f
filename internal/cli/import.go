package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/vigil-oss/vigil/internal/app"
	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/inventory"
	"github.com/vigil-oss/vigil/internal/service"
)

const importSynopsis = `import devices FILE --db DB [--map "Their Header=column,..."] [--map-file FILE]
                            [--dry-run] [--overwrite] [--batch N] [--max-errors N]
       import sbom FILE --db DB --model ID --release VERSION  (see 'vigil import sbom --help')

Imports devices from a CSV file (- reads standard input); see docs/inventory-csv.md
for the columns, the accepted CMMS headers, and how rows are matched and merged.
Prints "created N, updated N, unchanged N, rejected N" on stdout and each rejected
row on stderr as FILE:LINE: column COL: message. Exit code 0: every row imported;
1: some rows rejected, or the import failed; 2: bad arguments or unreadable file.`

// listFlag collects a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// parseInterleaved parses flags that may come before or after positional
// arguments (vigil import devices FILE --db DB), which flag.Parse alone
// stops at. A lone "--" ends the flags.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, int, bool) {
	var pos []string
	for {
		if code, done := parseFlags(fs, args); done {
			return nil, code, true
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, 0, false
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), 0, false
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func runImport(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintf(env.Stderr, "Usage: vigil %s\n", importSynopsis)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			return ExitOK
		}
		return ExitUsage
	}
	if args[0] == "sbom" {
		return runImportSBOM(ctx, env, args[1:])
	}
	if args[0] != "devices" {
		fmt.Fprintf(env.Stderr, "vigil import: cannot import %q; import devices or sbom\n", args[0])
		return ExitUsage
	}
	fs := newFlags(env, "import devices", importSynopsis)
	load := settingFlags(env, fs, "db")
	var maps listFlag
	fs.Var(&maps, "map", `map the file's headers to Vigil columns: "Their Header=asset_tag,Other=serial" (- as the column ignores a header; repeatable)`)
	mapFile := fs.String("map-file", "", `file of "their header = column" lines, as --map`)
	dryRun := fs.Bool("dry-run", false, "decide and report every row, but write nothing")
	overwrite := fs.Bool("overwrite", false, "also replace attributes a person entered through the API or UI (kept by default)")
	batch := fs.Int("batch", service.DefaultImportBatch, "rows per transaction")
	maxErrors := fs.Int("max-errors", 1000, "list at most this many rejected rows on stderr (0: all); the summary counts them all")
	pos, code, done := parseInterleaved(fs, args[1:])
	if done {
		return code
	}
	if len(pos) != 1 {
		fmt.Fprintf(env.Stderr, "vigil import devices: give exactly one FILE (or - for standard input)\nUsage: vigil %s\n", importSynopsis)
		return ExitUsage
	}
	if *batch < 1 || *batch > service.MaxImportBatch {
		fmt.Fprintf(env.Stderr, "vigil import devices: --batch must be between 1 and %d\n", service.MaxImportBatch)
		return ExitUsage
	}
	cfg, err := load()
	if err != nil {
		fmt.Fprintf(env.Stderr, "vigil import devices: %v\n", err)
		return ExitUsage
	}
	mapping, err := loadMapping(maps, *mapFile)
	if err != nil {
		fmt.Fprintf(env.Stderr, "vigil import devices: %v\n", err)
		return ExitUsage
	}

	name := pos[0]
	var in io.Reader = env.Stdin
	var size int64
	if name == "-" {
		name = "stdin"
	} else {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(env.Stderr, "vigil import devices: %v\n", err)
			return ExitUsage
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil {
			if fi.IsDir() {
				fmt.Fprintf(env.Stderr, "vigil import devices: %s is a directory\n", name)
				return ExitUsage
			}
			size = fi.Size()
		}
		in = f
	}
	// The header is checked before the database is touched: a file that
	// cannot be imported leaves no trace.
	rd, err := inventory.NewReader(ctx, in, inventory.Options{Mapping: mapping})
	if err != nil {
		fmt.Fprintf(env.Stderr, "vigil import devices: %s: %v\n", name, err)
		return ExitUsage
	}
	for _, n := range rd.Notices() {
		fmt.Fprintf(env.Stderr, "vigil import devices: %s: %s\n", name, n)
	}

	st, err := app.OpenStore(ctx, cfg.DB, app.SchemaCheck)
	if err != nil {
		return fail(env, "import devices", err)
	}
	defer st.Close()

	bar := newProgress(env, "importing "+name, size, rd.Offset)
	shown, keptRows := 0, 0
	report := func(r service.ImportRow) {
		if len(r.Kept) > 0 && r.Action != service.ImportRejected {
			keptRows++
		}
		switch {
		case r.Action == service.ImportRejected:
			if *maxErrors > 0 && shown >= *maxErrors {
				if shown == *maxErrors {
					bar.clear()
					fmt.Fprintf(env.Stderr, "%s: further rejected rows are not listed (--max-errors %d)\n", name, *maxErrors)
					shown++
				}
				return
			}
			shown++
			bar.clear()
			for _, e := range r.Errors {
				if e.Column != "" {
					fmt.Fprintf(env.Stderr, "%s:%d: column %s: %s\n", name, e.Line, e.Column, e.Message)
				} else {
					fmt.Fprintf(env.Stderr, "%s:%d: %s\n", name, e.Line, e.Message)
				}
			}
		case *dryRun && r.Action == service.ImportCreated:
			bar.clear()
			fmt.Fprintf(env.Stdout, "%s:%d: would create a device (%s)\n", name, r.Line, strings.Join(r.Changed, ", "))
		case *dryRun && r.Action == service.ImportUpdated:
			bar.clear()
			fmt.Fprintf(env.Stdout, "%s:%d: would update device %d (%s)%s\n", name, r.Line, r.Device, strings.Join(r.Changed, ", "), keptNote(r.Kept))
		case *dryRun && len(r.Kept) > 0:
			bar.clear()
			fmt.Fprintf(env.Stdout, "%s:%d: device %d stays unchanged%s\n", name, r.Line, r.Device, keptNote(r.Kept))
		}
	}
	inv := service.NewInventory(st, core.SystemClock{})
	sum, err := inv.ImportDevices(ctx, rd, service.ImportOptions{
		DryRun:     *dryRun,
		BatchSize:  *batch,
		Overwrite:  *overwrite,
		OnRow:      report,
		OnProgress: bar.update,
	})
	bar.finish(sum.Rows)

	prefix := ""
	if *dryRun {
		prefix = "dry run, nothing written: "
	}
	fmt.Fprintf(env.Stdout, "%s%s\n", prefix, sum)
	if refs := newRecords(sum); refs != "" {
		verb := "also created"
		if *dryRun {
			verb = "would also create"
		}
		fmt.Fprintf(env.Stdout, "%s %s\n", verb, refs)
	}
	if keptRows > 0 && !*dryRun {
		fmt.Fprintf(env.Stderr, "vigil import devices: %d row(s) left values a person entered through the API or UI as they were (--overwrite replaces them; --dry-run lists them)\n", keptRows)
	}
	if err != nil && *dryRun {
		fmt.Fprintf(env.Stderr, "vigil import devices: the dry run stopped after %d rows; nothing was written\n", sum.Rows)
		return fail(env, "import devices", err)
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintf(env.Stderr, "vigil import devices: interrupted after %d rows; the batches committed so far are kept, and running the same import again finishes it\n", sum.Rows)
			return ExitFailure
		}
		fmt.Fprintf(env.Stderr, "vigil import devices: stopped after %d rows; the batches committed so far are kept\n", sum.Rows)
		return fail(env, "import devices", err)
	}
	if sum.Rejected > 0 {
		return ExitFailure
	}
	return ExitOK
}

func keptNote(kept []string) string {
	if len(kept) == 0 {
		return ""
	}
	return "; kept as a person entered them: " + strings.Join(kept, ", ")
}

// newRecords describes the records an import created, or "" for none.
func newRecords(s service.ImportSummary) string {
	var parts []string
	for _, p := range []struct {
		n          int
		one, other string
	}{
		{s.NewManufacturers, "manufacturer", "manufacturers"},
		{s.NewModels, "model", "models"},
		{s.NewReleases, "software version", "software versions"},
		{s.NewSites, "site", "sites"},
		{s.NewZones, "zone", "zones"},
	} {
		switch {
		case p.n == 1:
			parts = append(parts, "1 "+p.one)
		case p.n > 1:
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.other))
		}
	}
	return strings.Join(parts, ", ")
}

// loadMapping merges the --map flags and the --map-file.
func loadMapping(maps []string, file string) (inventory.Mapping, error) {
	m := inventory.Mapping{}
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		fm, err := inventory.ReadMapping(f, file)
		if err != nil {
			return nil, err
		}
		if err := m.Merge(fm); err != nil {
			return nil, err
		}
	}
	for _, spec := range maps {
		fm, err := inventory.ParseMapping(spec)
		if err != nil {
			return nil, err
		}
		if err := m.Merge(fm); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// progress draws a one-line progress bar on stderr when it is a terminal:
// rows done, rows per second and, when the input's size is known, how far
// through the file the import is. It redraws at most ten times a second.
type progress struct {
	w      io.Writer
	on     bool
	label  string
	unit   string // what is counted: rows, documents
	size   int64
	offset func() int64
	start  time.Time
	last   time.Time
	drawn  bool
}

func newProgress(env *Env, label string, size int64, offset func() int64) *progress {
	now := time.Now()
	return &progress{w: env.Stderr, on: env.Terminal, label: label, unit: "rows", size: size, offset: offset, start: now}
}

func (p *progress) update(rows int) {
	if !p.on {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	p.draw(rows, now)
}

func (p *progress) draw(rows int, now time.Time) {
	rate := 0.0
	if s := now.Sub(p.start).Seconds(); s > 0 {
		rate = float64(rows) / s
	}
	line := fmt.Sprintf("%s: %s %s, %s %s/s", p.label, groupDigits(int64(rows)), p.unit, groupDigits(int64(rate)), p.unit)
	if p.size > 0 {
		frac := min(float64(p.offset())/float64(p.size), 1)
		const width = 24
		fill := int(frac * width)
		line = fmt.Sprintf("%s [%s%s] %3.0f%%", line, strings.Repeat("#", fill), strings.Repeat(".", width-fill), frac*100)
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
	p.drawn = true
}

// clear removes the bar so that a message can take its line; the next
// update draws it again.
func (p *progress) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
		p.last = time.Time{}
	}
}

// finish draws the final state and ends the line.
func (p *progress) finish(rows int) {
	if !p.on || rows == 0 {
		return
	}
	p.draw(rows, time.Now())
	fmt.Fprintln(p.w)
	p.drawn = false
}

// groupDigits writes n with thousands separators: 100,000.
func groupDigits(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + groupDigits(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
