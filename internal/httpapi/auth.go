package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/vigil-oss/vigil/internal/core"
)

// principalKey keys the authenticated caller in a request's context.
type principalKey struct{}

// principalFrom returns the caller authenticated for this request.
func principalFrom(ctx context.Context) (*core.Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(*core.Principal)
	return p, ok
}

// authenticate checks the bearer token of r. On failure it sets the
// WWW-Authenticate challenge RFC 6750 asks for: a bare one when no token
// came, error="invalid_token" when one came and was refused. The token
// itself never reaches a log or an error message.
func (a *api) authenticate(w http.ResponseWriter, r *http.Request) (*core.Principal, error) {
	secret, ok := bearerToken(r.Header.Get("Authorization"))
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="vigil"`)
		return nil, core.Errorf(core.KindUnauthorized, "this API needs an Authorization: Bearer <token> header")
	}
	p, err := a.tokens.Authenticate(r.Context(), secret)
	if err != nil {
		if core.IsKind(err, core.KindUnauthorized) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="vigil", error="invalid_token"`)
		}
		return nil, err
	}
	return p, nil
}

// bearerToken extracts the token of an "Authorization: Bearer <token>"
// header; the scheme name is case-insensitive (RFC 9110, section 11.1).
func bearerToken(h string) (string, bool) {
	const scheme = "bearer "
	if len(h) <= len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
		return "", false
	}
	tok := strings.TrimSpace(h[len(scheme):])
	return tok, tok != ""
}
