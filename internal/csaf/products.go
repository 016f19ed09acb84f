package csaf

// Product is one product of the tree, flattened for matching.
type Product struct {
	ID   string
	Name string // the full product name

	// From the branch path above a branch-defined product, "" if absent.
	// Where one category appears twice on the path the deeper branch wins.
	Vendor, Family, ProductName string
	Version                     string // a product_version branch: one named version
	VersionRange                string // a product_version_range branch, as written

	Architecture, HostName, Language, Legacy, PatchLevel, Platform, ServicePack, Specification string

	Helper *ProductIdentificationHelper

	// Set for products defined by a relationship (e.g. firmware X
	// installed_on device Y); the referenced products are products of their
	// own.
	Relationship *Relationship
}

// Products returns every product defined in the document — by branches, by
// full_product_names and by relationships, in that order, each in document
// order. A product id defined twice (a 6.1.2 violation) is returned twice.
func (d *Document) Products() []Product {
	var out []Product
	var walk func(bs []Branch, path Product, depth int)
	walk = func(bs []Branch, path Product, depth int) {
		for i := range bs {
			b := &bs[i]
			p := path
			switch b.Category {
			case "vendor":
				p.Vendor = b.Name
			case "product_family":
				p.Family = b.Name
			case "product_name":
				p.ProductName = b.Name
			case "product_version":
				p.Version = b.Name
			case "product_version_range":
				p.VersionRange = b.Name
			case "architecture":
				p.Architecture = b.Name
			case "host_name":
				p.HostName = b.Name
			case "language":
				p.Language = b.Name
			case "legacy":
				p.Legacy = b.Name
			case "patch_level":
				p.PatchLevel = b.Name
			case "platform":
				p.Platform = b.Name
			case "service_pack":
				p.ServicePack = b.Name
			case "specification":
				p.Specification = b.Name
			}
			if b.Product != nil {
				q := p
				q.ID, q.Name, q.Helper = b.Product.ProductID, b.Product.Name, b.Product.Helper
				out = append(out, q)
			}
			if depth < MaxDepth {
				walk(b.Branches, p, depth+1)
			}
		}
	}
	walk(d.ProductTree.Branches, Product{}, 0)
	for _, f := range d.ProductTree.FullProductNames {
		out = append(out, Product{ID: f.ProductID, Name: f.Name, Helper: f.Helper})
	}
	for i := range d.ProductTree.Relationships {
		r := &d.ProductTree.Relationships[i]
		out = append(out, Product{ID: r.FullProductName.ProductID, Name: r.FullProductName.Name, Helper: r.FullProductName.Helper, Relationship: r})
	}
	return out
}
