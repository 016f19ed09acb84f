package sbom

import "testing"

func benchDecode(b *testing.B, rel string, withSchemas bool) {
	in := readData(b, rel)
	opts := Options{}
	if withSchemas {
		opts.Schemas = testSchemas(b)
		if _, err := DecodeBytes(in, opts); err != nil { // compile the schema outside the timer
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		doc, err := DecodeBytes(in, opts)
		if err != nil || len(doc.Components) != 1530 {
			b.Fatalf("%v", err)
		}
	}
}

func BenchmarkDecodeGo1xCycloneDX(b *testing.B) {
	benchDecode(b, "match/go-1x.cdx.json", true)
}

func BenchmarkDecodeGo1xCycloneDXNoSchema(b *testing.B) {
	benchDecode(b, "match/go-1x.cdx.json", false)
}

func BenchmarkDecodeGo1xCycloneDXXML(b *testing.B) {
	benchDecode(b, "match/go-1x.cdx.xml", true)
}

func BenchmarkDecodeGo1xSPDX(b *testing.B) {
	benchDecode(b, "match/go-1x.spdx.json", true)
}
