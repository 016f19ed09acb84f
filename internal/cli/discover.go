package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/vigil-oss/vigil/internal/app"
	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/discovery"
	"github.com/vigil-oss/vigil/internal/oui"
	"github.com/vigil-oss/vigil/internal/packet"
	"github.com/vigil-oss/vigil/internal/service"
)

const discoverSynopsis = `discover CAPTURE... [--format json|table] [--output FILE] [--fingerprints FILE]
                 [--internal CIDR,...] [--learn DURATION] [--max-flows N] [--connections]
                 [--db DB [--sensor NAME]]

Reads packet captures (pcap or pcapng, gzip-compressed or not; Ethernet,
802.1Q/QinQ, Linux cooked, raw IP and BSD loopback links) and reports the
devices it finds and identifies, the flows between them and the alerts their
traffic raises. Several captures are read in turn as one network. Nothing is
sent on the network. Patient data is never kept: decoders note that an HL7 PID
segment or DICOM patient attributes went by, never their values.

Devices are identified by fingerprint rules (docs/fingerprints.md); the
built-in set can be extended or overridden with --fingerprints FILE. MAC
vendors come from the built-in IEEE registry, or from a newer one saved with
'vigil oui update'. Addresses in --internal (default: the private and
link-local ranges) are the hospital's; others are the internet.

With --db, the devices found are merged into that database's inventory with
provenance sensor:NAME (--sensor, default the host name): MACs, IPs, host
names, AE titles, HL7 applications and serial numbers are added, first and
last seen widened, and an attribute a person entered is never overwritten.
Devices the inventory lacks are created (and raised as new_device alerts when
the inventory was not empty). What the sensor concluded (vendor, model,
version, type, role, evidence) is stored as the device's observation, and
flows and alerts are stored too (GET /api/v1/devices/{id}/observations,
/api/v1/flows, /api/v1/alerts).

--format json prints {"devices":[...],"flows":[...],"alerts":[...],"stats":{...}}
(docs/discover.md describes every field); with --connections it also lists
every 5-tuple flow under "connections". table prints the devices and alerts.

Exit codes: 0 every capture was read to its end; 1 a capture is damaged or
truncated (everything before the damage is still reported); 2 usage error or
a file that cannot be opened.`

func runDiscover(ctx context.Context, env *Env, args []string) int {
	fs := newFlags(env, "discover", discoverSynopsis)
	format := fs.String("format", "table", "output format: json or table")
	output := fs.String("output", "", "write the report to this file instead of standard output")
	fpFile := fs.String("fingerprints", "", "a TOML file of fingerprint rules added to (or replacing, by id) the built-in ones")
	internal := fs.String("internal", "", "comma-separated CIDRs of the hospital's own addresses (default: private and link-local ranges)")
	learn := fs.Duration("learn", 0, "devices first seen later than this into the capture may be new (default: a tenth of the capture)")
	conns := fs.Bool("connections", false, "also list every 5-tuple flow (connection) in the JSON output")
	maxFlows := fs.Int("max-flows", 0, "most connections tracked at once; the least recently seen is evicted (default 262144)")
	db := fs.String("db", "", "merge the result into this database (SQLite file or postgres:// URL)")
	sensorName := fs.String("sensor", "", "this sensor's name, for provenance sensor:NAME (default: the host name)")
	pos, code, done := parseInterleaved(fs, args)
	if done {
		return code
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(env.Stderr, "vigil discover: "+format+"\n", a...)
		return ExitUsage
	}
	if len(pos) == 0 {
		fmt.Fprintln(env.Stderr, "vigil discover: name at least one capture file")
		fs.Usage()
		return ExitUsage
	}
	if *format != "json" && *format != "table" {
		return fail("unknown --format %q (want json or table)", *format)
	}
	if *maxFlows < 0 {
		return fail("--max-flows must be positive")
	}
	opts := discovery.Options{LearnFor: *learn, Connections: *conns}
	fp, err := discovery.DefaultFingerprints()
	if err != nil {
		return fail("%v", err)
	}
	if *fpFile != "" {
		b, err := readBounded(*fpFile, 4<<20)
		if err != nil {
			return fail("--fingerprints: %v", err)
		}
		mine, err := discovery.ParseFingerprints(*fpFile, b)
		if err != nil {
			return fail("--fingerprints: %v", err)
		}
		fp = fp.Merge(mine)
	}
	opts.Fingerprints = fp
	if *internal != "" {
		for _, c := range strings.Split(*internal, ",") {
			p, err := netip.ParsePrefix(strings.TrimSpace(c))
			if err != nil {
				return fail("--internal: %v", err)
			}
			opts.Internal = append(opts.Internal, p.Masked())
		}
	}
	reg, err := ouiRegistry(env)
	if err != nil {
		return fail("%v", err)
	}
	opts.OUI = reg
	sensor, err := discovery.NewSensor(opts)
	if err != nil {
		return fail("%v", err)
	}
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	for _, p := range pos {
		f, err := os.Open(p)
		if err != nil {
			return fail("%v", err)
		}
		files = append(files, f)
	}
	cfg := packet.Config{MaxFlows: *maxFlows}
	exit := ExitOK
	for i, f := range files {
		var size int64
		if st, err := f.Stat(); err == nil {
			size = st.Size()
		}
		bar := &captureProgress{env: env, name: filepath.Base(pos[i]), size: size}
		err := sensor.Read(ctx, f, cfg, bar.start)
		bar.stop()
		switch {
		case errors.Is(err, context.Canceled):
			fmt.Fprintln(env.Stderr, "vigil discover: interrupted")
			return ExitFailure
		case err != nil && bar.rd == nil: // not a capture at all
			return fail("%s: %v", pos[i], err)
		case err != nil:
			fmt.Fprintf(env.Stderr, "vigil discover: %s: %v\n", pos[i], err)
			exit = ExitFailure
		}
	}
	res := sensor.Result()
	if *db != "" {
		name := *sensorName
		if name == "" {
			name = defaultSensorName()
		}
		st, err := app.OpenStore(ctx, *db, app.SchemaCheck)
		if err != nil {
			return fail("%v", err)
		}
		sum, err := service.NewSensors(st, core.SystemClock{}).Record(ctx, name, res)
		st.Close()
		if err != nil {
			fmt.Fprintf(env.Stderr, "vigil discover: %v\n", err)
			if core.IsKind(err, core.KindInvalid) {
				return ExitUsage
			}
			return ExitFailure
		}
		fmt.Fprintf(env.Stderr, "sensor %s: %d devices recorded (%d new, %d updated, %d observed changes kept back from attributes a person entered), %d flows, %d alerts\n",
			sum.Sensor, sum.Devices, sum.Created, sum.Updated, sum.KeptAttributes, sum.Flows, sum.Alerts)
		for _, p := range sum.Problems {
			fmt.Fprintf(env.Stderr, "skipped: %s\n", p)
		}
	}
	var w io.Writer = env.Stdout
	var out *os.File
	if *output != "" {
		if out, err = os.Create(*output); err != nil {
			return fail("%v", err)
		}
		w = out
	}
	if *format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		err = enc.Encode(res)
	} else {
		err = writeDiscoverTable(w, res)
	}
	if out != nil {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "vigil discover: write report: %v\n", err)
		return ExitFailure
	}
	return exit
}

