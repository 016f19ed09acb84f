package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/vigil-oss/vigil/internal/app"
	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/inventory"
	"github.com/vigil-oss/vigil/internal/service"
)

const exportSynopsis = `export devices --db DB [--format csv|json] [--out FILE]

Writes every device, in id order, to stdout or FILE. CSV has the import's
columns (an export imports back unchanged) plus id and times; cells that a
spreadsheet would run as a formula start with an apostrophe. JSON is
{"devices":[...]}, each device as the REST API shows it plus the names of its
manufacturer, model, software version, site and zone. See docs/inventory-csv.md.`

func runExport(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintf(env.Stderr, "Usage: vigil %s\n", exportSynopsis)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			return ExitOK
		}
		return ExitUsage
	}
	if args[0] != "devices" {
		fmt.Fprintf(env.Stderr, "vigil export: cannot export %q; only devices can be exported\n", args[0])
		return ExitUsage
	}
	fs := newFlags(env, "export devices", exportSynopsis)
	load := settingFlags(env, fs, "db")
	format := fs.String("format", "csv", "csv or json")
	out := fs.String("out", "", "write to this file (replaced only once the export is complete) instead of stdout")
	pos, code, done := parseInterleaved(fs, args[1:])
	if done {
		return code
	}
	if len(pos) > 0 {
		fmt.Fprintf(env.Stderr, "vigil export devices: unexpected argument %q (use --out FILE)\n", pos[0])
		return ExitUsage
	}
	if *format != "csv" && *format != "json" {
		fmt.Fprintf(env.Stderr, "vigil export devices: --format must be csv or json, not %q\n", *format)
		return ExitUsage
	}
	cfg, err := load()
	if err != nil {
		fmt.Fprintf(env.Stderr, "vigil export devices: %v\n", err)
		return ExitUsage
	}
	st, err := app.OpenStore(ctx, cfg.DB, app.SchemaCheck)
	if err != nil {
		return fail(env, "export devices", err)
	}
	defer st.Close()

	w := env.Stdout
	var tmp *os.File
	if *out != "" {
		// Write next to the target and rename at the end, so that a failed
		// export never leaves a truncated file where a good one was. The
		// file is private (0600): inventories are sensitive.
		tmp, err = os.CreateTemp(filepath.Dir(*out), "."+filepath.Base(*out)+".*.tmp")
		if err != nil {
			fmt.Fprintf(env.Stderr, "vigil export devices: %v\n", err)
			return ExitUsage
		}
		defer os.Remove(tmp.Name()) // after a successful rename this fails harmlessly
		defer tmp.Close()
		w = tmp
	}
	n, err := export(ctx, st, *format, w)
	if err == nil && tmp != nil {
		err = tmp.Sync()
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), *out)
		}
	}
	if err != nil {
		return fail(env, "export devices", err)
	}
	if tmp != nil {
		fmt.Fprintf(env.Stderr, "exported %d devices to %s\n", n, *out)
	}
	return ExitOK
}

func export(ctx context.Context, st core.Store, format string, w io.Writer) (int, error) {
	var ew inventory.Writer
	if format == "json" {
		ew = inventory.NewJSONWriter(w)
	} else {
		ew = inventory.NewCSVWriter(w)
	}
	n, err := service.NewInventory(st, core.SystemClock{}).ExportDevices(ctx, ew.Write)
	if err != nil {
		return n, err
	}
	if err := ew.Close(); err != nil {
		return n, core.Wrap(core.KindInternal, err, "write the export")
	}
	return n, nil
}
