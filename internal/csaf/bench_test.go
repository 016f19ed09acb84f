package csaf

import (
	"os"
	"testing"
)

// BenchmarkValidateLargestICSMA validates the largest ICSMA advisory
// (ICSMA-18-058-02, 35 vulnerabilities): schema plus mandatory tests.
func BenchmarkValidateLargestICSMA(b *testing.B) {
	data := readData(b, "cisa-icsma/icsma-18-058-02.json")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, probs, err := Validate(data); err != nil || len(probs) > 0 {
			b.Fatal(err, probs)
		}
	}
}

// BenchmarkDecodeProductsAllICSMA decodes all 108 ICSMA advisories and
// flattens their product trees.
func BenchmarkDecodeProductsAllICSMA(b *testing.B) {
	files := globData(b, "cisa-icsma/*.json")
	var docs [][]byte
	var total int64
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, data)
		total += int64(len(data))
	}
	if len(docs) != 108 {
		b.Fatalf("%d ICSMA advisories, want 108", len(docs))
	}
	b.SetBytes(total)
	b.ReportAllocs()
	for b.Loop() {
		for _, data := range docs {
			d, _, err := Decode(data)
			if err != nil {
				b.Fatal(err)
			}
			_ = d.Products()
		}
	}
}
