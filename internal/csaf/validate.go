package csaf

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	gocsaf "github.com/gocsaf/csaf/v3/csaf"
)

// Problem is one reason a document is not valid CSAF 2.0.
type Problem struct {
	Test    string // "schema", or the spec's test id: "6.1.1", "6.1.27.3" …
	Path    string // JSON pointer, e.g. "/vulnerabilities/0/product_status/fixed/1"
	Message string
}

// String formats the problem as "test path: message".
func (p Problem) String() string {
	return p.Test + " " + pathOrRoot(p.Path) + ": " + p.Message
}

// schemaLine splits a gocsaf schema message "path: text" — its paths are
// JSON pointers already.
var schemaLine = regexp.MustCompile(`^(/[^:]*|):\s*(.*)$`)

// Validate decodes b, runs the CSAF 2.0 JSON schema (csaf.ValidateCSAF) and
// every mandatory test of spec section 6.1 (see CheckMandatory), and returns
// all problems found, schema ones first. A document with any problem is
// invalid. Unknown fields are left to the schema, which forbids them.
//
// The error is only for unusable input: not JSON, too large or too deep, or
// values of a type the Go types cannot hold (those are also schema
// violations; the document is then returned as nil).
func Validate(b []byte) (*Document, []Problem, error) {
	generic, err := parseGeneric(b)
	if err != nil {
		return nil, nil, err
	}
	var problems []Problem
	msgs, err := gocsaf.ValidateCSAF(generic)
	if err != nil {
		return nil, nil, fmt.Errorf("csaf: schema validation: %w", err)
	}
	for _, m := range msgs {
		p := Problem{Test: "schema", Message: m}
		if sm := schemaLine.FindStringSubmatch(m); sm != nil {
			p.Path, p.Message = sm[1], sm[2]
		}
		problems = append(problems, p)
	}
	d, _, err := decodeGeneric(b, generic)
	if err != nil {
		return nil, problems, err
	}
	return d, append(problems, CheckMandatory(d)...), nil
}

// CheckMandatory runs the mandatory tests 6.1.1 to 6.1.33 of CSAF 2.0 on a
// decoded document. It assumes nothing the schema guarantees, so it is safe
// on any Document, but its findings are only complete together with the
// schema (Validate).
func CheckMandatory(d *Document) []Problem {
	c := &checker{d: d}
	c.run()
	return c.problems
}

type checker struct {
	d        *Document
	problems []Problem
}

func (c *checker) add(test, path, msg string) {
	c.problems = append(c.problems, Problem{Test: test, Path: path, Message: msg})
}

// The profiles of CSAF 2.0 section 4.
const (
	catBase             = "csaf_base"
	catIncidentResponse = "csaf_security_incident_response"
	catInformational    = "csaf_informational_advisory"
	catSecurityAdvisory = "csaf_security_advisory"
	catVEX              = "csaf_vex"
)

// productRef is one place a product id is used.
type productRef struct{ id, path string }

// productDefs returns each product id definition with its path, in document
// order.
func (d *Document) productDefs() []productRef {
	var out []productRef
	var walk func(bs []Branch, path string, depth int)
	walk = func(bs []Branch, path string, depth int) {
		for i, b := range bs {
			p := fmt.Sprintf("%s/%d", path, i)
			if b.Product != nil {
				out = append(out, productRef{b.Product.ProductID, p + "/product/product_id"})
			}
			if depth < MaxDepth {
				walk(b.Branches, p+"/branches", depth+1)
			}
		}
	}
	walk(d.ProductTree.Branches, "/product_tree/branches", 0)
	for i, f := range d.ProductTree.FullProductNames {
		out = append(out, productRef{f.ProductID, fmt.Sprintf("/product_tree/full_product_names/%d/product_id", i)})
	}
	for i, r := range d.ProductTree.Relationships {
		out = append(out, productRef{r.FullProductName.ProductID, fmt.Sprintf("/product_tree/relationships/%d/full_product_name/product_id", i)})
	}
	return out
}

func refs(ids []string, path string) []productRef {
	out := make([]productRef, len(ids))
	for i, id := range ids {
		out[i] = productRef{id, fmt.Sprintf("%s/%d", path, i)}
	}
	return out
}

