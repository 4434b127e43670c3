package data

import (
	"math"
	"testing"
)

func TestNormalizeGiven(t *testing.T) {
	// Two channels of 2 values each; bytes scaled then standardized.
	x := []float32{0, 255, 51, 102, 255, 0, 102, 51}
	m, err := NewClassification("n", x, []int{2, 2}, []int64{0, 1}, 2)
	if err != nil {
		t.Fatal(err)
	}
	z, err := Normalize(m, Norm{Scale: ByteScale, Mean: []float32{0.5, 0.25}, Std: []float32{0.5, 0.1}})
	if err != nil {
		t.Fatal(err)
	}
	got, _, _ := fillAll(z)
	mean := []float64{0.5, 0.5, 0.25, 0.25}
	std := []float64{0.5, 0.5, 0.1, 0.1}
	for i, v := range x {
		want := (float64(v)/255 - mean[i%4]) / std[i%4]
		if math.Abs(float64(got[i])-want) > 1e-5 {
			t.Errorf("value %d: got %v want %v", i, got[i], want)
		}
	}
	// The underlying data is untouched.
	if m.X[1] != 255 {
		t.Fatal("Normalize modified its source")
	}

	_, err = Normalize(m, Norm{Mean: []float32{0, 0, 0}, Std: []float32{1, 1, 1}})
	wantErr(t, err, "3 channels but samples have shape 2x2")
	_, err = Normalize(m, Norm{Mean: []float32{0}, Std: []float32{1, 1}})
	wantErr(t, err, "1 means but 2 standard deviations")
	_, err = Normalize(m, Norm{Mean: []float32{0}, Std: []float32{0}})
	wantErr(t, err, "channel 0", "not positive")
}

func TestComputeNorm(t *testing.T) {
	m := toyImages(t, 300, []int{3, 4, 5}, 10)
	for _, per := range []bool{false, true} {
		n := ComputeNorm(m, 1.0/1000, per)
		c := 1
		if per {
			c = 3
		}
		if len(n.Mean) != c || len(n.Std) != c {
			t.Fatalf("perChannel=%v: %d means", per, len(n.Mean))
		}
		// Reference: two-pass statistics in float64.
		plane := 60 / c
		for ch := range c {
			var vals []float64
			for i, v := range m.X {
				if (i%60)/plane == ch {
					vals = append(vals, float64(v)/1000)
				}
			}
			var mu, ss float64
			for _, v := range vals {
				mu += v
			}
			mu /= float64(len(vals))
			for _, v := range vals {
				ss += (v - mu) * (v - mu)
			}
			sd := math.Sqrt(ss / float64(len(vals)))
			if math.Abs(float64(n.Mean[ch])-mu) > 1e-4*mu || math.Abs(float64(n.Std[ch])-sd) > 1e-4*sd {
				t.Errorf("perChannel=%v channel %d: got %v±%v want %v±%v", per, ch, n.Mean[ch], n.Std[ch], mu, sd)
			}
		}
		z, err := Normalize(m, n)
		if err != nil {
			t.Fatal(err)
		}
		x, _, _ := fillAll(z)
		var mu, sq float64
		for _, v := range x {
			mu += float64(v)
			sq += float64(v) * float64(v)
		}
		mu /= float64(len(x))
		if math.Abs(mu) > 1e-3 || math.Abs(sq/float64(len(x))-1) > 1e-3 {
			t.Errorf("perChannel=%v: normalized data has mean %v, mean square %v", per, mu, sq/float64(len(x)))
		}
	}
	// A constant feature gets std 1 rather than a division by zero.
	c, _ := NewClassification("c", []float32{3, 3, 3}, []int{1}, []int64{0, 0, 0}, 1)
	if n := ComputeNorm(c, 0, false); n.Mean[0] != 3 || n.Std[0] != 1 {
		t.Fatalf("constant data: %+v", n)
	}
}
