package core

import (
	"fmt"
	"strconv"
)

// Typed identifiers keep a device id from being passed where a model id is
// expected. The store assigns them; zero means "not set".
type (
	SiteID         int64
	ZoneID         int64
	ManufacturerID int64
	ModelID        int64
	ReleaseID      int64
	DeviceID       int64
	TokenID        int64
)

// ParseID parses a positive decimal identifier as written in a URL or a CSV cell.
func ParseID(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a valid id (a positive integer)", s)
	}
	return n, nil
}