// statusBuckets lists a vulnerability's product_status buckets with their
// JSON names.
func statusBuckets(s *ProductStatus) []struct {
	name string
	ids  []string
} {
	return []struct {
		name string
		ids  []string
	}{
		{"first_affected", s.FirstAffected}, {"first_fixed", s.FirstFixed}, {"fixed", s.Fixed},
		{"known_affected", s.KnownAffected}, {"known_not_affected", s.KnownNotAffected},
		{"last_affected", s.LastAffected}, {"recommended", s.Recommended},
		{"under_investigation", s.UnderInvestigation},
	}
}

// productUses returns every product id reference of the document (test
// 6.1.1's list of places).
func (d *Document) productUses() []productRef {
	var out []productRef
	for i, g := range d.ProductTree.ProductGroups {
		out = append(out, refs(g.ProductIDs, fmt.Sprintf("/product_tree/product_groups/%d/product_ids", i))...)
	}
	for i, r := range d.ProductTree.Relationships {
		p := fmt.Sprintf("/product_tree/relationships/%d/", i)
		out = append(out, productRef{r.ProductReference, p + "product_reference"}, productRef{r.RelatesToProductReference, p + "relates_to_product_reference"})
	}
	for i := range d.Vulnerabilities {
		v := &d.Vulnerabilities[i]
		p := fmt.Sprintf("/vulnerabilities/%d/", i)
		for _, b := range statusBuckets(&v.ProductStatus) {
			out = append(out, refs(b.ids, p+"product_status/"+b.name)...)
		}
		for j, s := range v.Scores {
			out = append(out, refs(s.Products, fmt.Sprintf("%sscores/%d/products", p, j))...)
		}
		for j, r := range v.Remediations {
			out = append(out, refs(r.ProductIDs, fmt.Sprintf("%sremediations/%d/product_ids", p, j))...)
		}
		for j, t := range v.Threats {
			out = append(out, refs(t.ProductIDs, fmt.Sprintf("%sthreats/%d/product_ids", p, j))...)
		}
		for j, f := range v.Flags {
			out = append(out, refs(f.ProductIDs, fmt.Sprintf("%sflags/%d/product_ids", p, j))...)
		}
	}
	return out
}

// groupUses returns every product group id reference.
func (d *Document) groupUses() []productRef {
	var out []productRef
	for i := range d.Vulnerabilities {
		v := &d.Vulnerabilities[i]
		p := fmt.Sprintf("/vulnerabilities/%d/", i)
		for j, r := range v.Remediations {
			out = append(out, refs(r.GroupIDs, fmt.Sprintf("%sremediations/%d/group_ids", p, j))...)
		}
		for j, t := range v.Threats {
			out = append(out, refs(t.GroupIDs, fmt.Sprintf("%sthreats/%d/group_ids", p, j))...)
		}
		for j, f := range v.Flags {
			out = append(out, refs(f.GroupIDs, fmt.Sprintf("%sflags/%d/group_ids", p, j))...)
		}
	}
	return out
}

func (c *checker) run() {
	d := c.d
	defs := d.productDefs()
	defined := map[string]string{}
	for _, r := range defs {
		if first, dup := defined[r.id]; dup {
			c.add("6.1.2", r.path, fmt.Sprintf("product id %q is already defined at %s", r.id, first))
			continue
		}
		defined[r.id] = r.path
	}
	for _, r := range d.productUses() {
		if _, ok := defined[r.id]; !ok {
			c.add("6.1.1", r.path, fmt.Sprintf("product id %q is not defined", r.id))
		}
	}
	c.circular()
	groups := map[string]string{}
	for i, g := range d.ProductTree.ProductGroups {
		p := fmt.Sprintf("/product_tree/product_groups/%d/group_id", i)
		if first, dup := groups[g.GroupID]; dup {
			c.add("6.1.5", p, fmt.Sprintf("product group id %q is already defined at %s", g.GroupID, first))
			continue
		}
		groups[g.GroupID] = p
	}
	for _, r := range d.groupUses() {
		if _, ok := groups[r.id]; !ok {
			c.add("6.1.4", r.path, fmt.Sprintf("product group id %q is not defined", r.id))
		}
	}
	for i := range d.Vulnerabilities {
		c.vulnerability(i)
	}
	c.cves()
	c.lang()
	c.purls()
	c.tracking()
	c.hashes()
	c.category()
	c.profiles()
	c.versionRanges()
}

