package httpapi

import (
	_ "embed"
	"net/http"
)

// openAPIDoc is the hand-written OpenAPI 3.1 description of this API.
// TestOpenAPICoversRoutes fails when it and the route table disagree.
//
//go:embed openapi.json
var openAPIDoc []byte

// openAPI serves the document. It requires a token like every other route:
// nothing but health and login is reachable without one (PRODUCT.md, C10).
func (a *api) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", mediaJSON)
	_, _ = w.Write(openAPIDoc)
	return nil
}
