package cli

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"github.com/vigil-oss/vigil/internal/oui"
)

const ouiSynopsis = `oui update FILE | oui lookup MAC... | oui status

The IEEE MAC address registry names the maker of each network interface. A copy
is built into vigil; 'update' reads a newer registry CSV (oui.csv, mam.csv,
oas.csv or iab.csv as the IEEE publishes them, or /usr/share/ieee-data/oui.csv
from Debian's ieee-data package) and saves it, merged over the built-in one, to
$VIGIL_DATA_DIR/oui.bin.gz (default: vigil/oui.bin.gz in the user configuration
directory), where 'vigil discover' finds it. 'lookup' names the maker of MAC
addresses; 'status' says which registry is in use.

Exit codes: 0 done; 1 a lookup found no maker; 2 usage error or unreadable file.`

func runOUI(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "oui", ouiSynopsis)
	pos, code, done := parseInterleaved(fs, args)
	if done {
		return code
	}
	if len(pos) == 0 {
		fs.Usage()
		return ExitUsage
	}
	switch pos[0] {
	case "update":
		if len(pos) != 2 {
			fmt.Fprintln(env.Stderr, "vigil oui update: name one registry CSV file")
			return ExitUsage
		}
		return ouiUpdate(env, pos[1])
	case "lookup":
		reg, err := ouiRegistry(env)
		if err != nil {
			fmt.Fprintf(env.Stderr, "vigil oui: %v\n", err)
			return ExitUsage
		}
		exit := ExitOK
		for _, s := range pos[1:] {
			hw, err := net.ParseMAC(s)
			if err != nil || len(hw) != 6 {
				fmt.Fprintf(env.Stderr, "vigil oui lookup: %q is not a MAC address\n", s)
				return ExitUsage
			}
			mac := [6]byte(hw)
			v, ok := reg.Lookup(mac)
			switch {
			case ok:
				fmt.Fprintf(env.Stdout, "%s\t%s\t%s %s\n", hw, v.Name, v.Block, v)
			case oui.Local(mac):
				fmt.Fprintf(env.Stdout, "%s\t(locally administered: not registered to a maker)\n", hw)
				exit = ExitFailure
			default:
				fmt.Fprintf(env.Stdout, "%s\t(not in the registry)\n", hw)
				exit = ExitFailure
			}
		}
		return exit
	case "status":
		reg, err := ouiRegistry(env)
		if err != nil {
			fmt.Fprintf(env.Stderr, "vigil oui: %v\n", err)
			return ExitUsage
		}
		src := "built in"
		if p := ouiPath(env); p != "" {
			if _, err := os.Stat(p); err == nil {
				src = p
			}
		}
		fmt.Fprintf(env.Stdout, "registry: %s\nassignments: %d (MA-L %d, MA-M %d, MA-S %d, IAB %d)\n", src, reg.Len(),
			reg.Count(oui.MAL), reg.Count(oui.MAM), reg.Count(oui.MAS), reg.Count(oui.IAB))
		if d := reg.Date(); !d.IsZero() {
			fmt.Fprintf(env.Stdout, "dated: %s\n", d.Format("2006-01-02"))
		}
		return ExitOK
	}
	fmt.Fprintf(env.Stderr, "vigil oui: unknown subcommand %q\n", pos[0])
	fs.Usage()
	return ExitUsage
}

func ouiUpdate(env *Env, file string) int {
	f, err := os.Open(file)
	if err != nil {
		fmt.Fprintf(env.Stderr, "vigil oui update: %v\n", err)
		return ExitUsage
	}
	defer f.Close()
	fresh, err := oui.Parse(f)
	if err != nil {
		fmt.Fprintf(env.Stderr, "vigil oui update: %s: %v\n", file, err)
		return ExitUsage
	}
	base, err := ouiRegistry(env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "vigil oui update: %v\n", err)
		return ExitUsage
	}
	merged := oui.Merge(base, fresh)
	if st, err := f.Stat(); err == nil {
		merged = merged.WithDate(st.ModTime().UTC())
	}
	dst := ouiPath(env)
	if dst == "" {
		fmt.Fprintln(env.Stderr, "vigil oui update: no place to save the registry: set VIGIL_DATA_DIR")
		return ExitUsage
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		fmt.Fprintf(env.Stderr, "vigil oui update: %v\n", err)
		return ExitFailure
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".oui-*.tmp")
	if err != nil {
		fmt.Fprintf(env.Stderr, "vigil oui update: %v\n", err)
		return ExitFailure
	}
	err = merged.Encode(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		os.Remove(tmp.Name())
		fmt.Fprintf(env.Stderr, "vigil oui update: save %s: %v\n", dst, err)
		return ExitFailure
	}
	fmt.Fprintf(env.Stdout, "read %d assignments from %s; saved %d to %s\n", fresh.Len(), file, merged.Len(), dst)
	return ExitOK
}
