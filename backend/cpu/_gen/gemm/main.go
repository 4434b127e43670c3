// Command gemm generates the assembly of dlc's SGEMM
// (backend/cpu/gemm/gen_gemm_amd64.{s,go}): micro-kernels (kernel.go),
// bfloat16-pair kernels, precision converters and fused pair packers
// (bf16.go, bf16conv.go, bf16pack.go, with the EVEX encoder of evex.go),
// panel packers (pack.go), epilogue additions (epilogue.go), the FMA-peak
// probe and CPUID. Run through `go generate` in that package.
//
// Every kernel has the meaning of kernelGeneric in the gemm package: with
// A packed as k steps of mr floats (the kernrow kernels read it in place,
// row i at a + i·lda) and B read as k rows of nr floats bstride elements
// apart,
//
//	acc[i][j] = Σ_p a[p*mr+i] · b[p*bstride+j]
//	c[i*ldc+j] = alpha·acc[i][j]               (beta == 0: C is not read)
//	c[i*ldc+j] = alpha·acc[i][j] + beta·c[...] (otherwise)
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// isa describes one vector instruction set the kernels are emitted for.
type isa struct {
	name  string
	lanes int // float32 lanes per vector register
	vec   func() reg.VecVirtual
	mr    int // rows of the full tile
	nv    int // vector registers per tile row (nr = nv·lanes)
	// masked: the tile kernels honour their column mask (AVX-512 opmask
	// registers), so edge tiles need no temporary tile.
	masked bool
}

var isas = []isa{
	{name: "avx512", lanes: 16, vec: ZMM, mr: 14, nv: 2, masked: true},
	{name: "avx2", lanes: 8, vec: YMM, mr: 6, nv: 2},
}

func main() {
	ConstraintExpr("amd64,gc,!noasm")
	for _, s := range isas {
		for mr := 1; mr <= s.mr; mr++ {
			kernel(s, fmt.Sprintf("kern_%s_%d", s.name, mr), mr, s.nv, s.masked)
		}
		if s.masked {
			for mr := 1; mr <= s.mr; mr++ {
				kernel(s, fmt.Sprintf("kernep_%s_%d", s.name, mr), mr, s.nv, true, true)
			}
			for mr := 1; mr <= s.mr; mr++ {
				rowKernel(s, mr)
			}
			for mr := 1; mr <= s.mr; mr++ {
				colBiasKernels(s, mr)
			}
		}
		kernel(s, "gemv_"+s.name, 1, 8, false)
		fmaPeak(s)
	}
	iota := GLOBL("gemm_iota", RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		DATA(4*i, U32(i))
	}
	lanes := GLOBL("gemm_lanes", RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		v := U32(0)
		if i < 8 {
			v = U32(0xffffffff)
		}
		DATA(4*i, v)
	}
	for _, w := range []int{14, 32} {
		packCopy(w)
		packGather(w, iota)
	}
	packGatherMasked(iota)
	for _, w := range []int{6, 16} {
		packCopyAVX2(w, lanes)
		packGatherAVX2(w, iota, lanes)
	}
	for mr := 1; mr <= 14; mr++ {
		kernelBF16(mr)
	}
	for mr := 1; mr <= 14; mr++ {
		kernelBF16(mr, true)
	}
	precisionConverters()
	pairPackers(iota)
	packSegments()
	epilogueAdds()
	cpuid()
	Generate()
}

// paramAddr is the stack address of a scalar parameter.
func paramAddr(name string) Mem {
	b, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// cpuid emits the CPUID and XGETBV probes used for ISA detection (the
// main module does not depend on golang.org/x/sys).
func cpuid() {
	TEXT("cpuid", NOSPLIT, "func(leaf, sub uint32) (a, b, c, d uint32)")
	Doc("cpuid executes CPUID with EAX=leaf, ECX=sub.")
	Load(Param("leaf"), reg.EAX)
	Load(Param("sub"), reg.ECX)
	CPUID()
	Store(reg.EAX, Return("a"))
	Store(reg.EBX, Return("b"))
	Store(reg.ECX, Return("c"))
	Store(reg.EDX, Return("d"))
	RET()

	TEXT("xgetbv", NOSPLIT, "func() (lo, hi uint32)")
	Doc("xgetbv reads XCR0.")
	XORL(reg.ECX, reg.ECX)
	XGETBV()
	Store(reg.EAX, Return("lo"))
	Store(reg.EDX, Return("hi"))
	RET()
}
