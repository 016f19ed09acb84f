package scan

import (
	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/vigil-oss/vigil/internal/sbom"
)

// vdrBase is the BOM a VDR annotates: the input BOM itself when it was
// CycloneDX (so every field the maker wrote survives), else a CycloneDX
// rendering of the SBOM's components keyed by their SPDX ids.
func vdrBase(in Input) *cdx.BOM {
	if in.Doc.CycloneDX != nil {
		bom := *in.Doc.CycloneDX
		bom.SpecVersion = cdx.SpecVersion1_6
		bom.JSONSchema = "http://cyclonedx.org/schema/bom-1.6.schema.json"
		bom.XMLNS = ""
		return &bom
	}
	bom := cdx.NewBOM()
	bom.SerialNumber = ""
	bom.Metadata = &cdx.Metadata{}
	if r := in.Doc.Root; r != nil {
		c := cdxComponent(*r)
		bom.Metadata.Component = &c
	} else if in.Doc.Name != "" {
		bom.Metadata.Component = &cdx.Component{Type: cdx.ComponentTypeApplication, Name: in.Doc.Name, BOMRef: "document"}
	}
	comps := make([]cdx.Component, 0, len(in.Doc.Components))
	for _, c := range in.Doc.Components {
		comps = append(comps, cdxComponent(c))
	}
	bom.Components = &comps
	return bom
}

func cdxComponent(c sbom.Component) cdx.Component {
	out := cdx.Component{BOMRef: c.Ref, Type: cdx.ComponentType(c.Type), Group: c.Group, Name: c.Name, Version: c.Version, PackageURL: c.PURL}
	if out.Type == "" {
		out.Type = cdx.ComponentTypeLibrary
	}
	if len(c.CPEs) > 0 {
		out.CPE = c.CPEs[0]
	}
	if c.Supplier != "" {
		out.Supplier = &cdx.OrganizationalEntity{Name: c.Supplier}
	}
	return out
}
