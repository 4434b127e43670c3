package report

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"
)

// fakeClock returns a clock that starts at a fixed time and advances by
// step on every reading.
func fakeClock(step time.Duration) func() time.Time {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		t = t.Add(step)
		return t
	}
}

func TestProgressLog(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, 2, Options{Now: fakeClock(time.Second)})
	p.StartEpoch(1, 20) // clock reads 1 s
	for step := 1; step <= 20; step++ {
		p.Update(step, step*100, 2.0/float64(step), 0.5)
	}
	e := p.EndEpoch(Epoch{Epoch: 1, LR: 0.001, TrainLoss: 0.41, TrainAccuracy: 0.853,
		ValLoss: 0.39, ValAccuracy: 0.861})
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	// A line at each tenth (steps 2, 4, ..., 20), then the summary.
	if len(lines) != 11 {
		t.Fatalf("got %d lines, want 11:\n%s", len(lines), buf.String())
	}
	// At step 2 the clock reads 3 s: 2 s elapsed, 200 samples, 18 steps left.
	if want := "epoch 1/2 2/20 loss 1.0000 acc 0.500 100 samples/s ETA 0:18"; lines[0] != want {
		t.Errorf("first line\ngot  %q\nwant %q", lines[0], want)
	}
	if want := "epoch 1/2 20/20 loss 0.1000 acc 0.500 100 samples/s ETA 0:00"; lines[9] != want {
		t.Errorf("last progress line\ngot  %q\nwant %q", lines[9], want)
	}
	// EndEpoch reads the clock at 22 s: 21 s for 2,000 samples.
	if e.Seconds != 21 || math.Abs(e.SamplesPerSec-2000.0/21) > 1e-9 {
		t.Errorf("filled %v s, %v samples/s; want 21 s, %v", e.Seconds, e.SamplesPerSec, 2000.0/21)
	}
	if want := "epoch 1/2: train loss 0.41 acc 0.853 | val loss 0.39 acc 0.861 | 21.0 s, 95 samples/s | lr 0.001"; lines[10] != want {
		t.Errorf("summary\ngot  %q\nwant %q", lines[10], want)
	}
}

func TestProgressLogFewSteps(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, 1, Options{Now: fakeClock(time.Second)})
	p.StartEpoch(1, 3)
	for step := 1; step <= 3; step++ {
		p.Update(step, step, 1, math.NaN())
	}
	nan := math.NaN()
	p.EndEpoch(Epoch{Epoch: 1, LR: 0.1, TrainLoss: 0.5, TrainAccuracy: nan, ValLoss: nan,
		ValAccuracy: nan, Seconds: 1.25, SamplesPerSec: 1532.4})
	want := "epoch 1/1 1/3 loss 1.0000 1 samples/s ETA 0:02\n" +
		"epoch 1/1 2/3 loss 1.0000 1 samples/s ETA 0:01\n" +
		"epoch 1/1 3/3 loss 1.0000 1 samples/s ETA 0:00\n" +
		"epoch 1/1: train loss 0.5 | 1.2 s, 1,532 samples/s | lr 0.1\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestProgressTerminal(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, 10, Options{Now: fakeClock(10 * time.Millisecond)})
	p.tty = true
	p.StartEpoch(3, 844)
	for step := 1; step <= 844; step++ {
		p.Update(step, step*64, 0.4123, 0.853)
	}
	p.EndEpoch(Epoch{Epoch: 3, LR: 0.001, TrainLoss: 0.4123, TrainAccuracy: 0.853,
		ValLoss: math.NaN(), ValAccuracy: math.NaN()})
	out := buf.String()
	draws := strings.Count(out, "\r")
	// The clock advances 10 ms per reading and redraws wait 100 ms.
	if draws < 50 || draws > 100 {
		t.Errorf("%d redraws for 844 steps, want them throttled to about 85", draws)
	}
	bar, summary, ok := strings.Cut(out[strings.LastIndex(out, "\r")+1:], "\n")
	if !ok || !strings.HasPrefix(bar, "epoch 3/10 ["+strings.Repeat("=", barWidth)+"] 844/844 loss 0.4123 acc 0.853 ") {
		t.Errorf("last bar %q", bar)
	}
	if !strings.HasPrefix(summary, "epoch 3/10: train loss 0.4123 acc 0.853 | 8.4 s") {
		t.Errorf("summary %q", summary)
	}
}

func TestDrawBar(t *testing.T) {
	for _, tc := range []struct {
		step, steps int
		want        string
	}{
		{0, 10, ">" + strings.Repeat(" ", 29)},
		{5, 10, strings.Repeat("=", 15) + ">" + strings.Repeat(" ", 14)},
		{10, 10, strings.Repeat("=", 30)},
	} {
		if got := drawBar(tc.step, tc.steps); got != tc.want {
			t.Errorf("drawBar(%d, %d) = %q, want %q", tc.step, tc.steps, got, tc.want)
		}
	}
}

func TestFormat(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 999.6: "1,000", 1532.4: "1,532", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := grouped(v); got != want {
			t.Errorf("grouped(%v) = %q, want %q", v, got, want)
		}
	}
	for d, want := range map[time.Duration]string{12 * time.Second: "0:12", 754 * time.Second: "12:34", 3723 * time.Second: "1:02:03"} {
		if got := clock(d); got != want {
			t.Errorf("clock(%v) = %q, want %q", d, got, want)
		}
	}
}
