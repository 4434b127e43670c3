//go:build amd64 && gc && !noasm

package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// pairPackSpecials are float32 bit patterns the rounding must get right:
// denormals (which VCVTNEPS2BF16 would flush), NaNs (quiet, signalling,
// negative), ±Inf, ±0, ties to even either way, the largest finite
// float (rounds to Inf) and values just off a tie.
var pairPackSpecials = []uint32{
	0x00000001, 0x007fffff, 0x80000001, 0x807fffff, 0x00008000, 0x00018000,
	0x7fc00000, 0x7f800001, 0xffc00001, 0x7fffffff,
	0x7f800000, 0xff800000, 0x00000000, 0x80000000,
	0x3f808000, 0x3f818000, 0xbf808000, 0x7f7fffff, 0x3f807fff, 0x3f808001,
}

// randPackSource returns n floats: random values, random bit patterns and
// pairPackSpecials.
func randPackSource(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		switch r.IntN(3) {
		case 0:
			s[i] = r.Float32()*2 - 1
		case 1:
			s[i] = math.Float32frombits(r.Uint32())
		default:
			s[i] = math.Float32frombits(pairPackSpecials[r.IntN(len(pairPackSpecials))])
		}
	}
	return s
}

// TestPairPackers compares the fused pair packers with their meaning,
// the float32 panel (packed here in Go) converted by pairConvertGeneric,
// bit for bit, and checks that the words after the panel stay untouched.
func TestPairPackers(t *testing.T) {
	needBF16(t)
	for _, tc := range []struct {
		name  string
		fn    panelPacker
		w     int
		trans bool // src holds w rows of kb (gather) rather than kb rows of w (copy)
	}{
		{"pairpackcopy_32", pairpackcopy_32, 32, false},
		{"pairpackgather_32", pairpackgather_32, 32, true},
		{"pairpackgather_14", pairpackgather_14, 14, true},
		{"pairpackcopy_14", pairpackcopy_14, 14, false},
	} {
		r := rand.New(rand.NewPCG(11, uint64(tc.w)))
		for _, kb := range []int{1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 383, 384} {
			rows, cols := kb, tc.w // the source block as stored
			if tc.trans {
				rows, cols = tc.w, kb
			}
			for _, ld := range []int{cols, cols + 1, cols + 37} {
				src := randPackSource(r, (rows-1)*ld+cols)
				panel := make([]float32, kb*tc.w)
				for p := 0; p < kb; p++ {
					for i := 0; i < tc.w; i++ {
						if tc.trans {
							panel[p*tc.w+i] = src[i*ld+p]
						} else {
							panel[p*tc.w+i] = src[p*ld+i]
						}
					}
				}
				n := (kb + 1) / 2 * tc.w
				const guard = 19
				want := make([]float32, n+guard)
				got := make([]float32, n+guard)
				for i := range got {
					want[i] = math.Float32frombits(guardBits)
					got[i] = want[i]
				}
				pairConvertGeneric(kb, panel, tc.w, want)
				tc.fn(kb, &src[0], ld, &got[0])
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s kb=%d ld=%d: word %d (step %d, lane %d) = %#x, want %#x",
							tc.name, kb, ld, i, i/tc.w, i%tc.w, math.Float32bits(got[i]), math.Float32bits(want[i]))
					}
				}
			}
		}
	}
}

// BenchmarkPairPackers times each fused pair packer against the two
// passes it replaces (the float32 assembly packer, then pairpack_avx512),
// on one kb = 384 panel with a conv-like row stride.
func BenchmarkPairPackers(b *testing.B) {
	needBF16(b)
	const kb, ld = 384, 3136
	r := rand.New(rand.NewPCG(1, 2))
	src := randPackSource(r, kb*ld+32) // kb rows of ld (copy) or 32 (gather)
	tmp, dst := make([]float32, 32*kb), make([]float32, 32*kb)
	for _, tc := range []struct {
		name       string
		fused, f32 panelPacker
		w          int
	}{
		{"copy32", pairpackcopy_32, packcopy_32, 32},
		{"gather32", pairpackgather_32, packgather_32, 32},
		{"gather14", pairpackgather_14, packgather_14, 14},
		{"copy14", pairpackcopy_14, packcopy_14, 14},
	} {
		b.Run(tc.name+"/fused", func(b *testing.B) {
			for b.Loop() {
				tc.fused(kb, &src[0], ld, &dst[0])
			}
		})
		b.Run(tc.name+"/two-pass", func(b *testing.B) {
			for b.Loop() {
				tc.f32(kb, &src[0], ld, &tmp[0])
				pairpack_avx512(kb, &tmp[0], tc.w, &dst[0])
			}
		})
	}
}
