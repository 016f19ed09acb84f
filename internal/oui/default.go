package oui

import (
	"bytes"
	_ "embed"
	"sync"
)

//go:generate go run ./internal/mkregistry -date 2022-08-27 -o registry.bin.gz ../../../shared/data/oui/oui.csv /usr/share/ieee-data/mam.csv /usr/share/ieee-data/oui36.csv /usr/share/ieee-data/iab.csv

// registry.bin.gz is the IEEE registry of 2022-08-27 (Debian ieee-data
// 20220827.1: MA-L, MA-M, MA-S and IAB) in the form Encode writes.
//
//go:embed registry.bin.gz
var embedded []byte

var loadDefault = sync.OnceValues(func() (*Registry, error) {
	return Decode(bytes.NewReader(embedded))
})

// Default returns the registry embedded in the binary, decoded on first use
// and shared afterwards. Callers with a newer registry use Parse or Decode.
func Default() (*Registry, error) { return loadDefault() }