// circular is test 6.1.3: a product defined by a relationship must not
// reference itself, directly or through other relationships. A product id
// does so exactly when it lies on a cycle of the reference graph, that is in
// a strongly connected component with more than one id or with an edge to
// itself; the components come from one pass of Tarjan's algorithm, so the
// test is linear in the number of relationships.
func (c *checker) circular() {
	rels := c.d.ProductTree.Relationships
	edges := map[string][]string{}
	for _, r := range rels {
		id := r.FullProductName.ProductID
		edges[id] = append(edges[id], r.ProductReference, r.RelatesToProductReference)
	}
	onCycle := cyclicNodes(edges)
	for i, r := range rels {
		if id := r.FullProductName.ProductID; onCycle[id] {
			c.add("6.1.3", fmt.Sprintf("/product_tree/relationships/%d/full_product_name/product_id", i),
				fmt.Sprintf("product id %q is defined by a relationship that references itself", id))
		}
	}
}

// cyclicNodes returns the nodes of the graph that lie on a cycle, using an
// iterative Tarjan's strongly-connected-components algorithm.
func cyclicNodes(edges map[string][]string) map[string]bool {
	type frame struct {
		id   string
		next int // index of the next edge of id to follow
	}
	index := map[string]int{} // discovery order, from 1
	low := map[string]int{}
	onStack := map[string]bool{}
	var stack []string
	cyclic := map[string]bool{}
	for root := range edges {
		if index[root] != 0 {
			continue
		}
		index[root], low[root] = len(index)+1, len(index)+1
		stack, onStack[root] = append(stack, root), true
		call := []frame{{id: root}}
		for len(call) > 0 {
			f := &call[len(call)-1]
			if out := edges[f.id]; f.next < len(out) {
				w := out[f.next]
				f.next++
				if w == f.id {
					cyclic[w] = true
				}
				switch {
				case index[w] == 0:
					index[w], low[w] = len(index)+1, len(index)+1
					stack, onStack[w] = append(stack, w), true
					call = append(call, frame{id: w})
				case onStack[w]:
					low[f.id] = min(low[f.id], index[w])
				}
				continue
			}
			v := f.id
			call = call[:len(call)-1]
			if len(call) > 0 {
				parent := call[len(call)-1].id
				low[parent] = min(low[parent], low[v])
			}
			if low[v] != index[v] {
				continue
			}
			// v is the root of a component: pop it.
			n := len(stack) - 1
			for stack[n] != v {
				n--
			}
			comp := stack[n:]
			stack = stack[:n]
			for _, w := range comp {
				onStack[w] = false
				if len(comp) > 1 {
					cyclic[w] = true
				}
			}
		}
	}
	return cyclic
}

// Expand returns productIDs plus the members of the groups, deduplicated,
// in order. Unknown group ids add nothing.
func (d *Document) Expand(productIDs, groupIDs []string) []string {
	seen := map[string]bool{}
	var out []string
	addID := func(id string) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, id := range productIDs {
		addID(id)
	}
	for _, g := range groupIDs {
		for _, pg := range d.ProductTree.ProductGroups {
			if pg.GroupID == g {
				for _, id := range pg.ProductIDs {
					addID(id)
				}
			}
		}
	}
	return out
}

