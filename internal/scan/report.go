package scan

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/vigil-oss/vigil/internal/match"
)

// The output formats.
const (
	FormatTable     = "table"
	FormatJSON      = "json"
	FormatSARIF     = "sarif"
	FormatCycloneDX = "cyclonedx"
)

// Formats lists the output formats, for help texts.
var Formats = []string{FormatTable, FormatJSON, FormatSARIF, FormatCycloneDX}

// Write renders the report in format.
func Write(w io.Writer, format string, r *Report) error {
	switch format {
	case FormatTable:
		return writeTable(w, r)
	case FormatJSON:
		return writeJSON(w, r)
	case FormatSARIF:
		return writeSARIF(w, r)
	case FormatCycloneDX:
		return writeVDR(w, r)
	}
	return fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats, ", "))
}

// writeJSON writes {"findings":[…],"warnings":[…]} with one finding per
// line: valid JSON that stays readable and diffable without the cost of
// indenting every member.
func writeJSON(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("{\"findings\": [")
	for i := range r.Findings {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n  ")
		b, err := marshal(&r.Findings[i])
		if err != nil {
			return err
		}
		bw.Write(b)
	}
	bw.WriteString("\n]")
	if len(r.Warnings) > 0 {
		b, err := marshal(r.Warnings)
		if err != nil {
			return err
		}
		bw.WriteString(",\n\"warnings\": ")
		bw.Write(b)
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

// marshal is json.Marshal without HTML escaping (a "<" in a summary stays
// as it is).
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func writeTable(w io.Writer, r *Report) error {
	rows := make([][9]string, 0, len(r.Findings)+1)
	rows = append(rows, [9]string{"SOURCE", "COMPONENT", "VERSION", "ADVISORY", "SEVERITY", "FIXED", "KEV", "EPSS", "VEX"})
	for _, f := range r.Findings {
		kev, epss := "", ""
		if f.KEV != nil {
			kev = "yes"
		}
		if f.EPSS != nil {
			epss = strconv.FormatFloat(f.EPSS.Probability, 'f', 3, 64)
		}
		vex := f.VEXStatus
		if f.VEX != nil && f.VEX.Justification != "" {
			vex += " (" + f.VEX.Justification + ")"
		}
		id := f.AdvisoryID
		if len(f.Aliases) > 0 && strings.HasPrefix(f.Aliases[0], "CVE-") && !strings.HasPrefix(id, "CVE-") {
			id += " " + f.Aliases[0]
		}
		rows = append(rows, [9]string{f.Source, f.Component, f.Version, id, string(f.Severity), strings.Join(f.FixedVersions, ","), kev, epss, vex})
	}
	// Columns as wide as their widest cell (in runes), two spaces apart;
	// the last column is not padded.
	var width [9]int
	for _, row := range rows {
		for i, cell := range row[:8] {
			width[i] = max(width[i], utf8.RuneCountInString(cell))
		}
	}
	bw := bufio.NewWriter(w)
	for _, row := range rows {
		for i, cell := range row {
			bw.WriteString(cell)
			if i < 8 {
				bw.WriteString(strings.Repeat(" ", width[i]-utf8.RuneCountInString(cell)+2))
			}
		}
		bw.WriteByte('\n')
	}
	active, suppressed := r.Counts()
	fmt.Fprintf(bw, "\n%d finding(s) in %d SBOM(s); %d suppressed by VEX\n", active, len(r.Inputs), suppressed)
	return bw.Flush()
}

// Counts returns the number of active and VEX-suppressed findings.
func (r *Report) Counts() (active, suppressed int) {
	for _, f := range r.Findings {
		if f.Suppressed {
			suppressed++
		} else {
			active++
		}
	}
	return active, suppressed
}

// SARIF 2.1.0, the subset code-scanning tools read.
type sarifLog struct {
	Version string     `json:"version"`
	Schema  string     `json:"$schema"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver struct {
		Name           string      `json:"name"`
		InformationURI string      `json:"informationUri"`
		Version        string      `json:"version,omitempty"`
		Rules          []sarifRule `json:"rules"`
	} `json:"driver"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID               string         `json:"id"`
	ShortDescription sarifText      `json:"shortDescription"`
	Properties       map[string]any `json:"properties,omitempty"`
}

type sarifResult struct {
	RuleID       string            `json:"ruleId"`
	Level        string            `json:"level"`
	Message      sarifText         `json:"message"`
	Locations    []sarifLocation   `json:"locations"`
	Suppressions []sarifSuppressed `json:"suppressions,omitempty"`
	Properties   map[string]any    `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation struct {
		ArtifactLocation struct {
			URI string `json:"uri"`
		} `json:"artifactLocation"`
	} `json:"physicalLocation"`
	LogicalLocations []struct {
		Name               string `json:"name"`
		FullyQualifiedName string `json:"fullyQualifiedName"`
		Kind               string `json:"kind"`
	} `json:"logicalLocations,omitempty"`
}

type sarifSuppressed struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
}

func sarifLevel(s match.Severity) string {
	switch s {
	case match.Critical, match.High:
		return "error"
	case match.Medium, match.Unknown:
		return "warning"
	}
	return "note"
}

func writeSARIF(w io.Writer, r *Report) error {
	run := sarifRun{Results: []sarifResult{}}
	run.Tool.Driver.Name = "vigil"
	run.Tool.Driver.InformationURI = "https://github.com/vigil-oss/vigil"
	run.Tool.Driver.Version = r.ToolVersion
	run.Tool.Driver.Rules = []sarifRule{}
	rules := map[string]bool{}
	for _, f := range r.Findings {
		if !rules[f.AdvisoryID] {
			rules[f.AdvisoryID] = true
			desc := f.Summary
			if desc == "" {
				desc = f.AdvisoryID
			}
			rule := sarifRule{ID: f.AdvisoryID, ShortDescription: sarifText{desc}, Properties: map[string]any{"tags": []string{"security", "vulnerability"}}}
			if f.Score != nil {
				rule.Properties["security-severity"] = strconv.FormatFloat(f.Score.Base, 'f', 1, 64)
			}
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, rule)
		}
		msg := fmt.Sprintf("%s %s is affected by %s", f.Component, f.Version, f.AdvisoryID)
		if len(f.FixedVersions) > 0 {
			msg += "; fixed in " + strings.Join(f.FixedVersions, ", ")
		}
		res := sarifResult{RuleID: f.AdvisoryID, Level: sarifLevel(f.Severity), Message: sarifText{msg},
			Properties: map[string]any{"purl": f.PURL, "bom_ref": f.BOMRef, "aliases": f.Aliases, "severity": f.Severity}}
		var loc sarifLocation
		loc.PhysicalLocation.ArtifactLocation.URI = f.Source
		loc.LogicalLocations = append(loc.LogicalLocations, struct {
			Name               string `json:"name"`
			FullyQualifiedName string `json:"fullyQualifiedName"`
			Kind               string `json:"kind"`
		}{f.Component, cmpOr(f.PURL, f.BOMRef), "package"})
		res.Locations = []sarifLocation{loc}
		if f.Suppressed && f.VEX != nil {
			res.Suppressions = []sarifSuppressed{{Kind: "external", Justification: f.VEX.Status + ": " + f.VEX.Justification}}
		}
		run.Results = append(run.Results, res)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarifLog{Version: "2.1.0", Schema: "https://json.schemastore.org/sarif-2.1.0.json", Runs: []sarifRun{run}})
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// writeVDR writes the scanned BOM with its findings as CycloneDX
// vulnerabilities: a vulnerability disclosure report, with VEX analysis
// where a statement applied. It takes exactly one input.
func writeVDR(w io.Writer, r *Report) error {
	if len(r.Inputs) != 1 {
		return fmt.Errorf("--format cyclonedx writes one BOM: give exactly one SBOM file (got %d)", len(r.Inputs))
	}
	in := r.Inputs[0]
	bom := vdrBase(in)
	var vulns []cdx.Vulnerability
	index := map[string]int{}
	seen := map[string]int{}
	for _, f := range r.Findings {
		// A CycloneDX analysis covers every component a vulnerability
		// entry affects, so components with different VEX statements get
		// entries of their own.
		key := f.AdvisoryID
		if f.VEX != nil {
			key += "\x00" + f.VEX.Status + "\x00" + f.VEX.Justification + "\x00" + f.VEX.Source
		}
		i, ok := index[key]
		if !ok {
			ref := "vuln:" + f.AdvisoryID
			if n := seen[f.AdvisoryID]; n > 0 {
				ref += "#" + strconv.Itoa(n+1)
			}
			seen[f.AdvisoryID]++
			v := cdx.Vulnerability{BOMRef: ref, ID: f.AdvisoryID, Description: f.Summary, Source: vulnSource(f.AdvisoryID)}
			if len(f.Aliases) > 0 {
				refs := make([]cdx.VulnerabilityReference, 0, len(f.Aliases))
				for _, a := range f.Aliases {
					refs = append(refs, cdx.VulnerabilityReference{ID: a, Source: vulnSource(a)})
				}
				v.References = &refs
			}
			if f.Score != nil {
				score := f.Score.Base
				method := map[string]cdx.ScoringMethod{"2.0": cdx.ScoringMethodCVSSv2, "3.0": cdx.ScoringMethodCVSSv3, "3.1": cdx.ScoringMethodCVSSv31, "4.0": cdx.ScoringMethodCVSSv4}[f.Score.Version]
				v.Ratings = &[]cdx.VulnerabilityRating{{Score: &score, Severity: cdx.Severity(f.Severity), Method: method, Vector: f.Score.Vector}}
			} else {
				v.Ratings = &[]cdx.VulnerabilityRating{{Severity: cdx.Severity(f.Severity)}}
			}
			if len(f.FixedVersions) > 0 {
				v.Recommendation = "Upgrade " + f.Component + " to " + strings.Join(f.FixedVersions, " or ")
			}
			if f.VEX != nil {
				v.Analysis = &cdx.VulnerabilityAnalysis{State: vexState(f.VEX.Status, f.VEX.Justification), Justification: vexJustification(f.VEX.Justification), Detail: strings.TrimSpace(f.VEX.Impact + " " + f.VEX.Action)}
			}
			v.Affects = &[]cdx.Affects{}
			vulns = append(vulns, v)
			i = len(vulns) - 1
			index[key] = i
		}
		affects := vulns[i].Affects
		if !slices.ContainsFunc(*affects, func(a cdx.Affects) bool { return a.Ref == f.BOMRef }) {
			*affects = append(*affects, cdx.Affects{Ref: f.BOMRef, Range: &[]cdx.AffectedVersions{{Version: f.Version, Status: cdx.VulnerabilityStatusAffected}}})
		}
	}
	bom.Vulnerabilities = &vulns
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	enc.SetEscapeHTML(false)
	return enc.Encode(bom)
}

func vulnSource(id string) *cdx.Source {
	switch {
	case strings.HasPrefix(id, "CVE-"):
		return &cdx.Source{Name: "NVD", URL: "https://nvd.nist.gov/vuln/detail/" + id}
	case strings.HasPrefix(id, "GHSA-"):
		return &cdx.Source{Name: "GitHub", URL: "https://github.com/advisories/" + id}
	case strings.HasPrefix(id, "GO-"):
		return &cdx.Source{Name: "Go Vulnerability Database", URL: "https://pkg.go.dev/vuln/" + id}
	case strings.HasPrefix(id, "ICSMA-"), strings.HasPrefix(id, "ICSA-"):
		return &cdx.Source{Name: "CISA"}
	}
	return nil
}

func vexState(status, justification string) cdx.ImpactAnalysisState {
	switch status {
	case "not_affected":
		if justification == "false_positive" {
			return cdx.IASFalsePositive
		}
		return cdx.IASNotAffected
	case "fixed":
		return cdx.IASResolved
	case "under_investigation":
		return cdx.IASInTriage
	}
	return cdx.IASExploitable
}

func vexJustification(j string) cdx.ImpactAnalysisJustification {
	switch j {
	case "component_not_present", "vulnerable_code_not_present":
		return cdx.IAJCodeNotPresent
	case "vulnerable_code_not_in_execute_path":
		return cdx.IAJCodeNotReachable
	case "inline_mitigations_already_exist":
		return cdx.IAJProtectedByMitigatingControl
	case "vulnerable_code_cannot_be_controlled_by_adversary":
		return cdx.IAJRequiresEnvironment
	case "requires_configuration", "requires_dependency", "requires_environment", "protected_by_compiler",
		"protected_at_runtime", "protected_at_perimeter", "protected_by_mitigating_control", "code_not_present", "code_not_reachable":
		return cdx.ImpactAnalysisJustification(j)
	}
	return ""
}
