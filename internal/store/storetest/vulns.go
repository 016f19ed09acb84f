package storetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
)

func testVulns(t *testing.T, s core.Store) {
	t.Run("AdvisoryDocs", func(t *testing.T) { testAdvisoryDocs(t, s) })
	t.Run("SBOMs", func(t *testing.T) { testSBOMs(t, s) })
	t.Run("Findings", func(t *testing.T) { testFindings(t, s) })
}

func advDoc(kind, id string, day int, data string, keys ...string) *core.AdvisoryDoc {
	return &core.AdvisoryDoc{Kind: kind, DocID: id, Revision: fmt.Sprintf("r%d", day), Modified: odd(day),
		Source: "feeds/" + kind + "/" + id + ".json", Data: []byte(data), Keys: keys}
}

func putDocs(t *testing.T, s core.Store, docs ...*core.AdvisoryDoc) []core.PutOutcome {
	t.Helper()
	out, err := s.PutAdvisoryDocs(t.Context(), docs)
	ok(t, err, "PutAdvisoryDocs")
	if len(out) != len(docs) {
		t.Fatalf("PutAdvisoryDocs returned %d outcomes for %d docs", len(out), len(docs))
	}
	return out
}

func testAdvisoryDocs(t *testing.T, s core.Store) {
	ctx := t.Context()
	a := advDoc("osv", "GO-2020-0001", 1, `{"id":"GO-2020-0001"}`, "pkg:Go/github.com/x/y", "pkg:Go/github.com/x/z", "pkg:Go/github.com/x/y")
	b := advDoc("osv", "GO-2020-0002", 2, `{"id":"GO-2020-0002"}`, "pkg:Go/github.com/x/z")
	c := advDoc("csaf", "ICSMA-18-058-02", 3, `{"document":{}}`, "name:philips intellivue mx40")
	same(t, "outcomes of first put", putDocs(t, s, a, b, c), []core.PutOutcome{core.PutAdded, core.PutAdded, core.PutAdded})
	if a.ID <= 0 || b.ID <= a.ID || c.ID <= b.ID {
		t.Errorf("ids %d, %d, %d: want positive and ascending in input order", a.ID, b.ID, c.ID)
	}
	checkStamp(t, "ImportedAt", a.ImportedAt)
	if a.SHA256 == "" || len(a.SHA256) != 64 {
		t.Errorf("empty SHA256 not filled in from data: %q", a.SHA256)
	}

	got, err := s.GetAdvisoryDoc(ctx, "osv", "GO-2020-0001")
	ok(t, err, "GetAdvisoryDoc")
	want := *a
	want.Modified = norm(a.Modified)
	same(t, "stored document", got, &want)
	if !bytes.Equal(got.Data, a.Data) {
		t.Errorf("data %q, want %q", got.Data, a.Data)
	}
	_, err = s.GetAdvisoryDoc(ctx, "osv", "GO-2020-9999")
	wantErr(t, err, core.KindNotFound, "", "get missing document")
	_, err = s.GetAdvisoryDoc(ctx, "nvd", "GO-2020-0001")
	wantErr(t, err, core.KindNotFound, "", "get document of another kind")

	t.Run("Outcomes", func(t *testing.T) {
		unchanged := advDoc("osv", "GO-2020-0001", 9, `{"id":"GO-2020-0001"}`)
		newer := advDoc("osv", "GO-2020-0002", 5, `{"id":"GO-2020-0002","v":2}`, "pkg:Go/github.com/new/mod")
		older := advDoc("csaf", "ICSMA-18-058-02", 1, `{"document":{"old":true}}`)
		same(t, "outcomes", putDocs(t, s, unchanged, newer, older),
			[]core.PutOutcome{core.PutUnchanged, core.PutUpdated, core.PutOlder})
		if unchanged.ID != a.ID || newer.ID != b.ID || older.ID != c.ID {
			t.Errorf("ids %d, %d, %d; want the stored %d, %d, %d", unchanged.ID, newer.ID, older.ID, a.ID, b.ID, c.ID)
		}
		g, err := s.GetAdvisoryDoc(ctx, "osv", "GO-2020-0002")
		ok(t, err, "get updated")
		if string(g.Data) != `{"id":"GO-2020-0002","v":2}` || g.Revision != "r5" || !g.Modified.Equal(norm(odd(5))) || g.ID != b.ID {
			t.Errorf("updated document = %+v", g)
		}
		same(t, "updated keys", g.Keys, []string{"pkg:Go/github.com/new/mod"})
		g, err = s.GetAdvisoryDoc(ctx, "csaf", "ICSMA-18-058-02")
		ok(t, err, "get after older")
		if string(g.Data) != `{"document":{}}` || g.Revision != "r3" {
			t.Errorf("older revision overwrote the stored one: %+v", g)
		}
		g, err = s.GetAdvisoryDoc(ctx, "osv", "GO-2020-0001")
		ok(t, err, "get after unchanged")
		if !g.Modified.Equal(norm(odd(1))) || !g.ImportedAt.Equal(a.ImportedAt) {
			t.Errorf("unchanged put wrote: modified %v imported %v", g.Modified, g.ImportedAt)
		}

		// The same Modified with other content replaces.
		sameTime := advDoc("osv", "GO-2020-0002", 5, `{"id":"GO-2020-0002","v":3}`, "pkg:Go/github.com/new/mod")
		same(t, "equal modified, other sha", putDocs(t, s, sameTime), []core.PutOutcome{core.PutUpdated})

		// A document twice in one batch is compared with the first.
		d1 := advDoc("nvd", "CVE-2024-0001", 4, `{"v":1}`, "cpe:acme:pump")
		d2 := advDoc("nvd", "CVE-2024-0001", 6, `{"v":2}`, "cpe:acme:pump2")
		d3 := advDoc("nvd", "CVE-2024-0001", 5, `{"v":1.5}`)
		same(t, "repeated in a batch", putDocs(t, s, d1, d2, d3),
			[]core.PutOutcome{core.PutAdded, core.PutUpdated, core.PutOlder})
		if d1.ID != d2.ID || d2.ID != d3.ID {
			t.Errorf("ids of one document: %d, %d, %d", d1.ID, d2.ID, d3.ID)
		}
		g, err = s.GetAdvisoryDoc(ctx, "nvd", "CVE-2024-0001")
		ok(t, err, "get repeated")
		if string(g.Data) != `{"v":2}` {
			t.Errorf("repeated document stored %s, want the newest", g.Data)
		}
		refs, err := s.AdvisoryDocIDsByKeys(ctx, []string{"cpe:acme:pump"})
		ok(t, err, "AdvisoryDocIDsByKeys")
		if len(refs) != 0 {
			t.Errorf("keys of a replaced revision still match: %v", refs)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		big := advDoc("nvd", "CVE-BIG", 1, "")
		big.Data = make([]byte, core.MaxAdvisoryDocSize+1)
		fine := advDoc("nvd", "CVE-FINE", 1, "{}")
		_, err := s.PutAdvisoryDocs(ctx, []*core.AdvisoryDoc{fine, big})
		wantErr(t, err, core.KindTooLarge, "", "put too large")
		_, err = s.GetAdvisoryDoc(ctx, "nvd", "CVE-FINE")
		wantErr(t, err, core.KindNotFound, "", "a batch with a too-large doc wrote")
		_, err = s.PutAdvisoryDocs(ctx, []*core.AdvisoryDoc{{DocID: "x"}})
		wantErr(t, err, core.KindInvalid, "kind", "put without kind")
		_, err = s.PutAdvisoryDocs(ctx, []*core.AdvisoryDoc{{Kind: "osv"}})
		wantErr(t, err, core.KindInvalid, "doc_id", "put without doc id")
		out, err := s.PutAdvisoryDocs(ctx, nil)
		if err != nil || len(out) != 0 {
			t.Errorf("put nothing = %v, %v", out, err)
		}
	})

	t.Run("KeysAndEach", func(t *testing.T) {
		refs, err := s.AdvisoryDocIDsByKeys(ctx, []string{"pkg:Go/github.com/x/z", "name:philips intellivue mx40", "nope"})
		ok(t, err, "AdvisoryDocIDsByKeys")
		same(t, "docs by key", refs, []core.AdvisoryRef{{Kind: "csaf", DocID: "ICSMA-18-058-02"}, {Kind: "osv", DocID: "GO-2020-0001"}})
		refs, err = s.AdvisoryDocIDsByKeys(ctx, nil)
		ok(t, err, "AdvisoryDocIDsByKeys(nil)")
		if refs == nil || len(refs) != 0 {
			t.Errorf("no keys: %v", refs)
		}

		// More than a page of one kind, to walk across pages.
		var many []*core.AdvisoryDoc
		for i := range 150 {
			many = append(many, advDoc("epss", fmt.Sprintf("E-%03d", i), 1+i%20, fmt.Sprintf(`{"n":%d}`, i)))
		}
		putDocs(t, s, many...)
		var ids []core.AdvisoryDocID
		kinds := map[string]int{}
		err = s.EachAdvisoryDoc(ctx, nil, func(d *core.AdvisoryDoc) error {
			ids = append(ids, d.ID)
			kinds[d.Kind]++
			// The callback may use the store.
			_, err := s.GetAdvisoryDoc(ctx, d.Kind, d.DocID)
			return err
		})
		ok(t, err, "EachAdvisoryDoc")
		if !slices.IsSorted(ids) || len(ids) != 154 {
			t.Errorf("EachAdvisoryDoc gave %d docs, sorted %v", len(ids), slices.IsSorted(ids))
		}
		same(t, "kinds walked", kinds, map[string]int{"osv": 2, "csaf": 1, "nvd": 1, "epss": 150})
		var names []string
		err = s.EachAdvisoryDoc(ctx, []string{"csaf", "osv"}, func(d *core.AdvisoryDoc) error {
			names = append(names, d.DocID)
			return nil
		})
		ok(t, err, "EachAdvisoryDoc(kinds)")
		same(t, "docs of two kinds", names, []string{"GO-2020-0001", "GO-2020-0002", "ICSMA-18-058-02"})
		stop := errors.New("stop")
		n := 0
		err = s.EachAdvisoryDoc(ctx, []string{"epss"}, func(*core.AdvisoryDoc) error {
			if n++; n == 70 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 70 {
			t.Errorf("EachAdvisoryDoc after fn failed: %v after %d docs", err, n)
		}

		st, err := s.FeedStatus(ctx)
		ok(t, err, "FeedStatus")
		if len(st) != 4 {
			t.Fatalf("FeedStatus = %+v, want 4 kinds", st)
		}
		wantKinds := []string{"csaf", "epss", "nvd", "osv"}
		wantDocs := []int{1, 150, 1, 2}
		wantNewest := []time.Time{norm(odd(3)), norm(odd(20)), norm(odd(6)), norm(odd(5))}
		for i, f := range st {
			if f.Kind != wantKinds[i] || f.Documents != wantDocs[i] || !f.NewestModified.Equal(wantNewest[i]) {
				t.Errorf("FeedStatus[%d] = %+v, want %s, %d, %v", i, f, wantKinds[i], wantDocs[i], wantNewest[i])
			}
			checkStamp(t, "LastImport", f.LastImport)
		}
	})
}

// vulnFixture makes a manufacturer, a model and n releases.
func vulnFixture(t testing.TB, s core.Store, n int) (core.ModelID, []core.ReleaseID) {
	ctx := t.Context()
	m := &core.Manufacturer{Name: fmt.Sprintf("Vuln maker %d", time.Now().UnixNano())}
	ok(t, s.CreateManufacturer(ctx, m), "create manufacturer")
	md := &core.Model{ManufacturerID: m.ID, Name: "Pump", Function: core.FunctionTherapy}
	ok(t, s.CreateModel(ctx, md), "create model")
	var rs []core.ReleaseID
	for i := range n {
		r := &core.Release{ModelID: md.ID, Version: fmt.Sprintf("1.%d", i)}
		ok(t, s.CreateRelease(ctx, r), "create release")
		rs = append(rs, r.ID)
	}
	return md.ID, rs
}

func components(refs ...string) []*core.Component {
	var out []*core.Component
	for i, r := range refs {
		out = append(out, &core.Component{Ref: r, Parent: "root", Type: "library", Group: "org.x", Name: r,
			Version: fmt.Sprintf("1.%d", i), PURL: "pkg:maven/org.x/" + r + "@1." + fmt.Sprint(i),
			CPEs: []string{"cpe:2.3:a:x:" + r + ":1:*:*:*:*:*:*:*"}, Supplier: "X Corp",
			Hashes: map[string]string{"SHA-256": strings.Repeat("ab", 32)}, LevelOfSupport: "active",
			EndOfSupport: "2030-01-01", Keys: []string{"pkg:maven/org.x/" + r, "shared"}})
	}
	return out
}

func testSBOMs(t *testing.T, s core.Store) {
	ctx := t.Context()
	_, rs := vulnFixture(t, s, 3)
	sb := &core.SBOM{ReleaseID: rs[0], Format: "cyclonedx", SpecVersion: "1.6", Name: "pump-fw", Source: "pump.cdx.json",
		SHA256: "00", Data: []byte(`{"bomFormat":"CycloneDX"}`)}
	comps := components("a", "b", "c")
	comps[2].CPEs, comps[2].Hashes, comps[2].Keys = nil, nil, nil
	ok(t, s.PutSBOM(ctx, sb, comps), "PutSBOM")
	if sb.ID <= 0 || sb.Components != 3 {
		t.Errorf("PutSBOM set id %d, components %d", sb.ID, sb.Components)
	}
	checkStamp(t, "SBOM ImportedAt", sb.ImportedAt)
	for _, c := range comps {
		if c.ID <= 0 || c.SBOMID != sb.ID || c.ReleaseID != rs[0] {
			t.Errorf("component %s: id %d sbom %d release %d", c.Ref, c.ID, c.SBOMID, c.ReleaseID)
		}
	}
	got, err := s.GetSBOM(ctx, rs[0])
	ok(t, err, "GetSBOM")
	same(t, "SBOM", got, sb)
	if !bytes.Equal(got.Data, sb.Data) {
		t.Errorf("SBOM data %q", got.Data)
	}
	list, err := s.ListComponents(ctx, rs[0])
	ok(t, err, "ListComponents")
	comps[2].CPEs, comps[2].Keys = []string{}, []string{}
	same(t, "components", list, comps)
	slim, err := s.ListMatchComponents(ctx, []core.ReleaseID{rs[1], rs[0], rs[2] + 1000, rs[0]})
	ok(t, err, "ListMatchComponents")
	var wantSlim []*core.Component
	for _, c := range list {
		wantSlim = append(wantSlim, &core.Component{ID: c.ID, ReleaseID: c.ReleaseID, Ref: c.Ref, Type: c.Type,
			Group: c.Group, Name: c.Name, Version: c.Version, PURL: c.PURL, CPEs: c.CPEs, Supplier: c.Supplier})
	}
	same(t, "match components", slim, map[core.ReleaseID][]*core.Component{rs[0]: wantSlim})
	if slim, err := s.ListMatchComponents(ctx, nil); err != nil || len(slim) != 0 {
		t.Errorf("ListMatchComponents(nil) = %v, %v", slim, err)
	}
	_, err = s.GetSBOM(ctx, rs[1])
	wantErr(t, err, core.KindNotFound, "", "GetSBOM of a release without")
	if l, err := s.ListComponents(ctx, rs[1]); err != nil || l == nil || len(l) != 0 {
		t.Errorf("ListComponents of a release without an SBOM = %v, %v", l, err)
	}

	ok(t, s.PutSBOM(ctx, &core.SBOM{ReleaseID: rs[1], Format: "spdx"}, components("a", "z")), "PutSBOM release 2")
	rels, err := s.ReleasesWithKeys(ctx, []string{"pkg:maven/org.x/a"})
	ok(t, err, "ReleasesWithKeys")
	same(t, "releases with a", rels, []core.ReleaseID{rs[0], rs[1]})

	// Replace: the old components and keys go.
	sb2 := &core.SBOM{ReleaseID: rs[0], Format: "cyclonedx", SpecVersion: "1.5"}
	ok(t, s.PutSBOM(ctx, sb2, components("b", "d")), "PutSBOM replace")
	if sb2.ID == sb.ID {
		t.Errorf("replaced SBOM kept id %d", sb.ID)
	}
	list, err = s.ListComponents(ctx, rs[0])
	ok(t, err, "ListComponents after replace")
	if len(list) != 2 || list[0].Ref != "b" || list[1].Ref != "d" || list[0].SBOMID != sb2.ID {
		t.Errorf("components after replace: %+v", list)
	}
	got, err = s.GetSBOM(ctx, rs[0])
	ok(t, err, "GetSBOM after replace")
	if got.ID != sb2.ID || got.SpecVersion != "1.5" || got.Components != 2 || got.Data == nil {
		t.Errorf("SBOM after replace: %+v", got)
	}
	rels, err = s.ReleasesWithKeys(ctx, []string{"pkg:maven/org.x/a"})
	ok(t, err, "ReleasesWithKeys after replace")
	same(t, "releases with a after replace", rels, []core.ReleaseID{rs[1]})

	// Tens of thousands of keys, one of them matching.
	keys := make([]string, 0, 30001)
	for i := range 30000 {
		keys = append(keys, fmt.Sprintf("pkg:npm/k%d", i))
	}
	keys = append(keys, "pkg:maven/org.x/d", "shared")
	rels, err = s.ReleasesWithKeys(ctx, keys)
	ok(t, err, "ReleasesWithKeys(many)")
	same(t, "releases of many keys", rels, []core.ReleaseID{rs[0], rs[1]})
	rels, err = s.ReleasesWithKeys(ctx, nil)
	ok(t, err, "ReleasesWithKeys(nil)")
	if rels == nil || len(rels) != 0 {
		t.Errorf("ReleasesWithKeys(nil) = %v", rels)
	}
	rels, err = s.ReleasesWithSBOM(ctx)
	ok(t, err, "ReleasesWithSBOM")
	same(t, "releases with an SBOM", rels, []core.ReleaseID{rs[0], rs[1]})
	slim, err = s.ListMatchComponents(ctx, rs)
	ok(t, err, "ListMatchComponents of two SBOMs")
	if len(slim) != 2 || len(slim[rs[0]]) != 2 || len(slim[rs[1]]) != 2 || slim[rs[0]][0].Ref != "b" ||
		slim[rs[0]][1].Ref != "d" || slim[rs[1]][0].Ref != "a" || slim[rs[1]][1].Ref != "z" ||
		slim[rs[1]][1].ReleaseID != rs[1] || len(slim[rs[1]][1].CPEs) != 1 {
		t.Errorf("ListMatchComponents of two SBOMs: %v", slim)
	}

	// Control characters and separators in values survive the slim read.
	_, odd := vulnFixture(t, s, 1)
	oddComps := components("p\x1fq", "r", "s")
	oddComps[0].Name, oddComps[1].Supplier, oddComps[2].Type = "x\x1f\x1fy", "\x1f", "t\x1e"
	oddComps[2].CPEs = []string{"cpe:2.3:a:\x1f:b:1:*:*:*:*:*:*:*", "cpe:2.3:a:c:d:*:*:*:*:*:*:*:*"}
	ok(t, s.PutSBOM(ctx, &core.SBOM{ReleaseID: odd[0], Format: "spdx"}, oddComps), "PutSBOM with odd values")
	slim, err = s.ListMatchComponents(ctx, odd)
	ok(t, err, "ListMatchComponents of odd values")
	wantSlim = nil
	for _, c := range oddComps {
		wantSlim = append(wantSlim, &core.Component{ID: c.ID, ReleaseID: c.ReleaseID, Ref: c.Ref, Type: c.Type,
			Group: c.Group, Name: c.Name, Version: c.Version, PURL: c.PURL, CPEs: c.CPEs, Supplier: c.Supplier})
	}
	same(t, "match components with odd values", slim, map[core.ReleaseID][]*core.Component{odd[0]: wantSlim})

	err = s.PutSBOM(ctx, &core.SBOM{ReleaseID: rs[2] + 1000, Format: "spdx"}, components("a"))
	wantErr(t, err, core.KindInvalid, "", "PutSBOM of a missing release")
	err = s.PutSBOM(ctx, &core.SBOM{ReleaseID: rs[2], Data: make([]byte, core.MaxAdvisoryDocSize+1)}, nil)
	wantErr(t, err, core.KindTooLarge, "", "PutSBOM too large")
	if _, err := s.GetSBOM(ctx, rs[2]); !core.IsKind(err, core.KindNotFound) {
		t.Errorf("failed PutSBOM left an SBOM: %v", err)
	}
}

func fnd(ref string, comp core.ComponentID, adv, sev string) *core.Finding {
	return &core.Finding{ComponentID: comp, ComponentRef: ref, ComponentName: ref, ComponentVersion: "1.0",
		PURL: "pkg:maven/org.x/" + ref + "@1.0", AdvisoryID: adv, Aliases: []string{}, Severity: sev,
		FixedVersions: []string{}}
}

func listFindings(t *testing.T, s core.Store, f core.FindingFilter) []*core.Finding {
	t.Helper()
	var all []*core.Finding
	for range 100 {
		p, err := s.ListFindings(t.Context(), f)
		ok(t, err, "ListFindings")
		if p.Findings == nil {
			t.Fatal("ListFindings returned nil Findings")
		}
		all = append(all, p.Findings...)
		if p.Next == 0 {
			n, err := s.CountFindings(t.Context(), f)
			ok(t, err, "CountFindings")
			if n != int64(len(all)) {
				t.Errorf("CountFindings(%+v) = %d, ListFindings gave %d", f, n, len(all))
			}
			return all
		}
		f.After = p.Next
	}
	t.Fatal("too many pages")
	return nil
}

func findingAdvisories(l []*core.Finding) []string {
	out := []string{}
	for _, f := range l {
		out = append(out, f.ComponentRef+"/"+f.AdvisoryID)
	}
	return out
}

func testFindings(t *testing.T, s core.Store) {
	ctx := t.Context()
	modelID, rs := vulnFixture(t, s, 3)
	comps := components("a", "b", "c")
	ok(t, s.PutSBOM(ctx, &core.SBOM{ReleaseID: rs[0], Format: "cyclonedx"}, comps), "PutSBOM")
	due, _ := core.ParseDate("2025-02-03")
	full := fnd("a", comps[0].ID, "GHSA-aaaa", "critical")
	full.CPE, full.Aliases, full.Summary, full.Score, full.Vector = "cpe:2.3:a:x:a", []string{"CVE-2024-1111"}, "bad", 9.8, "CVSS:3.1/AV:N"
	full.FixedVersions, full.KEV, full.KEVDueDate, full.EPSS, full.EPSSPercentile = []string{"1.1", "2.0"}, true, &due, 0.97, 0.999
	full.Evidence = json.RawMessage(`[{"kind":"purl","value":"pkg:maven/org.x/a@1.0"}]`)
	f2 := fnd("b", comps[1].ID, "GHSA-bbbb", "high")
	f2.VEXStatus, f2.VEXJustification = "not_affected", "vulnerable_code_not_present"
	f3 := fnd("", 0, "ICSMA-18-058-02", "medium") // on the release itself
	f3.FixedVersions = []string{"3.0"}
	f4 := fnd("c", comps[2].ID, "GHSA-cccc", "")
	f4.Suppressed = true
	f5 := fnd("a", comps[0].ID, "GHSA-dddd", "low")
	f5.VEXStatus = "affected"
	other := fnd("x", 0, "GHSA-aaaa", "critical")
	ok(t, s.ReplaceFindings(ctx, map[core.ReleaseID][]*core.Finding{rs[0]: {full, f2, f3, f4, f5}, rs[1]: {other}}),
		"ReplaceFindings")
	for _, f := range []*core.Finding{full, f2, f3, f4, f5, other} {
		if f.ID <= 0 || f.ReleaseID == 0 {
			t.Errorf("finding %s: id %d release %d", f.AdvisoryID, f.ID, f.ReleaseID)
		}
		checkStamp(t, "FirstSeen", f.FirstSeen)
		checkStamp(t, "UpdatedAt", f.UpdatedAt)
	}
	if f4.Severity != "unknown" {
		t.Errorf("empty severity became %q, want unknown", f4.Severity)
	}
	all := listFindings(t, s, core.FindingFilter{ReleaseID: rs[0], IncludeSuppressed: true})
	same(t, "stored findings", all, []*core.Finding{full, f2, f3, f4, f5})
	digests := func(what string, want map[core.ReleaseID]string) {
		t.Helper()
		got, err := s.FindingSetDigests(ctx, append(rs, rs[2]+1000))
		ok(t, err, "FindingSetDigests")
		same(t, what, got, want)
	}
	d0 := core.FindingSetDigest([]*core.Finding{f5, f4, f3, f2, full})
	digests("digests after the first replace", map[core.ReleaseID]string{rs[0]: d0,
		rs[1]: core.FindingSetDigest([]*core.Finding{other})})
	if d0 != core.FindingSetDigest(all) {
		t.Errorf("digest of the stored findings differs from the digest of the findings given")
	}

	check := func(name string, f core.FindingFilter, want ...string) {
		t.Helper()
		got := findingAdvisories(listFindings(t, s, f))
		if want == nil {
			want = []string{}
		}
		same(t, name, got, want)
	}
	yes, no := true, false
	check("release", core.FindingFilter{ReleaseID: rs[0]}, "a/GHSA-aaaa", "b/GHSA-bbbb", "/ICSMA-18-058-02", "a/GHSA-dddd")
	check("release, paged", core.FindingFilter{ReleaseID: rs[0], Limit: 1}, "a/GHSA-aaaa", "b/GHSA-bbbb", "/ICSMA-18-058-02", "a/GHSA-dddd")
	check("all releases", core.FindingFilter{Limit: 2}, "a/GHSA-aaaa", "b/GHSA-bbbb", "/ICSMA-18-058-02", "a/GHSA-dddd", "x/GHSA-aaaa")
	check("suppressed included", core.FindingFilter{ReleaseID: rs[0], IncludeSuppressed: true, Severity: []string{"unknown"}}, "c/GHSA-cccc")
	check("severity", core.FindingFilter{ReleaseID: rs[0], Severity: []string{"critical", "low"}}, "a/GHSA-aaaa", "a/GHSA-dddd")
	check("kev", core.FindingFilter{ReleaseID: rs[0], KEV: &yes}, "a/GHSA-aaaa")
	check("not kev", core.FindingFilter{ReleaseID: rs[0], KEV: &no}, "b/GHSA-bbbb", "/ICSMA-18-058-02", "a/GHSA-dddd")
	check("vex none", core.FindingFilter{ReleaseID: rs[0], VEXStatus: []string{core.VEXNone}}, "a/GHSA-aaaa", "/ICSMA-18-058-02")
	check("vex status", core.FindingFilter{ReleaseID: rs[0], VEXStatus: []string{"affected", "not_affected"}}, "b/GHSA-bbbb", "a/GHSA-dddd")
	check("vex none or affected", core.FindingFilter{ReleaseID: rs[0], VEXStatus: []string{"affected", core.VEXNone}}, "a/GHSA-aaaa", "/ICSMA-18-058-02", "a/GHSA-dddd")
	check("fixed available", core.FindingFilter{ReleaseID: rs[0], FixedAvailable: &yes}, "a/GHSA-aaaa", "/ICSMA-18-058-02")
	check("no fix", core.FindingFilter{ReleaseID: rs[0], FixedAvailable: &no}, "b/GHSA-bbbb", "a/GHSA-dddd")
	check("advisory", core.FindingFilter{AdvisoryID: "GHSA-aaaa"}, "a/GHSA-aaaa", "x/GHSA-aaaa")
	check("advisory, not its aliases", core.FindingFilter{AdvisoryID: "CVE-2024-1111"})
	check("component", core.FindingFilter{ComponentID: comps[0].ID}, "a/GHSA-aaaa", "a/GHSA-dddd")
	check("release 2", core.FindingFilter{ReleaseID: rs[1]}, "x/GHSA-aaaa")
	check("release 3", core.FindingFilter{ReleaseID: rs[2]})

	dev := &core.Device{AssetTag: "VULN-1", ModelID: modelID, ReleaseID: rs[0], Lifecycle: core.LifecycleActive}
	ok(t, s.CreateDevice(ctx, dev), "create device")
	bare := &core.Device{AssetTag: "VULN-2", ModelID: modelID, Lifecycle: core.LifecycleActive}
	ok(t, s.CreateDevice(ctx, bare), "create device")
	check("device", core.FindingFilter{DeviceID: dev.ID, Severity: []string{"critical", "high"}}, "a/GHSA-aaaa", "b/GHSA-bbbb")
	check("device without release", core.FindingFilter{DeviceID: bare.ID})
	check("missing device", core.FindingFilter{DeviceID: dev.ID + 1000})

	p, err := s.ListFindings(ctx, core.FindingFilter{ReleaseID: rs[0], Limit: 4})
	ok(t, err, "ListFindings(limit 4)")
	if len(p.Findings) != 4 || p.Next != 0 {
		t.Errorf("exact last page: %d findings, next %d; want 4, 0", len(p.Findings), p.Next)
	}
	_, err = s.ListFindings(ctx, core.FindingFilter{Limit: -1})
	wantErr(t, err, core.KindInvalid, "limit", "negative limit")

	t.Run("Replace", func(t *testing.T) {
		time.Sleep(2 * time.Millisecond) // so that a new stamp differs
		keep := *full
		keep.ID, keep.FirstSeen, keep.UpdatedAt = 0, time.Time{}, time.Time{}
		changed := *f2
		changed.ID, changed.Severity = 0, "critical"
		fresh := fnd("b", comps[1].ID, "GHSA-eeee", "high")
		ok(t, s.ReplaceFindings(ctx, map[core.ReleaseID][]*core.Finding{rs[0]: {&changed, fresh, &keep}}), "ReplaceFindings again")
		if keep.ID != full.ID || !keep.FirstSeen.Equal(full.FirstSeen) || !keep.UpdatedAt.Equal(full.UpdatedAt) {
			t.Errorf("unchanged finding: id %d first %v updated %v; want %d %v %v", keep.ID, keep.FirstSeen,
				keep.UpdatedAt, full.ID, full.FirstSeen, full.UpdatedAt)
		}
		if changed.ID != f2.ID || !changed.FirstSeen.Equal(f2.FirstSeen) || !changed.UpdatedAt.After(f2.UpdatedAt) {
			t.Errorf("changed finding: id %d first %v updated %v; want %d %v, later than %v", changed.ID,
				changed.FirstSeen, changed.UpdatedAt, f2.ID, f2.FirstSeen, f2.UpdatedAt)
		}
		if fresh.ID <= other.ID {
			t.Errorf("new finding id %d, want above %d", fresh.ID, other.ID)
		}
		got := listFindings(t, s, core.FindingFilter{ReleaseID: rs[0], IncludeSuppressed: true})
		same(t, "findings after replace", got, []*core.Finding{&keep, &changed, fresh})
		check("release 2 untouched", core.FindingFilter{ReleaseID: rs[1]}, "x/GHSA-aaaa")
		d1 := core.FindingSetDigest([]*core.Finding{fresh, &keep, &changed})
		if d1 == d0 {
			t.Error("the digest did not change with the findings")
		}
		digests("digests after replace", map[core.ReleaseID]string{rs[0]: d1,
			rs[1]: core.FindingSetDigest([]*core.Finding{other})})

		err := s.ReplaceFindings(ctx, map[core.ReleaseID][]*core.Finding{rs[0]: {fnd("a", 0, "X-1", "low"), fnd("a", 0, "X-1", "high")}})
		wantErr(t, err, core.KindInvalid, "findings", "two findings with one key")
		err = s.ReplaceFindings(ctx, map[core.ReleaseID][]*core.Finding{rs[0]: {{ComponentRef: "a"}}})
		wantErr(t, err, core.KindInvalid, "advisory_id", "finding without advisory")
		bad := fnd("a", 0, "X-2", "low")
		bad.Evidence = json.RawMessage(`{`)
		err = s.ReplaceFindings(ctx, map[core.ReleaseID][]*core.Finding{rs[0]: {bad}})
		wantErr(t, err, core.KindInvalid, "evidence", "finding with broken evidence")
		err = s.ReplaceFindings(ctx, map[core.ReleaseID][]*core.Finding{rs[2] + 1000: {fnd("a", 0, "X-3", "low")}})
		wantErr(t, err, core.KindInvalid, "", "findings of a missing release")
		check("failed replaces wrote nothing", core.FindingFilter{ReleaseID: rs[0], IncludeSuppressed: true},
			"a/GHSA-aaaa", "b/GHSA-bbbb", "b/GHSA-eeee")
		digests("failed replaces kept the digests", map[core.ReleaseID]string{rs[0]: d1,
			rs[1]: core.FindingSetDigest([]*core.Finding{other})})

		// A new SBOM leaves the findings, without their components.
		ok(t, s.PutSBOM(ctx, &core.SBOM{ReleaseID: rs[0], Format: "cyclonedx"}, components("a", "b")), "PutSBOM replace")
		got = listFindings(t, s, core.FindingFilter{ReleaseID: rs[0]})
		if len(got) != 3 || got[0].ComponentID != 0 || got[0].ID != full.ID {
			t.Errorf("findings after SBOM replace: %+v", got)
		}

		ok(t, s.ReplaceFindings(ctx, map[core.ReleaseID][]*core.Finding{rs[1]: {}}), "ReplaceFindings(empty)")
		check("release 2 emptied", core.FindingFilter{ReleaseID: rs[1]})
		// A new SBOM forgets the digest; an empty list has one.
		digests("digests after SBOM replace and emptying", map[core.ReleaseID]string{rs[1]: core.FindingSetDigest(nil)})
		ok(t, s.ReplaceFindings(ctx, map[core.ReleaseID][]*core.Finding{rs[2] + 1000: {}}),
			"ReplaceFindings(empty) of a missing release")
		digests("no digest for a missing release", map[core.ReleaseID]string{rs[1]: core.FindingSetDigest(nil)})
		ok(t, s.ReplaceFindings(ctx, nil), "ReplaceFindings(nil)")
	})

	t.Run("Concurrent", func(t *testing.T) {
		// Writers of one release queue rather than clash.
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for i := range 4 {
			wg.Go(func() {
				for j := range 4 {
					m := map[core.ReleaseID][]*core.Finding{rs[2]: {
						fnd("a", 0, "C-1", "low"), fnd("a", 0, fmt.Sprintf("C-%d-%d", i, j), "high")}}
					if err := s.ReplaceFindings(ctx, m); err != nil {
						errs <- err
						return
					}
					if err := s.PutSBOM(ctx, &core.SBOM{ReleaseID: rs[2], Format: "spdx"}, components("a")); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent write: %v", err)
		}
		if n, err := s.CountFindings(ctx, core.FindingFilter{ReleaseID: rs[2]}); err != nil || n != 2 {
			t.Errorf("findings after concurrent replaces: %d, %v; want 2", n, err)
		}
	})

	t.Run("DeleteRelease", func(t *testing.T) {
		err := s.DeleteRelease(ctx, rs[0])
		wantErr(t, err, core.KindConflict, "", "delete a release a device runs")
		ok(t, s.DeleteDevice(ctx, dev.ID), "delete device")
		ok(t, s.ReplaceFindings(ctx, map[core.ReleaseID][]*core.Finding{rs[0]: {fnd("a", 0, "D-1", "low")}}),
			"ReplaceFindings before delete")
		if d, err := s.FindingSetDigests(ctx, rs[:1]); err != nil || len(d) != 1 {
			t.Fatalf("FindingSetDigests before delete = %v, %v", d, err)
		}
		ok(t, s.DeleteRelease(ctx, rs[0]), "delete release with SBOM and findings")
		_, err = s.GetSBOM(ctx, rs[0])
		wantErr(t, err, core.KindNotFound, "", "SBOM of a deleted release")
		check("findings of a deleted release", core.FindingFilter{ReleaseID: rs[0], IncludeSuppressed: true})
		if d, err := s.FindingSetDigests(ctx, rs[:1]); err != nil || len(d) != 0 {
			t.Errorf("FindingSetDigests of a deleted release = %v, %v; want none", d, err)
		}
		if l, err := s.ListComponents(ctx, rs[0]); err != nil || len(l) != 0 {
			t.Errorf("components of a deleted release: %v, %v", l, err)
		}
		rels, err := s.ReleasesWithKeys(ctx, []string{"shared"})
		ok(t, err, "ReleasesWithKeys")
		if slices.Contains(rels, rs[0]) {
			t.Errorf("ReleasesWithKeys after delete = %v, has %d", rels, rs[0])
		}
		rels, err = s.ReleasesWithSBOM(ctx)
		ok(t, err, "ReleasesWithSBOM")
		if slices.Contains(rels, rs[0]) {
			t.Errorf("ReleasesWithSBOM after delete = %v; want %d gone", rels, rs[0])
		}
	})
}

// BenchReplaceFindings replaces the findings of 1,000 releases of 50
// findings each (50,000 findings) per operation, in three shapes: nothing
// changed (read and compare only), a typical recompute (per release 5
// findings gone, 5 new, 5 with new EPSS scores), every finding new (all
// 50,000 deleted and inserted), and a first computation (the releases have
// no findings yet). It reports findings/s.
func BenchReplaceFindings(b *testing.B, s core.Store) {
	const perRelease = 50
	_, rs := vulnFixture(b, s, 1000)
	due, _ := core.ParseDate("2025-06-01")
	mk := func(gen int, churn, all bool) map[core.ReleaseID][]*core.Finding {
		m := make(map[core.ReleaseID][]*core.Finding, len(rs))
		for _, r := range rs {
			fs := make([]*core.Finding, perRelease)
			for k := range fs {
				adv := fmt.Sprintf("GHSA-%04d-0000", k)
				epss := 0.01
				switch {
				case all:
					adv = fmt.Sprintf("GHSA-%04d-%04d", k, gen)
				case churn && k < 5:
					adv = fmt.Sprintf("GHSA-%04d-%04d", k, gen)
				case churn && k < 10:
					epss = float64(gen%100) / 100
				}
				f := &core.Finding{ComponentRef: fmt.Sprintf("pkg:maven/org.example/lib-%d@1.%d", k, k),
					ComponentName: fmt.Sprintf("lib-%d", k), ComponentVersion: fmt.Sprintf("1.%d", k),
					PURL: fmt.Sprintf("pkg:maven/org.example/lib-%d@1.%d", k, k), AdvisoryID: adv,
					Aliases: []string{"CVE-2024-" + fmt.Sprint(10000+k)}, Summary: "Remote code execution in lib",
					Severity: core.Severities[k%4], Score: 7.5, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
					FixedVersions: []string{"2.0.0"}, EPSS: epss, EPSSPercentile: 0.5,
					Evidence: json.RawMessage(`[{"kind":"purl","detail":"version 1.2 < 2.0.0"}]`)}
				if k%10 == 0 {
					f.KEV, f.KEVDueDate = true, &due
				}
				fs[k] = f
			}
			m[r] = fs
		}
		return m
	}
	for _, c := range []struct {
		name       string
		churn, all bool
		empty      bool // start each operation from no findings
	}{{"unchanged", false, false, false}, {"churn-10pct", true, false, false}, {"all-new", false, true, false},
		{"first", false, true, true}} {
		b.Run(c.name, func(b *testing.B) {
			ctx := b.Context()
			gen := 0
			if err := s.ReplaceFindings(ctx, mk(gen, c.churn, c.all)); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				gen++
				b.StopTimer()
				m := mk(gen, c.churn, c.all)
				if c.empty {
					none := make(map[core.ReleaseID][]*core.Finding, len(rs))
					for _, r := range rs {
						none[r] = nil
					}
					if err := s.ReplaceFindings(ctx, none); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				if err := s.ReplaceFindings(ctx, m); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(rs)*perRelease)/b.Elapsed().Seconds(), "findings/s")
		})
	}
}

// MatchPackFallback checks that ListMatchComponents gives the same answer
// from the component rows as from the packed copy on the SBOM row, as it
// must for SBOMs stored before the pack existed. dropPacks clears the packs
// (sets sboms.match_pack to NULL) behind the store's back.
func MatchPackFallback(t *testing.T, s core.Store, dropPacks func(t *testing.T)) {
	ctx := t.Context()
	_, rs := vulnFixture(t, s, 3)
	ok(t, s.PutSBOM(ctx, &core.SBOM{ReleaseID: rs[0], Format: "cyclonedx"}, components("a", "b", "c")), "PutSBOM 1")
	ok(t, s.PutSBOM(ctx, &core.SBOM{ReleaseID: rs[1], Format: "spdx"}, components("z")), "PutSBOM 2")
	ok(t, s.PutSBOM(ctx, &core.SBOM{ReleaseID: rs[2], Format: "spdx"}, nil), "PutSBOM 3, empty")
	packed, err := s.ListMatchComponents(ctx, rs)
	ok(t, err, "ListMatchComponents from packs")
	if len(packed[rs[0]]) != 3 || len(packed[rs[1]]) != 1 || len(packed) != 2 {
		t.Fatalf("from packs: %d releases, %d and %d components", len(packed), len(packed[rs[0]]), len(packed[rs[1]]))
	}
	dropPacks(t)
	rows, err := s.ListMatchComponents(ctx, rs)
	ok(t, err, "ListMatchComponents from rows")
	same(t, "components from rows", rows, packed)
	// A new SBOM brings its pack back.
	ok(t, s.PutSBOM(ctx, &core.SBOM{ReleaseID: rs[1], Format: "spdx"}, components("y", "z")), "PutSBOM 2 again")
	again, err := s.ListMatchComponents(ctx, rs[1:2])
	ok(t, err, "ListMatchComponents after a new SBOM")
	if l := again[rs[1]]; len(l) != 2 || l[0].Ref != "y" || l[1].Ref != "z" {
		t.Errorf("after a new SBOM: %+v", l)
	}
}
