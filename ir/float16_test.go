package ir

import (
	"math"
	"testing"
)

func TestFloat16RoundTripsEveryPattern(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := F16ToF32(uint16(h))
		back := F32ToF16(f)
		if math.IsNaN(float64(f)) {
			if back&0x7c00 != 0x7c00 || back&0x3ff == 0 {
				t.Fatalf("NaN %#04x came back as %#04x", h, back)
			}
			continue
		}
		if back != uint16(h) {
			t.Fatalf("%#04x -> %v -> %#04x", h, f, back)
		}
	}
}

func TestFloat16Rounding(t *testing.T) {
	cases := []struct {
		in   float32
		want uint16
	}{
		{1, 0x3c00},
		{-2, 0xc000},
		{65504, 0x7bff},
		{65520, 0x7c00},                  // rounds up to +Inf
		{1 + 1.0/2048, 0x3c00},           // halfway: ties to even (down)
		{1 + 3.0/2048, 0x3c02},           // halfway: ties to even (up)
		{5.960464477539063e-08, 0x0001},  // smallest subnormal
		{2.9802322387695312e-08, 0x0000}, // half of it: ties to even
		{float32(math.Inf(-1)), 0xfc00},
	}
	for _, c := range cases {
		if got := F32ToF16(c.in); got != c.want {
			t.Errorf("F32ToF16(%v) = %#04x, want %#04x", c.in, got, c.want)
		}
	}
}

func TestBFloat16(t *testing.T) {
	if got := F32ToBF16(1); got != 0x3f80 {
		t.Errorf("bf16(1) = %#x", got)
	}
	// 1 + 2^-8 is halfway between bf16 1 and the next value: ties to even.
	if got := F32ToBF16(1 + 1.0/256); got != 0x3f80 {
		t.Errorf("bf16(1+2^-8) = %#x, want 0x3f80", got)
	}
	if got := F32ToBF16(1 + 3.0/256); got != 0x3f82 {
		t.Errorf("bf16(1+3*2^-8) = %#x, want 0x3f82", got)
	}
	if !math.IsNaN(float64(BF16ToF32(F32ToBF16(float32(math.NaN()))))) {
		t.Error("NaN did not survive bf16")
	}
}

// A float64 just above a float16 tie must round up: rounding to float32
// first would land exactly on the tie and round to even (down).
func TestFloat64ToHalfRoundsOnce(t *testing.T) {
	v := 1 + math.Pow(2, -11) + math.Pow(2, -24) // 1 + half an f16 ulp + a bit
	if got := F64ToF16(v); got != 0x3c01 {
		t.Errorf("F64ToF16(%v) = %#04x, want 0x3c01", v, got)
	}
	if got := F32ToF16(float32(v)); got != 0x3c00 {
		t.Errorf("the float32 path no longer double-rounds (%#04x): the test lost its point", got)
	}
	b := 1 + math.Pow(2, -8) + math.Pow(2, -30) // the same for bfloat16
	if got := F64ToBF16(b); got != 0x3f81 {
		t.Errorf("F64ToBF16(%v) = %#04x, want 0x3f81", b, got)
	}
	tt := Zeros(Float16, []int{1})
	tt.SetFloat64At(0, v)
	if tt.Data.([]uint16)[0] != 0x3c01 {
		t.Errorf("SetFloat64At rounds twice: %#04x", tt.Data.([]uint16)[0])
	}
}
