package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strings"

	"github.com/vigil-oss/vigil/internal/core"
)

// TokenPrefix starts every API token, so a leaked one is recognisable in a
// secret scanner and a paste.
const TokenPrefix = "vgl_"

// Tokens issues and checks API bearer tokens.
type Tokens struct {
	store core.TokenStore
	clock core.Clock
}

// NewTokens returns the token service.
func NewTokens(store core.TokenStore, clock core.Clock) *Tokens {
	return &Tokens{store: store, clock: clock}
}

// Create makes a new token and returns its secret, which is not stored and
// cannot be shown again.
func (s *Tokens) Create(ctx context.Context, name string, role core.Role) (string, *core.Token, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", nil, core.Wrap(core.KindInternal, err, "generate token")
	}
	secret := TokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	sum := sha256.Sum256([]byte(secret))
	t := &core.Token{Name: strings.TrimSpace(name), Role: role, Hash: sum[:]}
	if err := t.Validate(); err != nil {
		return "", nil, err
	}
	if err := s.store.CreateToken(ctx, t); err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

// Authenticate returns who holds secret. Unknown, malformed and revoked
// tokens are all KindUnauthorized with the same message, so a caller learns
// nothing about which it was.
func (s *Tokens) Authenticate(ctx context.Context, secret string) (*core.Principal, error) {
	denied := core.Errorf(core.KindUnauthorized, "a valid API token is required")
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 128 {
		return nil, denied
	}
	sum := sha256.Sum256([]byte(secret))
	t, err := s.store.TokenByHash(ctx, sum[:])
	if err != nil {
		if core.IsKind(err, core.KindNotFound) {
			return nil, denied
		}
		return nil, err
	}
	// The lookup was by hash already; the constant-time compare guards a
	// store that matched loosely.
	if subtle.ConstantTimeCompare(t.Hash, sum[:]) != 1 || t.RevokedAt != nil {
		return nil, denied
	}
	return &core.Principal{TokenID: t.ID, Name: t.Name, Role: t.Role}, nil
}

// List returns every token, without secrets.
func (s *Tokens) List(ctx context.Context) ([]*core.Token, error) { return s.store.ListTokens(ctx) }

// Revoke disables a token at once.
func (s *Tokens) Revoke(ctx context.Context, id core.TokenID) error {
	return s.store.RevokeToken(ctx, id)
}
