package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"modernc.org/sqlite"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/store/internal/codec"
)

// SQLite extended result codes this package tells apart.
const (
	codeForeignKey = 787  // SQLITE_CONSTRAINT_FOREIGNKEY
	codePrimaryKey = 1555 // SQLITE_CONSTRAINT_PRIMARYKEY
	codeUnique     = 2067 // SQLITE_CONSTRAINT_UNIQUE
)

func code(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

func isFK(err error) bool { return code(err) == codeForeignKey }

// uniqueFields maps the last column SQLite names in a unique-constraint
// failure to the field a caller sees.
var uniqueFields = map[string]string{
	"sites.name_key":         "name",
	"zones.name_key":         "name",
	"manufacturers.name_key": "name",
	"models.name_key":        "name",
	"releases.version":       "version",
	"devices.asset_tag":      "asset_tag",
	"device_macs.mac":        "macs",
	"tokens.name_key":        "name",
	"tokens.hash":            "hash",
}

// uniqueField extracts the field from "UNIQUE constraint failed: t.a, t.b".
func uniqueField(err error) string {
	msg := err.Error()
	const marker = "constraint failed: "
	i := strings.LastIndex(msg, marker)
	if i < 0 {
		return ""
	}
	cols := msg[i+len(marker):]
	if j := strings.Index(cols, " ("); j >= 0 {
		cols = cols[:j]
	}
	if j := strings.LastIndex(cols, ", "); j >= 0 {
		cols = cols[j+2:]
	}
	return uniqueFields[strings.TrimSpace(cols)]
}

// writeErr maps a failed insert or update of a what: a unique clash is
// KindConflict naming the field, a dangling reference KindInvalid (refs name
// the candidates), anything else KindInternal.
func writeErr(ctx context.Context, q querier, err error, what string, refs ...ref) error {
	var ce *core.Error
	if errors.As(err, &ce) {
		return err
	}
	switch code(err) {
	case codeUnique, codePrimaryKey:
		field := uniqueField(err)
		return &core.Error{Kind: core.KindConflict, Message: codec.ConflictMessage(field, what), Field: field, Err: err}
	case codeForeignKey:
		return missingRef(ctx, q, err, what, refs)
	}
	return codec.Internal(err, "write %s", what)
}

// ref is a reference a row makes: the field, the table it points into, the id.
type ref struct {
	field string
	table string
	id    int64
}

// missingRef names the reference that does not exist: SQLite reports a
// foreign-key failure without saying which key failed.
func missingRef(ctx context.Context, q querier, err error, what string, refs []ref) error {
	for _, r := range refs {
		if r.id == 0 {
			continue
		}
		var one int
		e := q.QueryRowContext(ctx, "SELECT 1 FROM "+r.table+" WHERE id = ?", r.id).Scan(&one)
		if errors.Is(e, sql.ErrNoRows) {
			return codec.MissingRef(err, r.field, what)
		}
	}
	return codec.MissingRef(err, "", what)
}

// deleteErr maps a failed delete: a row still referenced is KindConflict.
func deleteErr(err error, what string, id int64, referrers string) error {
	if isFK(err) {
		return codec.StillReferenced(err, what, id, referrers)
	}
	return codec.Internal(err, "delete %s %d", what, id)
}
