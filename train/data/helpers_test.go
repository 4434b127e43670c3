package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// encodeIDX builds an IDX file independently of the reader under test.
func encodeIDX(t IDXType, dims []int, vals []float64) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, byte(t), byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	for _, v := range vals {
		switch t {
		case IDXUbyte:
			b.WriteByte(byte(v))
		case IDXSbyte:
			b.WriteByte(byte(int8(v)))
		case IDXShort:
			binary.Write(&b, binary.BigEndian, int16(v))
		case IDXInt:
			binary.Write(&b, binary.BigEndian, int32(v))
		case IDXFloat:
			binary.Write(&b, binary.BigEndian, math.Float32bits(float32(v)))
		case IDXDouble:
			binary.Write(&b, binary.BigEndian, math.Float64bits(v))
		}
	}
	return b.Bytes()
}

func gzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return z.Bytes()
}

// writeTemp writes b to name in dir and returns the path.
func writeTemp(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// wantErr fails unless err is non-nil and contains every fragment.
func wantErr(t *testing.T, err error, frags ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", frags)
	}
	for _, f := range frags {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not contain %q", err, f)
		}
	}
}

// seq returns n values a, a+step, ...
func seq(n int, a, step float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = a + float64(i)*step
	}
	return v
}

// fillAll reads every sample of ds in index order.
func fillAll(ds Dataset) (x []float32, classes []int64, targets []float32) {
	n := ds.Len()
	x = make([]float32, n*numel(ds.SampleShape()))
	if ds.Labels().Regression {
		targets = make([]float32, n*ds.Labels().Size())
	} else {
		classes = make([]int64, n)
	}
	ds.Fill(identity(n), x, classes, targets)
	return
}

// toyImages makes a classification set of n CHW images whose pixel values
// encode (sample, position), so any mix-up is visible.
func toyImages(t *testing.T, n int, shape []int, classes int) *Memory {
	t.Helper()
	s := numel(shape)
	x := make([]float32, n*s)
	for i := range x {
		x[i] = float32(i/s*1000 + i%s)
	}
	y := make([]int64, n)
	for i := range y {
		y[i] = int64(i % classes)
	}
	m, err := NewClassification("toy", x, shape, y, classes)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
