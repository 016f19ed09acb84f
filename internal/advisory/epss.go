package advisory

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// MaxEPSSBytes bounds an EPSS file: the full daily file is about 10 MB
// uncompressed for some 300,000 CVEs.
const MaxEPSSBytes = 128 << 20

// EPSS holds FIRST's Exploit Prediction Scoring System scores of one day.
type EPSS struct {
	ModelVersion string    // e.g. "v2025.03.14", from the file's comment line
	ScoreDate    time.Time // the day the scores were computed
	Scores       map[string]EPSSScore
}

// EPSSScore is the probability of exploitation activity in the next 30 days
// and its percentile among all scored CVEs.
type EPSSScore struct {
	Probability float64
	Percentile  float64
}

// ReadEPSS reads FIRST's daily CSV: an optional comment line
// "#model_version:…,score_date:…", the header "cve,epss,percentile", then one
// row per CVE. A bad row fails the read, naming its line.
func ReadEPSS(r io.Reader) (*EPSS, error) {
	br := bufio.NewReaderSize(io.LimitReader(r, MaxEPSSBytes+1), 64<<10)
	out := &EPSS{Scores: map[string]EPSSScore{}}
	var (
		line     int
		read     int64
		haveHead bool
	)
	for {
		raw, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("epss: line %d is longer than %d bytes", line+1, br.Size())
		}
		if len(raw) == 0 && err != nil {
			if err != io.EOF {
				return nil, fmt.Errorf("epss: read: %w", err)
			}
			break
		}
		line++
		read += int64(len(raw))
		if read > MaxEPSSBytes {
			return nil, fmt.Errorf("epss: file is larger than %d bytes", MaxEPSSBytes)
		}
		text := string(bytes.TrimRight(raw, "\r\n"))
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		switch {
		case strings.TrimSpace(text) == "":
		case strings.HasPrefix(text, "#"):
			if err := out.comment(text); err != nil {
				return nil, fmt.Errorf("epss: line %d: %w", line, err)
			}
		case !haveHead:
			if strings.ToLower(strings.ReplaceAll(text, " ", "")) != "cve,epss,percentile" {
				return nil, fmt.Errorf("epss: line %d: header %q is not \"cve,epss,percentile\"", line, clip(text))
			}
			haveHead = true
		default:
			id, s, err := parseEPSSRow(text)
			if err != nil {
				return nil, fmt.Errorf("epss: line %d: %w", line, err)
			}
			if _, dup := out.Scores[id]; dup {
				return nil, fmt.Errorf("epss: line %d: %s is scored twice", line, id)
			}
			out.Scores[id] = s
		}
		if err == io.EOF {
			break
		}
	}
	if !haveHead {
		return nil, fmt.Errorf("epss: no \"cve,epss,percentile\" header: not an EPSS file")
	}
	return out, nil
}

func parseEPSSRow(text string) (string, EPSSScore, error) {
	f := strings.Split(text, ",")
	if len(f) != 3 {
		return "", EPSSScore{}, fmt.Errorf("want 3 fields (cve,epss,percentile), got %d", len(f))
	}
	id := strings.TrimSpace(f[0])
	if !cveRE.MatchString(id) {
		return "", EPSSScore{}, fmt.Errorf("%q is not a CVE id", clip(id))
	}
	var s EPSSScore
	for i, dst := range []*float64{&s.Probability, &s.Percentile} {
		v, err := strconv.ParseFloat(strings.TrimSpace(f[i+1]), 64)
		if err != nil || v < 0 || v > 1 || v != v {
			name := [...]string{"epss", "percentile"}[i]
			return "", EPSSScore{}, fmt.Errorf("%s %q is not a number between 0 and 1", name, clip(f[i+1]))
		}
		*dst = v
	}
	return id, s, nil
}

// comment reads the "#model_version:v2025.03.14,score_date:2025-03-15T00:00:00+0000" line.
func (e *EPSS) comment(text string) error {
	for _, kv := range strings.Split(strings.TrimPrefix(text, "#"), ",") {
		k, v, ok := strings.Cut(kv, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "model_version":
			e.ModelVersion = strings.TrimSpace(v)
		case "score_date":
			v = strings.TrimSpace(v)
			for _, layout := range []string{"2006-01-02T15:04:05-0700", time.RFC3339, time.DateOnly} {
				if t, err := time.Parse(layout, v); err == nil {
					e.ScoreDate = t.UTC()
					return nil
				}
			}
			return fmt.Errorf("score_date %q is not a date", clip(v))
		}
	}
	return nil
}
