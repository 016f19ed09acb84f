// Command mkregistry builds the registry embedded in package oui: it parses
// IEEE registry CSV files (concatenated, in the order given) and writes the
// compact compressed form. Run through `go generate ./internal/oui`.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/vigil-oss/vigil/internal/oui"
)

func main() {
	out := flag.String("o", "registry.bin.gz", "output file")
	date := flag.String("date", "", "publication date of the CSV files, YYYY-MM-DD")
	flag.Parse()
	if err := run(*out, *date, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "mkregistry:", err)
		os.Exit(1)
	}
}

func run(out, date string, files []string) error {
	if len(files) == 0 {
		return fmt.Errorf("no CSV files given")
	}
	var readers []io.Reader
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		// A file may lack a final newline; keep rows of adjacent files apart.
		readers = append(readers, bytes.NewReader(b), bytes.NewReader([]byte("\n")))
	}
	reg, err := oui.Parse(io.MultiReader(readers...))
	if err != nil {
		return err
	}
	if date != "" {
		d, err := time.Parse(time.DateOnly, date)
		if err != nil {
			return err
		}
		reg = reg.WithDate(d)
	}
	var buf bytes.Buffer
	if err := reg.Encode(&buf); err != nil {
		return err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Printf("%s: %d assignments (MA-L %d, MA-M %d, MA-S %d, IAB %d), %d bytes\n", out, reg.Len(),
		reg.Count(oui.MAL), reg.Count(oui.MAM), reg.Count(oui.MAS), reg.Count(oui.IAB), buf.Len())
	return nil
}