// vulnerability runs the per-vulnerability tests.
func (c *checker) vulnerability(i int) {
	v := &c.d.Vulnerabilities[i]
	p := fmt.Sprintf("/vulnerabilities/%d", i)

	// 6.1.6: a product may be in one of the groups affected, not affected,
	// fixed and under investigation only.
	group := map[string]string{
		"first_affected": "affected", "known_affected": "affected", "last_affected": "affected",
		"known_not_affected": "not affected", "first_fixed": "fixed", "fixed": "fixed",
		"under_investigation": "under investigation",
	}
	in := map[string]string{}
	for _, b := range statusBuckets(&v.ProductStatus) {
		g, ok := group[b.name]
		if !ok {
			continue
		}
		for j, id := range b.ids {
			if prev, ok := in[id]; ok && prev != g {
				c.add("6.1.6", fmt.Sprintf("%s/product_status/%s/%d", p, b.name, j),
					fmt.Sprintf("product %q is both %s and %s", id, prev, g))
				continue
			}
			in[id] = g
		}
	}

	// 6.1.7: one score per CVSS version per product.
	seen := map[string]bool{}
	for j, s := range v.Scores {
		var vers []string
		if s.CVSSv2 != nil {
			vers = append(vers, "2:"+s.CVSSv2.Version)
		}
		if s.CVSSv3 != nil {
			vers = append(vers, "3:"+s.CVSSv3.Version)
		}
		for k, id := range s.Products {
			for _, ver := range vers {
				key := ver + "\x00" + id
				if seen[key] {
					c.add("6.1.7", fmt.Sprintf("%s/scores/%d/products/%d", p, j, k),
						fmt.Sprintf("product %q has more than one CVSS %s score", id, ver[2:]))
				}
				seen[key] = true
			}
		}
		if s.CVSSv3 != nil {
			checkCVSS(s.CVSSv3, true, fmt.Sprintf("%s/scores/%d/cvss_v3", p, j), c.add)
		}
		if s.CVSSv2 != nil {
			checkCVSS(s.CVSSv2, false, fmt.Sprintf("%s/scores/%d/cvss_v2", p, j), c.add)
		}
	}

	// 6.1.11: CWE id and name agree with the CWE list.
	if v.CWE != nil {
		if names, ok := cweNames[v.CWE.ID]; ok && !slices.Contains(names, v.CWE.Name) {
			c.add("6.1.11", p+"/cwe/name", fmt.Sprintf("%s is named %q, not %q", v.CWE.ID, names[0], v.CWE.Name))
		}
	}

	// 6.1.24: one involvement per party and date.
	inv := map[string]bool{}
	for j, x := range v.Involvements {
		key := x.Party + "\x00" + x.Date.String()
		if inv[key] {
			c.add("6.1.24", fmt.Sprintf("%s/involvements/%d", p, j), fmt.Sprintf("party %q already has an involvement dated %s", x.Party, x.Date.Format("2006-01-02T15:04:05Z07:00")))
		}
		inv[key] = true
	}

	// 6.1.29 and 6.1.32: remediations and flags must name products.
	for j, r := range v.Remediations {
		if len(r.ProductIDs) == 0 && len(r.GroupIDs) == 0 {
			c.add("6.1.29", fmt.Sprintf("%s/remediations/%d", p, j), "remediation names neither product_ids nor group_ids")
		}
	}
	flagged := map[string]bool{}
	for j, f := range v.Flags {
		fp := fmt.Sprintf("%s/flags/%d", p, j)
		if len(f.ProductIDs) == 0 && len(f.GroupIDs) == 0 {
			c.add("6.1.32", fp, "flag names neither product_ids nor group_ids")
		}
		// 6.1.33: at most one VEX justification flag per product.
		for _, id := range c.d.Expand(f.ProductIDs, f.GroupIDs) {
			if flagged[id] {
				c.add("6.1.33", fp, fmt.Sprintf("product %q already has a VEX justification flag", id))
			}
			flagged[id] = true
		}
	}
}

// cves is test 6.1.23: a CVE id names one vulnerability only.
func (c *checker) cves() {
	seen := map[string]int{}
	for i, v := range c.d.Vulnerabilities {
		if v.CVE == "" {
			continue
		}
		if j, dup := seen[v.CVE]; dup {
			c.add("6.1.23", fmt.Sprintf("/vulnerabilities/%d/cve", i), fmt.Sprintf("%s is already used by /vulnerabilities/%d", v.CVE, j))
			continue
		}
		seen[v.CVE] = i
	}
}

