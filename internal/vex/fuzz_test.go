package vex

import (
	"os"
	"path/filepath"
	"testing"
)

// checkStatements asserts what every successful decode must guarantee.
func checkStatements(t *testing.T, st []Statement) {
	t.Helper()
	if len(st) > MaxStatements {
		t.Fatalf("%d statements", len(st))
	}
	for i, s := range st {
		if s.Vulnerability == "" || !s.Status.Valid() || len(s.Products) == 0 {
			t.Fatalf("statement %d incomplete: %+v", i, s)
		}
	}
	ix := NewIndex(st)
	for _, s := range st {
		p := s.Products[0]
		ix.Lookup(Subject{VulnIDs: append([]string{s.Vulnerability}, s.Aliases...), PURL: p.PURL, CPE: p.CPE, BOMRef: p.BOMRef, ProductIDs: []string{p.ProductID}, Version: "1.0"})
	}
}

func FuzzDecodeOpenVEX(f *testing.F) {
	for _, name := range []string{"statuses.openvex.json", "missing-justification.openvex.json", "override.openvex.json", "legacy.openvex.json"} {
		f.Add(readTestdata(f, name))
	}
	f.Add([]byte(`{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":{"name":"CVE-1"},"products":[{"@id":"pkg:npm/a"}],"status":"fixed"}]}`))
	f.Add([]byte(`{"@context":"https://openvex.dev/ns","statements":[{"vulnerability":"CVE-1","products":["pkg:npm/a"],"status":"fixed"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := DecodeOpenVEX(b, "fuzz")
		if err != nil {
			if st != nil {
				t.Fatal("statements returned with an error")
			}
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		checkStatements(t, st)
	})
}

func FuzzDecodeCycloneDX(f *testing.F) {
	for _, rel := range []string{
		"bom-examples/VEX/vex.json",
		"bom-examples/VEX/CISA-Use-Cases/Case-7/vex.json",
		"spec-tests/1.6/valid-vulnerability-1.6.json",
		"spec-tests/1.6/valid-vulnerability-1.6.xml",
	} {
		if b, err := os.ReadFile(filepath.Join(cdxData, rel)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"type":"library","name":"a","bom-ref":"a","purl":"pkg:npm/a@1"}],"vulnerabilities":[{"id":"CVE-1","analysis":{"state":"not_affected","justification":"code_not_present"},"affects":[{"ref":"a","versions":[{"version":"1","status":"unaffected"}]}]}]}`))
	f.Add([]byte(`<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1"><vulnerabilities><vulnerability><id>CVE-1</id><affects><target><ref>x</ref></target></affects></vulnerability></vulnerabilities></bom>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, _, err := DecodeCycloneDX(b, "fuzz")
		if err != nil {
			if st != nil {
				t.Fatal("statements returned with an error")
			}
			return
		}
		checkStatements(t, st)
	})
}
