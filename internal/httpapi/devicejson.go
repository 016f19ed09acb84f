package httpapi

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
)

// Devices are encoded by hand around encoding/json: a page of 100 devices,
// each with a provenance entry per attribute, spent most of its encoding
// time and a third of the request's allocations in encoding/json's
// reflective map walk, and a json.Marshaler would not help, since
// encoding/json re-scans whatever a Marshaler returns. So encoding/json
// writes each device without its provenance, appendProvenance adds that,
// and the page is assembled here. The output equals encoding/json's but
// for the order of members (provenance comes last), which TestDeviceJSON
// and FuzzProvenanceJSON check.

// deviceSansProvenance encodes as a core.Device without "provenance": the
// shallower field shadows Device.Provenance, and omitzero drops it.
type deviceSansProvenance struct {
	*core.Device
	Provenance struct{} `json:"provenance,omitzero"`
}

// deviceEncoder writes devices as JSON objects into one buffer.
type deviceEncoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

// newDeviceEncoder returns an encoder with room for about n devices of
// provenance entries each.
func newDeviceEncoder(n, entries int) *deviceEncoder {
	e := &deviceEncoder{}
	e.buf.Grow(64 + n*(768+96*entries))
	e.enc = json.NewEncoder(&e.buf)
	return e
}

// device appends d as a JSON object.
func (e *deviceEncoder) device(d *core.Device) error {
	if err := e.enc.Encode(deviceSansProvenance{Device: d}); err != nil {
		return core.Wrap(core.KindInternal, err, "encode device %d", d.ID)
	}
	e.buf.Truncate(e.buf.Len() - 2) // Encode's closing brace and newline
	if len(d.Provenance) > 0 {
		e.buf.WriteString(`,"provenance":`)
		e.buf.Write(appendProvenance(e.buf.AvailableBuffer(), d.Provenance))
	}
	e.buf.WriteByte('}')
	return nil
}

// appendProvenance appends p as encoding/json would: members sorted by
// key, times in RFC 3339 with nanoseconds.
func appendProvenance(b []byte, p core.Provenance) []byte {
	if p == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	for i, k := range slices.Sorted(maps.Keys(p)) {
		if i > 0 {
			b = append(b, ',')
		}
		o := p[k]
		b = appendJSONString(b, k)
		b = append(b, `:{"source":`...)
		b = appendJSONString(b, string(o.Source))
		b = append(b, `,"at":"`...)
		b = o.At.AppendFormat(b, time.RFC3339Nano)
		b = append(b, `"}`...)
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string. Attribute names and sources
// are plain ASCII; anything else takes encoding/json's path, which also
// escapes <, > and & as it does everywhere else in a response.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// writeDevice writes one device as the response body, with its ETag.
func writeDevice(w http.ResponseWriter, status int, d *core.Device) error {
	e := newDeviceEncoder(1, len(d.Provenance))
	if err := e.device(d); err != nil {
		return err
	}
	e.buf.WriteByte('\n')
	w.Header().Set("ETag", etag(d.Version))
	writeBytes(w, status, e.buf.Bytes())
	return nil
}

// writeDevicePage writes a page of devices in the shape of page.
func writeDevicePage(w http.ResponseWriter, pg *core.DevicePage) error {
	e := newDeviceEncoder(len(pg.Devices), len(core.DeviceAttributes))
	e.buf.WriteString(`{"items":[`)
	for i, d := range pg.Devices {
		if i > 0 {
			e.buf.WriteByte(',')
		}
		if err := e.device(d); err != nil {
			return err
		}
	}
	e.buf.WriteByte(']')
	if pg.Next != nil {
		e.buf.WriteString(`,"next_cursor":`)
		e.buf.Write(appendJSONString(e.buf.AvailableBuffer(), pg.Next.Encode()))
	}
	e.buf.WriteString("}\n")
	writeBytes(w, http.StatusOK, e.buf.Bytes())
	return nil
}
