package match

import (
	"github.com/vigil-oss/vigil/internal/csaf"
	"github.com/vigil-oss/vigil/internal/vex"
)

// CSAFStatements turns a CSAF document's product status into VEX statements, one
// per vulnerability and status: known_not_affected (with the flag that
// justifies it and the impact threat), fixed and first_fixed,
// under_investigation, and the affected buckets (with remediations as the
// action).
func CSAFStatements(source string, doc *csaf.Document) []vex.Statement {
	products := map[string]csaf.Product{}
	for _, p := range doc.Products() {
		products[p.ID] = p
	}
	ts := doc.Tracking.CurrentReleaseDate
	var out []vex.Statement
	for _, v := range doc.Vulnerabilities {
		id, aliases := csafVulnID(doc, &v)
		if id == "" {
			continue
		}
		justification := map[string]string{}
		for _, f := range v.Flags {
			for _, pid := range doc.Expand(f.ProductIDs, f.GroupIDs) {
				justification[pid] = f.Label
			}
		}
		impact := map[string]string{}
		for _, t := range v.Threats {
			if t.Category != "impact" {
				continue
			}
			for _, pid := range doc.Expand(t.ProductIDs, t.GroupIDs) {
				impact[pid] = t.Details
			}
		}
		action := map[string]string{}
		for _, r := range v.Remediations {
			for _, pid := range doc.Expand(r.ProductIDs, r.GroupIDs) {
				if action[pid] == "" {
					action[pid] = r.Details
				}
			}
		}
		buckets := []struct {
			status vex.Status
			ids    []string
		}{
			{vex.NotAffected, v.ProductStatus.KnownNotAffected},
			{vex.Fixed, append(append([]string(nil), v.ProductStatus.Fixed...), v.ProductStatus.FirstFixed...)},
			{vex.UnderInvestigation, v.ProductStatus.UnderInvestigation},
			{vex.Affected, append(append(append([]string(nil), v.ProductStatus.KnownAffected...), v.ProductStatus.FirstAffected...), v.ProductStatus.LastAffected...)},
		}
		for _, bk := range buckets {
			for _, pid := range bk.ids {
				p := vex.Product{ProductID: CSAFProductKey(doc, pid)}
				if pr, ok := products[pid]; ok && pr.Helper != nil {
					p.PURL, p.CPE = pr.Helper.PURL, pr.Helper.CPE
				}
				st := vex.Statement{
					Vulnerability: id, Aliases: aliases, Products: []vex.Product{p}, Status: bk.status,
					Timestamp: ts, Source: source + " (" + doc.Tracking.ID + " v" + doc.Tracking.Version + ")", Format: "csaf",
				}
				switch bk.status {
				case vex.NotAffected:
					st.Justification, st.Impact = justification[pid], impact[pid]
				case vex.Affected:
					st.Action = action[pid]
				}
				out = append(out, st)
			}
		}
	}
	return out
}
