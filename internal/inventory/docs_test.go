package inventory

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestDocsListEveryHeader keeps docs/inventory-csv.md honest: its table of
// accepted headers must list exactly the aliases the reader knows, in the
// order that decides which wins, and its column table every column.
func TestDocsListEveryHeader(t *testing.T) {
	b, err := os.ReadFile("../../docs/inventory-csv.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start := strings.Index(doc, "| column | headers also accepted, best first |")
	if start < 0 {
		t.Fatal("the header table is missing")
	}
	documented := map[string][]string{}
	for _, line := range strings.Split(doc[start:], "\n")[2:] {
		if !strings.HasPrefix(line, "| `") {
			break
		}
		cells := strings.Split(line, "|")
		col := strings.Trim(strings.TrimSpace(cells[1]), "`")
		for _, h := range strings.Split(cells[2], ",") {
			documented[col] = append(documented[col], HeaderKey(h))
		}
	}
	for c := Column(0); c < numColumns; c++ {
		if got, want := documented[c.String()], Aliases(c); !slices.Equal(got, want) {
			t.Errorf("docs list for %s:\n%v\nthe reader knows:\n%v", c, got, want)
		}
		if !strings.Contains(doc, "| `"+c.String()+"` |") && !strings.Contains(doc, "`"+c.String()+"`, ") {
			t.Errorf("the column table does not describe %s", c)
		}
	}
}