// readBounded reads a whole file of at most limit bytes.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: larger than %d MiB", path, limit>>20)
	}
	return b, nil
}

// captureProgress draws how far through a capture the sensor is, from the
// reader's byte count, on a terminal only.
type captureProgress struct {
	env  *Env
	name string
	size int64
	rd   *packet.Reader
	done chan struct{}
	wg   sync.WaitGroup
}

func (p *captureProgress) start(rd *packet.Reader) {
	p.rd = rd
	if !p.env.Terminal {
		return
	}
	p.done = make(chan struct{})
	began := time.Now()
	p.wg.Go(func() {
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-p.done:
				fmt.Fprint(p.env.Stderr, "\r\x1b[K")
				return
			case now := <-tick.C:
				n := rd.BytesRead()
				line := fmt.Sprintf("reading %s: %s MB, %s MB/s", p.name, groupDigits(n>>20),
					groupDigits(int64(float64(n>>20)/max(now.Sub(began).Seconds(), 0.001))))
				if p.size > 0 {
					frac := min(float64(n)/float64(p.size), 1)
					const width = 24
					fill := int(frac * width)
					line += fmt.Sprintf(" [%s%s] %3.0f%%", strings.Repeat("#", fill), strings.Repeat(".", width-fill), frac*100)
				}
				fmt.Fprintf(p.env.Stderr, "\r\x1b[K%s", line)
			}
		}
	})
}

func (p *captureProgress) stop() {
	if p.done != nil {
		close(p.done)
		p.wg.Wait()
	}
}

func writeDiscoverTable(w io.Writer, r *discovery.Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DEVICE\tIP\tVENDOR\tMODEL\tVERSION\tTYPE\tROLE\tNAME")
	for _, d := range r.Devices {
		ip, name := "", ""
		if len(d.IPs) > 0 {
			ip = d.IPs[0]
		}
		if len(d.Hostnames) > 0 {
			name = d.Hostnames[0]
		} else if len(d.AETitles) > 0 {
			name = "AE " + d.AETitles[0]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, ip, dash(d.Vendor), dash(d.Model),
			dash(d.SoftwareVersion), dash(d.DeviceType), dash(d.Role), dash(name))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Alerts) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "TIME\tALERT\tSEVERITY\tDEVICE\tCOUNT\tDETAIL")
		for _, a := range r.Alerts {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", a.Time.UTC().Format(time.RFC3339), a.Kind, a.Severity, a.Device,
				a.Count, a.Detail)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	s := r.Stats
	_, err := fmt.Fprintf(w, "\n%s packets, %s bytes, %d devices, %s flows (%d evicted), %d alerts, %d decode errors\n",
		groupDigits(int64(s.Packets)), groupDigits(int64(s.Bytes)), s.Devices, groupDigits(int64(s.Flows)),
		s.FlowsEvicted, s.Alerts, s.DecodeErrors)
	return err
}

// defaultSensorName is the host name, cut to what provenance allows.
func defaultSensorName() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "local"
	}
	h, _, _ = strings.Cut(h, ".")
	h = strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, h)
	if len(h) > 64 {
		h = h[:64]
	}
	if h == "" {
		return "local"
	}
	return h
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ouiPath is where 'vigil oui update' keeps a newer registry:
// $VIGIL_DATA_DIR/oui.bin.gz, else vigil/oui.bin.gz in the user's
// configuration directory.
func ouiPath(env *Env) string {
	if d := env.Getenv("VIGIL_DATA_DIR"); d != "" {
		return filepath.Join(d, "oui.bin.gz")
	}
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "vigil", "oui.bin.gz")
	}
	return ""
}

// ouiRegistry is the saved registry when there is one, else the built-in.
func ouiRegistry(env *Env) (*oui.Registry, error) {
	if p := ouiPath(env); p != "" {
		f, err := os.Open(p)
		if err == nil {
			defer f.Close()
			reg, err := oui.Decode(f)
			if err != nil {
				return nil, fmt.Errorf("MAC vendor registry %s (saved by 'vigil oui update'): %w", p, err)
			}
			return reg, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	return oui.Default()
}
