package httpapi

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/vigil-oss/vigil/internal/core"
)

// Kinds that exist only at the HTTP layer; the rest come from core.
const (
	kindMethodNotAllowed     core.Kind = "method_not_allowed"
	kindUnsupportedMediaType core.Kind = "unsupported_media_type"
)

// statusOf maps an error kind to its HTTP status.
var statusOf = map[core.Kind]int{
	core.KindInvalid:            http.StatusBadRequest,
	core.KindNotFound:           http.StatusNotFound,
	core.KindConflict:           http.StatusConflict,
	core.KindPreconditionFailed: http.StatusPreconditionFailed,
	core.KindUnauthorized:       http.StatusUnauthorized,
	core.KindForbidden:          http.StatusForbidden,
	core.KindTooLarge:           http.StatusRequestEntityTooLarge,
	core.KindUnavailable:        http.StatusServiceUnavailable,
	core.KindInternal:           http.StatusInternalServerError,
	kindMethodNotAllowed:        http.StatusMethodNotAllowed,
	kindUnsupportedMediaType:    http.StatusUnsupportedMediaType,
}

// internalMessage is all a client learns of an internal error; the cause
// goes to the log.
const internalMessage = "internal error; the server has logged the cause"

// errorBody is the one error shape of the API.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Kind    core.Kind         `json:"kind"`
	Message string            `json:"message"`
	Field   string            `json:"field,omitempty"`
	Fields  []core.FieldError `json:"fields,omitempty"`
}

// fail writes err in the error shape. Only a *core.Error's user-safe
// message, field and fields reach the client, and none of an internal
// error's; errors the client cannot fix are logged here, once, with the
// request's context so the record carries its request id.
func (a *api) fail(w http.ResponseWriter, r *http.Request, err error) {
	kind := core.KindOf(err)
	status, known := statusOf[kind]
	var e *core.Error
	if !known || !errors.As(err, &e) {
		kind, status = core.KindInternal, http.StatusInternalServerError
	}
	d := errorDetail{Kind: kind}
	if kind == core.KindInternal {
		d.Message = internalMessage
	} else {
		d.Message, d.Field, d.Fields = e.Message, e.Field, e.Fields
	}
	if status >= 500 {
		level := slog.LevelError
		if kind == core.KindUnavailable {
			level = slog.LevelWarn
		}
		attrs := []slog.Attr{
			slog.String("method", r.Method), slog.String("route", r.Pattern),
			slog.String("kind", string(kind)), slog.String("err", err.Error()),
		}
		if p, ok := principalFrom(r.Context()); ok {
			attrs = append(attrs, slog.String("token_name", p.Name))
		}
		a.log.LogAttrs(r.Context(), level, "api request failed", attrs...)
	}
	if status == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="vigil"`)
	}
	writeJSON(w, status, errorBody{Error: d})
}
