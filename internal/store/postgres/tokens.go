package postgres

import (
	"context"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/store/internal/codec"
)

const tokenCols = `id, name, role, hash, created_at, revoked_at`

func scanToken(sc scanner) (*core.Token, error) {
	var t core.Token
	if err := sc.Scan(&t.ID, &t.Name, &t.Role, &t.Hash, &t.CreatedAt, &t.RevokedAt); err != nil {
		return nil, err
	}
	t.CreatedAt, t.RevokedAt = t.CreatedAt.UTC(), utc(t.RevokedAt)
	return &t, nil
}

func (v *inventory) CreateToken(ctx context.Context, t *core.Token) error {
	now := v.now()
	revoked := codec.TimePtr(t.RevokedAt)
	var id core.TokenID
	err := v.one(ctx, func(q querier) error {
		return q.QueryRow(ctx, `INSERT INTO tokens (name, name_key, role, hash, created_at, revoked_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			t.Name, codec.NameKey(t.Name), string(t.Role), t.Hash, now, revoked).Scan(&id)
	})
	if err != nil {
		return writeErr(err, "token")
	}
	t.ID, t.CreatedAt, t.RevokedAt = id, now, revoked
	return nil
}

func (v *inventory) TokenByHash(ctx context.Context, hash []byte) (*core.Token, error) {
	t, err := scanToken(v.q.QueryRow(ctx, `SELECT `+tokenCols+` FROM tokens WHERE hash = $1`, hash))
	if isNoRows(err) {
		return nil, core.Errorf(core.KindNotFound, "token not found")
	}
	if err != nil {
		return nil, queryErr(err, "get token by hash")
	}
	return t, nil
}

func (v *inventory) ListTokens(ctx context.Context) ([]*core.Token, error) {
	return queryAll(ctx, v.q, "list tokens", scanToken, `SELECT `+tokenCols+` FROM tokens ORDER BY id`)
}

// RevokeToken marks a token revoked; revoking it again keeps the first time.
func (v *inventory) RevokeToken(ctx context.Context, id core.TokenID) error {
	var n int64
	err := v.one(ctx, func(q querier) error {
		tag, err := q.Exec(ctx, `UPDATE tokens SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2`, v.now(), id)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return codec.Internal(err, "revoke token %d", id)
	}
	if n == 0 {
		return core.NotFound("token", id)
	}
	return nil
}
