package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type run struct {
	code           int
	stdout, stderr string
}

func testEnv(vars map[string]string) (*Env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return vars[k] },
	}, &out, &errb
}

func vigil(t *testing.T, args ...string) run {
	t.Helper()
	env, out, errb := testEnv(nil)
	code := Main(context.Background(), env, args)
	return run{code, out.String(), errb.String()}
}

func TestHelpVersionUnknown(t *testing.T) {
	r := vigil(t, "help")
	if r.code != ExitOK || !strings.Contains(r.stdout, "Exit codes:") || !strings.Contains(r.stdout, "serve") {
		t.Fatalf("help: %+v", r)
	}
	if r := vigil(t); r.code != ExitUsage {
		t.Fatalf("no args: want usage exit, got %d", r.code)
	}
	if r := vigil(t, "frobnicate"); r.code != ExitUsage || !strings.Contains(r.stderr, "unknown command") {
		t.Fatalf("unknown command: %+v", r)
	}
	if r := vigil(t, "version"); r.code != ExitOK || !strings.HasPrefix(r.stdout, "vigil ") {
		t.Fatalf("version: %+v", r)
	}
	if r := vigil(t, "serve", "--no-such-flag"); r.code != ExitUsage {
		t.Fatalf("bad flag: %+v", r)
	}
	if r := vigil(t, "serve", "--help"); r.code != ExitOK || !strings.Contains(r.stderr, "--addr") {
		t.Fatalf("serve --help: %+v", r)
	}
}

func TestTokenLifecycle(t *testing.T) {
	db := filepath.Join(t.TempDir(), "v.db")
	r := vigil(t, "token", "create", "--db", db, "--name", "soc", "--role", "analyst")
	if r.code != ExitOK {
		t.Fatalf("create: %+v", r)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	secret := lines[len(lines)-1]
	if !strings.HasPrefix(secret, "vgl_") || len(secret) < 40 {
		t.Fatalf("last stdout line is not a token: %q", secret)
	}
	if r := vigil(t, "token", "create", "--db", db, "--name", "soc", "--role", "analyst"); r.code == ExitOK {
		t.Fatalf("duplicate token name accepted")
	}
	if r := vigil(t, "token", "create", "--db", db, "--name", "x", "--role", "root"); r.code != ExitUsage {
		t.Fatalf("bad role: %+v", r)
	}
	r = vigil(t, "token", "list", "--db", db)
	if r.code != ExitOK || !strings.Contains(r.stdout, "soc") || strings.Contains(r.stdout, secret) {
		t.Fatalf("list must show the name, never the secret: %+v", r)
	}
	if r := vigil(t, "token", "revoke", "--db", db, "1"); r.code != ExitOK {
		t.Fatalf("revoke: %+v", r)
	}
	if r := vigil(t, "token", "revoke", "--db", db, "99"); r.code != ExitUsage || !strings.Contains(r.stderr, "not found") {
		t.Fatalf("revoke unknown: %+v", r)
	}
	if r := vigil(t, "migrate", "--db", db, "--status"); r.code != ExitOK || !strings.Contains(r.stdout, "schema version") {
		t.Fatalf("migrate --status: %+v", r)
	}
}

func TestServeConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "vigil.toml")
	writeFile(t, cfgFile, "addr = \"127.0.0.1:1\"\nlog_level = \"warn\"\n")
	env, _, errb := testEnv(map[string]string{"VIGIL_CONFIG": cfgFile, "VIGIL_LOG_LEVEL": "loud"})
	if code := Main(context.Background(), env, []string{"serve", "--db", filepath.Join(dir, "x.db")}); code != ExitUsage ||
		!strings.Contains(errb.String(), "log_level") {
		t.Fatalf("a bad VIGIL_LOG_LEVEL must be a usage error naming it; got %d %s", code, errb.String())
	}
	// The flag wins over the bad environment value.
	ctx, cancel := context.WithCancel(context.Background())
	env, _, errb = testEnv(map[string]string{"VIGIL_CONFIG": cfgFile, "VIGIL_LOG_LEVEL": "loud"})
	urlc := make(chan string, 1)
	env.Ready = func(u string) { urlc <- u }
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, env, []string{"serve", "--log-level", "info", "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "x.db")})
	}()
	select {
	case u := <-urlc:
		resp, err := http.Get(u + "/healthz")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("healthz: %v %v", resp, err)
		}
		resp.Body.Close()
		resp, err = http.Get(u + "/api/v1/devices")
		if err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("devices without a token must be 401: %v %v", resp, err)
		}
		resp.Body.Close()
	case code := <-done:
		t.Fatalf("serve exited %d: %s", code, errb.String())
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not start")
	}
	cancel()
	if code := <-done; code != ExitOK {
		t.Fatalf("serve after shutdown exited %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), `"msg":"request"`) {
		t.Errorf("no JSON access log line: %s", errb.String())
	}
}

