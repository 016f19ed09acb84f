package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type pinger struct{ err error }

func (p pinger) SchemaVersion(context.Context) (int, int, error) { return 1, 1, p.err }

func newHandler(t *testing.T, p Pinger, logs *bytes.Buffer) http.Handler {
	t.Helper()
	api := http.NewServeMux()
	api.HandleFunc("GET /api/v1/ping", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, RequestID(r.Context()))
	})
	api.HandleFunc("GET /api/v1/boom", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	return Handler(Config{API: api, Store: p, Logger: slog.New(slog.NewJSONHandler(logs, nil)),
		Registry: prometheus.NewRegistry()})
}

func do(h http.Handler, method, path string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestHealth(t *testing.T) {
	var logs bytes.Buffer
	if rec := do(newHandler(t, pinger{}, &logs), "GET", "/healthz", nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"ok"`) {
		t.Fatalf("healthz: %d %s", rec.Code, rec.Body)
	}
	rec := do(newHandler(t, pinger{errors.New("db gone: secret detail")}, &logs), "GET", "/healthz", nil)
	if rec.Code != http.StatusServiceUnavailable || strings.Contains(rec.Body.String(), "secret") {
		t.Fatalf("healthz with a dead store: %d %s", rec.Code, rec.Body)
	}
}

func TestRequestIDLogAndMetrics(t *testing.T) {
	var logs bytes.Buffer
	h := newHandler(t, pinger{}, &logs)
	rec := do(h, "GET", "/api/v1/ping", map[string]string{"X-Request-Id": "abc-123"})
	if rec.Body.String() != "abc-123" || rec.Header().Get("X-Request-Id") != "abc-123" {
		t.Fatalf("incoming request id not kept: %q %q", rec.Body, rec.Header().Get("X-Request-Id"))
	}
	rec = do(h, "GET", "/api/v1/ping", map[string]string{"X-Request-Id": "bad id\n<script>"})
	if id := rec.Header().Get("X-Request-Id"); id == "" || strings.ContainsAny(id, " <\n") || rec.Body.String() != id {
		t.Fatalf("unsafe request id not replaced: %q", id)
	}
	var line map[string]any
	first := strings.SplitN(logs.String(), "\n", 2)[0]
	if err := json.Unmarshal([]byte(first), &line); err != nil {
		t.Fatalf("access log is not JSON: %q", first)
	}
	if line["request_id"] != "abc-123" || line["route"] != "GET /api/v1/ping" || line["status"] != float64(200) {
		t.Fatalf("access log line: %v", line)
	}
	for i := 0; i < 3; i++ {
		do(h, "GET", "/api/v1/ping/"+strings.Repeat("x", i), nil) // unmatched paths share one label
	}
	body := do(h, "GET", "/metrics", nil).Body.String()
	for _, want := range []string{
		`vigil_http_requests_total{code="200",method="GET",route="GET /api/v1/ping"} 2`,
		`route="unmatched"`,
		`vigil_http_request_duration_seconds_bucket`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestPanicAndUnknownPath(t *testing.T) {
	var logs bytes.Buffer
	h := newHandler(t, pinger{}, &logs)
	rec := do(h, "GET", "/api/v1/boom", nil)
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), `"kind":"internal"`) || strings.Contains(rec.Body.String(), "boom") {
		t.Fatalf("panic: %d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(logs.String(), "panic serving request") {
		t.Errorf("panic not logged")
	}
	rec = do(h, "GET", "/nowhere", nil)
	if rec.Code != 404 || !strings.Contains(rec.Body.String(), `"kind":"not_found"`) {
		t.Fatalf("unknown path: %d %s", rec.Code, rec.Body)
	}
}

func TestRunShutsDownGracefully(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	slow := http.NewServeMux()
	release := make(chan struct{})
	slow.HandleFunc("GET /api/v1/slow", func(w http.ResponseWriter, r *http.Request) {
		<-release
		_, _ = io.WriteString(w, "done")
	})
	urlc := make(chan string, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- Run(ctx, Config{Addr: "127.0.0.1:0", API: slow, Store: pinger{},
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Registry: prometheus.NewRegistry(),
			ShutdownTimeout: 10 * time.Second, Ready: func(u string) { urlc <- u }})
	}()
	url := <-urlc
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get(url + "/api/v1/slow")
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	time.Sleep(100 * time.Millisecond) // let the request arrive
	cancel()
	time.Sleep(100 * time.Millisecond)
	close(release)
	if body := <-got; body != "done" {
		t.Fatalf("request in flight was cut off: %q", body)
	}
	if err := <-errc; err != nil {
		t.Fatalf("Run: %v", err)
	}
}