// lang is tests 6.1.12 (valid language tags), 6.1.15 (translator needs a
// source language) and 6.1.28 (a translation differs from its source).
func (c *checker) lang() {
	d := c.d
	if d.Lang != "" {
		if why := checkLang(d.Lang); why != "" {
			c.add("6.1.12", "/document/lang", fmt.Sprintf("%q %s", d.Lang, why))
		}
	}
	if d.SourceLang != "" {
		if why := checkLang(d.SourceLang); why != "" {
			c.add("6.1.12", "/document/source_lang", fmt.Sprintf("%q %s", d.SourceLang, why))
		}
	}
	if d.Publisher.Category == "translator" && d.SourceLang == "" {
		c.add("6.1.15", "/document/source_lang", "a document published by a translator needs source_lang")
	}
	if d.Lang != "" && strings.EqualFold(d.Lang, d.SourceLang) {
		c.add("6.1.28", "/document/lang", fmt.Sprintf("lang and source_lang are both %q", d.Lang))
	}
}

// hashes is test 6.1.25: one hash per algorithm per file.
func (c *checker) hashes() {
	check := func(h *ProductIdentificationHelper, path string) {
		if h == nil {
			return
		}
		for i, fh := range h.Hashes {
			seen := map[string]bool{}
			for j, x := range fh.FileHashes {
				a := strings.ToLower(x.Algorithm)
				if seen[a] {
					c.add("6.1.25", fmt.Sprintf("%s/product_identification_helper/hashes/%d/file_hashes/%d", path, i, j),
						fmt.Sprintf("algorithm %s is used more than once for file %q", x.Algorithm, fh.Filename))
				}
				seen[a] = true
			}
		}
	}
	c.eachProduct(func(f *FullProductName, path string) {
		check(f.Helper, path)
	})
}

// eachProduct calls fn for every full product name with its path.
func (c *checker) eachProduct(fn func(f *FullProductName, path string)) {
	var walk func(bs []Branch, path string, depth int)
	walk = func(bs []Branch, path string, depth int) {
		for i := range bs {
			p := fmt.Sprintf("%s/%d", path, i)
			if bs[i].Product != nil {
				fn(bs[i].Product, p+"/product")
			}
			if depth < MaxDepth {
				walk(bs[i].Branches, p+"/branches", depth+1)
			}
		}
	}
	pt := &c.d.ProductTree
	walk(pt.Branches, "/product_tree/branches", 0)
	for i := range pt.FullProductNames {
		fn(&pt.FullProductNames[i], fmt.Sprintf("/product_tree/full_product_names/%d", i))
	}
	for i := range pt.Relationships {
		fn(&pt.Relationships[i].FullProductName, fmt.Sprintf("/product_tree/relationships/%d/full_product_name", i))
	}
}

// category is test 6.1.26: a document category outside the profiles must
// not look like one of them nor use the reserved csaf_ prefix.
func (c *checker) category() {
	cat := c.d.Category
	switch cat {
	case catBase, catIncidentResponse, catInformational, catSecurityAdvisory, catVEX:
		return
	}
	if strings.HasPrefix(strings.ToLower(cat), "csaf_") {
		c.add("6.1.26", "/document/category", fmt.Sprintf("category %q uses the reserved prefix csaf_", cat))
		return
	}
	norm := strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, strings.ToLower(cat))
	switch norm {
	case "securityincidentresponse", "informationaladvisory", "securityadvisory", "vex",
		"csafsecurityincidentresponse", "csafinformationaladvisory", "csafsecurityadvisory", "csafvex":
		c.add("6.1.26", "/document/category", fmt.Sprintf("category %q is too close to a CSAF profile name", cat))
	}
}

