package service_test

import (
	"errors"
	"strconv"

	"github.com/vigil-oss/vigil/internal/core"
)

func asError(err error, e **core.Error) bool { return errors.As(err, e) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
