package discovery

import (
	"context"
	"os"
	"testing"

	"github.com/vigil-oss/vigil/internal/packet"
)

// BenchmarkSensor runs the whole sensor (engine, every decoder, flow
// tracking, identification) over a hospitalgen capture made for the run:
// 60 seconds by default, VIGIL_BENCH_HOSPITAL_DUR seconds when set (the
// issue's figure is for 500). docs/benchmarks.md has the whole-process
// command.
func BenchmarkSensor(b *testing.B) {
	dur := os.Getenv("VIGIL_BENCH_HOSPITAL_DUR")
	if dur == "" {
		dur = "60"
	}
	capture, _ := hospitalCapture(b, dur)
	var packets uint64
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		f, err := os.Open(capture)
		if err != nil {
			b.Fatal(err)
		}
		s, err := NewSensor(Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Read(context.Background(), f, packet.Config{}, nil); err != nil {
			b.Fatal(err)
		}
		f.Close()
		packets = s.Result().Stats.Packets
	}
	b.ReportMetric(float64(packets)*float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}