func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("demo loads ~300 devices")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env, out, errb := testEnv(nil)
	urlc := make(chan string, 1)
	env.Ready = func(u string) { urlc <- u }
	done := make(chan int, 1)
	go func() { done <- Main(ctx, env, []string{"demo", "--addr", "127.0.0.1:0", "--data", dir}) }()
	var url string
	select {
	case url = <-urlc:
	case code := <-done:
		t.Fatalf("demo exited %d: %s", code, errb.String())
	case <-time.After(60 * time.Second):
		t.Fatal("demo did not start")
	}
	var token, printedURL string
	for _, l := range strings.Split(out.String(), "\n") {
		if v, ok := strings.CutPrefix(l, "Token: "); ok {
			token = v
		}
		if v, ok := strings.CutPrefix(l, "URL: "); ok {
			printedURL = v
		}
	}
	if token == "" || printedURL != url {
		t.Fatalf("demo must print URL: and Token: lines; got %q", out.String())
	}
	get := func(path string) (int, map[string]any) {
		req, _ := http.NewRequest("GET", url+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	total := 0
	cursor := ""
	for {
		code, body := get("/api/v1/devices?limit=1000" + cursor)
		if code != 200 {
			t.Fatalf("devices: %d %v", code, body)
		}
		total += len(body["items"].([]any))
		next, _ := body["next_cursor"].(string)
		if next == "" {
			break
		}
		cursor = "&cursor=" + next
	}
	if total < 250 || total > 350 {
		t.Fatalf("demo serves %d devices, want about 300", total)
	}
	if code, body := get("/api/v1/sites"); code != 200 || len(body["items"].([]any)) != 2 {
		t.Fatalf("sites: %d %v", code, body)
	}
	code, body := get("/api/v1/devices?type=infusion-pump")
	if code != 200 || len(body["items"].([]any)) == 0 {
		t.Fatalf("no infusion pumps in the demo: %d %v", code, body)
	}
	// The demo sensor's traffic: alerts and flows served.
	if code, body := get("/api/v1/alerts?kind=cleartext_phi"); code != 200 || len(body["alerts"].([]any)) == 0 {
		t.Fatalf("no cleartext PHI alerts in the demo: %d %v", code, body)
	}
	if code, body := get("/api/v1/flows?app=dicom"); code != 200 || len(body["flows"].([]any)) == 0 {
		t.Fatalf("no DICOM flows in the demo: %d %v", code, body)
	}
	if !strings.Contains(out.String(), "Demo sensor: ") {
		t.Errorf("demo does not report its sensor: %q", out.String())
	}
	// A second demo in the same directory must refuse rather than clobber.
	if r := vigil(t, "demo", "--data", dir, "--addr", "127.0.0.1:0"); r.code != ExitUsage {
		t.Fatalf("demo over an existing database: %+v", r)
	}
	cancel()
	if code := <-done; code != ExitOK {
		t.Fatalf("demo exit %d: %s", code, errb.String())
	}
}

func TestServeRefusesASchemaItDoesNotKnow(t *testing.T) {
	db := filepath.Join(t.TempDir(), "v.db")
	if r := vigil(t, "migrate", "--db", db); r.code != ExitOK || !strings.Contains(r.stdout, "applied") {
		t.Fatalf("migrate: %+v", r)
	}
	if r := vigil(t, "migrate", "--db", db); r.code != ExitOK || !strings.Contains(r.stdout, "applied 0") {
		t.Fatalf("second migrate must apply nothing: %+v", r)
	}
	// A newer vigil has migrated this database further than this one knows.
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '0999_future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	for _, args := range [][]string{
		{"serve", "--db", db, "--addr", "127.0.0.1:0"},
		{"serve", "--db", db, "--addr", "127.0.0.1:0", "--migrate"},
		{"token", "list", "--db", db},
	} {
		r := vigil(t, args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, "newer than this vigil") {
			t.Errorf("%v on a newer schema: %+v", args, r)
		}
	}
}
