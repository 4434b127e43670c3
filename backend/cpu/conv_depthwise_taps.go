package cpu

import "github.com/dlc-go/dlc/backend/cpu/vec"

//go:generate go run -C _gen ./dwconv -pkg cpu -out ../gen_dwconv_amd64.s -stubs ../gen_dwconv_amd64.go

// dwTapsBlock is the length multiple the SIMD tap loops need
// (_gen/dwconv); the depthwise scratch buffers are padded to it.
const dwTapsBlock = 16

// dwTaps sets out[o] = bias + Σ_t w[t]·src[offs[t]+o] for every o: all
// the taps of one depthwise plane in one pass. It uses the SIMD loop of
// vec's active level when len(out) is a multiple of dwTapsBlock, else
// dwTapsGo.
func dwTaps(out, src []float32, offs []int, w []float32, bias float32) {
	w = w[:len(offs)]
	for _, off := range offs {
		_ = src[off+len(out)-1] // every read is in bounds
	}
	if len(offs) == 0 || len(out)%dwTapsBlock != 0 || !dwTapsSIMD(vec.Active(), out, src, offs, w, bias) {
		dwTapsGo(out, src, offs, w, bias)
	}
}

// dwTapsGo is the meaning of dwTaps (and of its SIMD versions, which
// fuse each multiply-add).
func dwTapsGo(out, src []float32, offs []int, w []float32, bias float32) {
	for o := range out {
		s := bias
		for t, off := range offs {
			s += w[t] * src[off+o]
		}
		out[o] = s
	}
}
