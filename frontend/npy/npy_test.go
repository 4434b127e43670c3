package npy

import (
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func TestRoundTrip(t *testing.T) {
	cases := []*ir.Tensor{
		ir.FromSlice([]int{2, 3}, []float32{1, -2.5, 3, 4, 5, 6}),
		ir.FromSlice([]int{3}, []int64{-1, 1 << 40, 7}),
		ir.FromSlice([]int{}, []float64{3.25}),
		ir.FromSlice([]int{2}, []bool{true, false}),
		ir.FromSlice([]int{4}, []uint8{0, 1, 254, 255}),
		ir.FromBits(ir.Float16, []int{2}, []uint16{0x3c00, 0xc000}),
	}
	for _, want := range cases {
		b, err := Encode(want)
		if err != nil {
			t.Fatalf("%s: %v", want, err)
		}
		got, err := Decode(b)
		if err != nil {
			t.Fatalf("%s: %v", want, err)
		}
		if got.DType != want.DType || len(got.Shape) != len(want.Shape) {
			t.Fatalf("got %s, want %s", got, want)
		}
		for i := 0; i < want.Len(); i++ {
			if got.Float64At(i) != want.Float64At(i) {
				t.Fatalf("%s: element %d = %v, want %v", want, i, got.Float64At(i), want.Float64At(i))
			}
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	good, _ := Encode(ir.FromSlice([]int{2}, []float32{1, 2}))
	for name, b := range map[string][]byte{
		"garbage":   []byte("hello world, not numpy"),
		"truncated": good[:len(good)-3],
		"header":    good[:12],
	} {
		if _, err := Decode(b); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
