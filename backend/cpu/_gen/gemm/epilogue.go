package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// epilogueAdds emits the epilogue's additions (AVX2, 32 floats per
// iteration; the caller does the tail below 32):
//
//	addvec_avx2(dst, src *float32, n int):       dst[i] += src[i]
//	addscalar_avx2(dst *float32, s float32, n int): dst[i] += s
func epilogueAdds() {
	for _, scalar := range []bool{false, true} {
		name, sig := "addvec_avx2", "func(dst, src *float32, n int)"
		if scalar {
			name, sig = "addscalar_avx2", "func(dst *float32, s float32, n int)"
		}
		TEXT(name, NOSPLIT, sig)
		Doc(name + " adds to n floats of dst (n a multiple of 32).")
		dst := Load(Param("dst"), GP64())
		n := Load(Param("n"), GP64())
		var src reg.Register
		sv := YMM()
		if scalar {
			VBROADCASTSS(paramAddr("s"), sv)
		} else {
			src = Load(Param("src"), GP64())
		}
		x := []reg.VecVirtual{YMM(), YMM(), YMM(), YMM()}
		SHRQ(U8(5), n)
		JE(LabelRef(name + "_done"))
		Label(name + "_loop")
		for v := range x {
			VMOVUPS(Mem{Base: dst, Disp: 32 * v}, x[v])
			if scalar {
				VADDPS(sv, x[v], x[v])
			} else {
				VADDPS(Mem{Base: src, Disp: 32 * v}, x[v], x[v])
			}
			VMOVUPS(x[v], Mem{Base: dst, Disp: 32 * v})
		}
		ADDQ(U8(128), dst)
		if !scalar {
			ADDQ(U8(128), src)
		}
		DECQ(n)
		JNE(LabelRef(name + "_loop"))
		Label(name + "_done")
		VZEROUPPER()
		RET()
	}
}