// profiles runs tests 6.1.27.1 to 6.1.27.11 for the profile of the
// document's category.
func (c *checker) profiles() {
	d := c.d
	cat := d.Category
	if cat == catInformational || cat == catIncidentResponse {
		ok := false
		for _, n := range d.Notes {
			switch n.Category {
			case "description", "details", "general", "summary":
				ok = true
			}
		}
		if !ok {
			c.add("6.1.27.1", "/document/notes", "the profile needs a document note of category description, details, general or summary")
		}
		ok = false
		for _, r := range d.References {
			if r.Category == "external" || r.Category == "" { // external is the default
				ok = true
			}
		}
		if !ok {
			c.add("6.1.27.2", "/document/references", "the profile needs a document reference of category external")
		}
	}
	if cat == catInformational && len(d.Vulnerabilities) > 0 {
		c.add("6.1.27.3", "/vulnerabilities", "an informational advisory must not list vulnerabilities")
	}
	if cat != catSecurityAdvisory && cat != catVEX {
		return
	}
	if !d.hasProductTree {
		c.add("6.1.27.4", "/product_tree", "the profile needs a product tree")
	}
	if len(d.Vulnerabilities) == 0 {
		c.add("6.1.27.11", "/vulnerabilities", "the profile needs at least one vulnerability")
	}
	for i := range d.Vulnerabilities {
		v := &d.Vulnerabilities[i]
		p := fmt.Sprintf("/vulnerabilities/%d", i)
		if len(v.Notes) == 0 {
			c.add("6.1.27.5", p+"/notes", "the profile needs notes on every vulnerability")
		}
		if cat == catSecurityAdvisory && !v.hasProductStatus {
			c.add("6.1.27.6", p+"/product_status", "the profile needs a product status on every vulnerability")
		}
		if cat != catVEX {
			continue
		}
		s := &v.ProductStatus
		if len(s.Fixed) == 0 && len(s.KnownAffected) == 0 && len(s.KnownNotAffected) == 0 && len(s.UnderInvestigation) == 0 {
			c.add("6.1.27.7", p+"/product_status", "a VEX vulnerability needs fixed, known_affected, known_not_affected or under_investigation")
		}
		if v.CVE == "" && len(v.IDs) == 0 {
			c.add("6.1.27.8", p, "a VEX vulnerability needs a cve or ids")
		}
		// 6.1.27.9: every known_not_affected product needs an impact statement.
		explained := map[string]bool{}
		for _, f := range v.Flags {
			for _, id := range d.Expand(f.ProductIDs, f.GroupIDs) {
				explained[id] = true
			}
		}
		for _, t := range v.Threats {
			if t.Category == "impact" {
				for _, id := range d.Expand(t.ProductIDs, t.GroupIDs) {
					explained[id] = true
				}
			}
		}
		for j, id := range s.KnownNotAffected {
			if !explained[id] {
				c.add("6.1.27.9", fmt.Sprintf("%s/product_status/known_not_affected/%d", p, j), fmt.Sprintf("product %q has no impact statement (flag or impact threat)", id))
			}
		}
		// 6.1.27.10: every known_affected product needs an action statement.
		acted := map[string]bool{}
		for _, r := range v.Remediations {
			for _, id := range d.Expand(r.ProductIDs, r.GroupIDs) {
				acted[id] = true
			}
		}
		for j, id := range s.KnownAffected {
			if !acted[id] {
				c.add("6.1.27.10", fmt.Sprintf("%s/product_status/known_affected/%d", p, j), fmt.Sprintf("product %q has no action statement (remediation)", id))
			}
		}
	}
}

// versionRanges is test 6.1.31: a product_version branch names one version,
// never a range.
func (c *checker) versionRanges() {
	var walk func(bs []Branch, path string, depth int)
	walk = func(bs []Branch, path string, depth int) {
		for i, b := range bs {
			p := fmt.Sprintf("%s/%d", path, i)
			if b.Category == "product_version" && looksLikeRange(b.Name) {
				c.add("6.1.31", p+"/name", fmt.Sprintf("product_version %q holds a version range; use product_version_range", b.Name))
			}
			if depth < MaxDepth {
				walk(b.Branches, p+"/branches", depth+1)
			}
		}
	}
	walk(c.d.ProductTree.Branches, "/product_tree/branches", 0)
}

// looksLikeRange applies the keyword list of test 6.1.31: the characters <
// and >, or one of the words, case-insensitive, delimited by whitespace (so
// "after-eight" is a name, not a range).
func looksLikeRange(s string) bool {
	if strings.ContainsAny(s, "<>") {
		return true
	}
	for w := range strings.FieldsSeq(strings.ToLower(s)) {
		switch w {
		case "after", "all", "before", "earlier", "later", "prior", "versions":
			return true
		}
	}
	return false
}
