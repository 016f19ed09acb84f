package core

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error for callers: the HTTP layer maps it to a status,
// the CLI to an exit code.
type Kind string

const (
	KindInvalid            Kind = "invalid"
	KindNotFound           Kind = "not_found"
	KindConflict           Kind = "conflict"
	KindPreconditionFailed Kind = "precondition_failed"
	KindUnauthorized       Kind = "unauthorized"
	KindForbidden          Kind = "forbidden"
	KindTooLarge           Kind = "too_large"
	KindUnavailable        Kind = "unavailable"
	KindInternal           Kind = "internal"
)

// FieldError names one field that failed validation.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is Vigil's one error type. Message is safe to show a user; Err is
// the cause, for logs only.
type Error struct {
	Kind    Kind
	Message string
	Field   string       // the first offending field, if any
	Fields  []FieldError // all offending fields, for validation errors
	Err     error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	if e.Field != "" && len(e.Fields) == 0 {
		fmt.Fprintf(&b, " (field %s)", e.Field)
	}
	for i, f := range e.Fields {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s", f.Field, f.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of the given kind with a formatted user-safe message.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error of the given kind whose cause is err.
func Wrap(kind Kind, err error, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...), Err: err}
}

// NotFound reports that the thing named by what and id does not exist.
func NotFound(what string, id any) *Error {
	return &Error{Kind: KindNotFound, Message: fmt.Sprintf("%s %v not found", what, id)}
}

// Invalid reports one invalid field.
func Invalid(field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Kind: KindInvalid, Message: "invalid " + field, Field: field,
		Fields: []FieldError{{Field: field, Message: msg}}}
}

// KindOf returns the kind of the first *Error in err's chain, KindInternal
// for any other non-nil error, and "" for nil.
func KindOf(err error) Kind {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// IsKind reports whether err's kind is k.
func IsKind(err error, k Kind) bool { return KindOf(err) == k }

// Validation collects field errors; Err returns nil when there were none.
type Validation struct {
	What   string
	Fields []FieldError
}

// Add records a field error.
func (v *Validation) Add(field, format string, args ...any) {
	v.Fields = append(v.Fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns the collected errors as one KindInvalid *Error, or nil.
func (v *Validation) Err() error {
	if len(v.Fields) == 0 {
		return nil
	}
	what := v.What
	if what == "" {
		what = "input"
	}
	return &Error{Kind: KindInvalid, Message: "invalid " + what, Field: v.Fields[0].Field, Fields: v.Fields}
}
