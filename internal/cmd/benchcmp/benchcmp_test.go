package main

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/dlc-go/dlc/ir"
)

func f32(shape []int, xs ...float32) *ir.Tensor {
	return &ir.Tensor{DType: ir.Float32, Shape: shape, Data: xs}
}

func TestCompareTensor(t *testing.T) {
	nan := float32(math.NaN())
	cases := []struct {
		name      string
		got, want *ir.Tensor
		fail      string // substring of the error; "" = passes
	}{
		{"equal", f32([]int{2}, 1, 2), f32([]int{2}, 1, 2), ""},
		{"within 1e-4 relative", f32([]int{2}, 100.009, 1.00009), f32([]int{2}, 100, 1), ""},
		{"just over 1e-4 relative", f32([]int{2}, 100, 1.00012), f32([]int{2}, 100, 1), "1 of 2 elements"},
		// Below 1% of the peak (100) the scale is the floor 1: absolute 1e-4.
		{"small element under floor", f32([]int{2}, 100, 0.00009), f32([]int{2}, 100, 0), ""},
		{"small element over floor", f32([]int{2}, 100, 0.0002), f32([]int{2}, 100, 0), "1 of 2 elements"},
		{"NaN fails", f32([]int{2}, 1, nan), f32([]int{2}, 1, 1), "1 of 2 elements"},
		{"shape", f32([]int{1, 2}, 1, 2), f32([]int{2}, 1, 2), "shape"},
		{"dtype", &ir.Tensor{DType: ir.Int64, Shape: []int{1}, Data: []int64{1}}, f32([]int{1}, 1), "dtype"},
		{"ints exact", &ir.Tensor{DType: ir.Int64, Shape: []int{1}, Data: []int64{1}},
			&ir.Tensor{DType: ir.Int64, Shape: []int{1}, Data: []int64{2}}, "differ"},
	}
	for _, c := range cases {
		_, err := compareTensor(c.got, c.want)
		switch {
		case c.fail == "" && err != nil:
			t.Errorf("%s: unexpected error %v", c.name, err)
		case c.fail != "" && (err == nil || !strings.Contains(err.Error(), c.fail)):
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.fail)
		}
	}
}

func TestCompareOutputsCounts(t *testing.T) {
	one := []*ir.Tensor{f32([]int{1}, 1)}
	if _, err := compareOutputs(one, append(one, one...)); err == nil {
		t.Error("a missing output passed")
	}
	rel, err := compareOutputs([]*ir.Tensor{f32([]int{1}, 1.00005)}, one)
	if err != nil || math.Abs(rel-5e-5) > 1e-6 {
		t.Errorf("rel = %g, %v; want 5e-5, nil", rel, err)
	}
}

func TestCombine(t *testing.T) {
	if combine(nil) != nil {
		t.Error("combine(nil) != nil")
	}
	rs := []Result{
		{Engine: "ort", MedianMS: 3, P10MS: 2, P90MS: 9, Runs: 5, PeakBytes: 10, BaseRSSBytes: 4},
		{Engine: "ort", MedianMS: 1, P10MS: 1, P90MS: 4, Runs: 5, PeakBytes: 30, BaseRSSBytes: 4},
		{Engine: "ort", MedianMS: 2, P10MS: 3, P90MS: 5, Runs: 6, PeakBytes: 20, BaseRSSBytes: 4},
	}
	got := *combine(rs)
	want := Result{Engine: "ort", MedianMS: 2, P10MS: 2, P90MS: 5, Runs: 16, PeakBytes: 30, BaseRSSBytes: 4}
	if got != want {
		t.Errorf("combine = %+v, want %+v", got, want)
	}
	if m := median([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Errorf("median of 4 = %g, want 2.5", m)
	}
}

func TestRunsFor(t *testing.T) {
	c := config{roundTime: time.Second, minRuns: 3, maxRuns: 100}
	for _, tc := range []struct {
		ms   float64
		want int
	}{{1000, 3}, {100, 10}, {0.001, 100}, {5000, 3}} {
		if got := c.runsFor(tc.ms); got != tc.want {
			t.Errorf("runsFor(%g ms) = %d, want %d", tc.ms, got, tc.want)
		}
	}
}

func TestParse(t *testing.T) {
	if m, err := parseModels("mlp, bert,"); err != nil || strings.Join(m, ",") != "mlp,bert" {
		t.Errorf("parseModels = %v, %v", m, err)
	}
	if _, err := parseModels("mlp,vgg"); err == nil {
		t.Error("unknown model accepted")
	}
	if m, err := parseModels("none"); err != nil || m != nil {
		t.Errorf("none = %v, %v", m, err)
	}
	if _, err := parseInts("--threads", "1,0"); err == nil {
		t.Error("thread count 0 accepted")
	}
}
