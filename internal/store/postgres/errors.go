package postgres

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/store/internal/codec"
)

// PostgreSQL SQLSTATEs this package tells apart.
const (
	foreignKeyViolation = "23503"
	uniqueViolation     = "23505"
)

// uniqueFields maps unique constraints and indexes to the field a caller sees.
var uniqueFields = map[string]string{
	"sites_name_key":               "name",
	"zones_site_name_key":          "name",
	"manufacturers_name_key":       "name",
	"models_manufacturer_name_key": "name",
	"releases_model_version_key":   "version",
	"devices_asset_tag_key":        "asset_tag",
	"device_macs_pkey":             "macs",
	"tokens_name_key":              "name",
	"tokens_hash_key":              "hash",
}

// foreignKeyFields maps foreign keys to the referring field.
var foreignKeyFields = map[string]string{
	"zones_site_id_fkey":          "site_id",
	"models_manufacturer_id_fkey": "manufacturer_id",
	"releases_model_id_fkey":      "model_id",
	"devices_model_id_fkey":       "model_id",
	"devices_release_id_fkey":     "release_id",
	"devices_site_id_fkey":        "site_id",
	"devices_zone_id_fkey":        "zone_id",
}

func pgError(err error) *pgconn.PgError {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// writeErr maps a failed insert or update of a what: a unique clash is
// KindConflict naming the field, a dangling reference KindInvalid naming
// it, anything else KindInternal.
func writeErr(err error, what string) error {
	var ce *core.Error
	if errors.As(err, &ce) {
		return err
	}
	pe := pgError(err)
	switch {
	case pe != nil && pe.Code == uniqueViolation:
		field := uniqueFields[pe.ConstraintName]
		return &core.Error{Kind: core.KindConflict, Message: codec.ConflictMessage(field, what), Field: field, Err: err}
	case pe != nil && pe.Code == foreignKeyViolation:
		return codec.MissingRef(err, foreignKeyFields[pe.ConstraintName], what)
	}
	return codec.Internal(err, "write %s", what)
}

// deleteErr maps a failed delete: a row still referenced is KindConflict.
func deleteErr(err error, what string, id int64, referrers string) error {
	if pe := pgError(err); pe != nil && pe.Code == foreignKeyViolation {
		return codec.StillReferenced(err, what, id, referrers)
	}
	return codec.Internal(err, "delete %s %d", what, id)
}
