package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/store/internal/codec"
)

const tokenCols = `id, name, role, hash, created_at, revoked_at`

func scanToken(sc scanner) (*core.Token, error) {
	var (
		t       core.Token
		created int64
		revoked sql.NullInt64
	)
	if err := sc.Scan(&t.ID, &t.Name, &t.Role, &t.Hash, &created, &revoked); err != nil {
		return nil, err
	}
	t.CreatedAt, t.RevokedAt = fromMicros(created), fromNullMicros(revoked)
	return &t, nil
}

func (v *inventory) CreateToken(ctx context.Context, t *core.Token) error {
	now := v.now()
	res, err := v.write.ExecContext(ctx, `INSERT INTO tokens (name, name_key, role, hash, created_at, revoked_at)
		VALUES (?, ?, ?, ?, ?, ?)`,
		t.Name, codec.NameKey(t.Name), string(t.Role), t.Hash, micros(now), nullMicros(codec.TimePtr(t.RevokedAt)))
	if err != nil {
		return writeErr(ctx, v.write, err, "token")
	}
	id, err := res.LastInsertId()
	if err != nil {
		return codec.Internal(err, "create token")
	}
	t.ID, t.CreatedAt, t.RevokedAt = core.TokenID(id), now, codec.TimePtr(t.RevokedAt)
	return nil
}

func (v *inventory) TokenByHash(ctx context.Context, hash []byte) (*core.Token, error) {
	t, err := scanToken(v.read.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM tokens WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.KindNotFound, "token not found")
	}
	if err != nil {
		return nil, queryErr(err, "get token by hash")
	}
	return t, nil
}

func (v *inventory) ListTokens(ctx context.Context) ([]*core.Token, error) {
	rows, err := v.read.QueryContext(ctx, `SELECT `+tokenCols+` FROM tokens ORDER BY id`)
	if err != nil {
		return nil, queryErr(err, "list tokens")
	}
	defer rows.Close()
	out := []*core.Token{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, queryErr(err, "list tokens")
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(err, "list tokens")
	}
	return out, nil
}

// RevokeToken marks a token revoked; revoking it again keeps the first time.
func (v *inventory) RevokeToken(ctx context.Context, id core.TokenID) error {
	res, err := v.write.ExecContext(ctx,
		`UPDATE tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?`, micros(v.now()), id)
	if err != nil {
		return codec.Internal(err, "revoke token %d", id)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return codec.Internal(err, "revoke token %d", id)
	}
	if n == 0 {
		return core.NotFound("token", id)
	}
	return nil
}
