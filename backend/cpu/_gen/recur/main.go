// Command recur generates the AVX2 and AVX-512 panel loops of the batch-1
// recurrent GEMV in package backend/cpu (LSTM, GRU and RNN steps). Their
// meaning is the pure-Go recurPanelGo in backend/cpu/recur_gemv.go:
//
//	y[j] += Σ_kk x[kk]·r[kk·w + j]   for 0 ≤ j < w
//
// A panel is w columns (128, 64, 32 or 16) of the packed weights, stored
// as k rows of w floats, so one call streams it once from start to end.
// The sums stay in registers for all k: one broadcast of x[kk] and one
// load+FMA per vector and row, and y is read and written once. (y, not
// g: g is a reserved register name in Go assembly.)
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// widths are the panel widths in columns, widest first; recurPanelWidths
// in backend/cpu lists the same.
var widths = []int{128, 64, 32, 16}

func main() {
	ConstraintExpr("amd64,!noasm,gc")
	gen("recurPanelAVX2", 8, func() VecVirtual { return YMM() })
	gen("recurPanelAVX512", 16, func() VecVirtual { return ZMM() })
	Generate()
}

// gen emits one routine for vectors of lanes float32s. Each width gets
// its own fully unrolled row loop; at most 8 accumulators are live (AVX2
// has 16 registers), so a 128-wide AVX2 panel is done in two column
// halves, each streaming the panel with a 512-byte row stride.
func gen(name string, lanes int, vreg func() VecVirtual) {
	TEXT(name, NOSPLIT, "func(k int, x *float32, r *float32, y *float32, w int)")
	Doc(name+" adds to y[j] the sum over kk < k of x[kk]·r[kk·w+j], for",
		"j < w; w is 128, 64, 32 or 16 and k ≥ 1.")
	k := Load(Param("k"), GP64())
	x := Load(Param("x"), GP64())
	r := Load(Param("r"), GP64())
	g := Load(Param("y"), GP64())
	w := Load(Param("w"), GP64())
	for _, wd := range widths {
		CMPQ(w, U32(wd))
		JEQ(LabelRef(fmt.Sprintf("%s_w%d", name, wd)))
	}
	RET() // not a panel width: the Go wrapper never calls this
	for _, wd := range widths {
		Label(fmt.Sprintf("%s_w%d", name, wd))
		vecs := wd / lanes
		for c0 := 0; c0 < vecs; c0 += 8 {
			rows(fmt.Sprintf("%s_w%d_c%d", name, wd, c0), lanes, min(8, vecs-c0), c0, wd, vreg, k, x, r, g)
		}
		VZEROUPPER()
		RET()
	}
}

// rows emits the loop over the k rows for accs vectors of the panel,
// starting at vector c0 of each row (rows are wd floats apart).
func rows(label string, lanes, accs, c0, wd int, vreg func() VecVirtual, k, x, r, g Register) {
	acc := make([]VecVirtual, accs)
	for i := range acc {
		acc[i] = vreg()
		VMOVUPS(Mem{Base: g, Disp: (c0 + i) * lanes * 4}, acc[i])
	}
	p, xp, n := GP64(), GP64(), GP64()
	LEAQ(Mem{Base: r, Disp: c0 * lanes * 4}, p)
	MOVQ(x, xp)
	MOVQ(k, n)
	Label(label)
	xv := vreg()
	VBROADCASTSS(Mem{Base: xp}, xv)
	for i := range acc {
		VFMADD231PS(Mem{Base: p, Disp: i * lanes * 4}, xv, acc[i])
	}
	ADDQ(U32(wd*4), p)
	ADDQ(U32(4), xp)
	DECQ(n)
	JNZ(LabelRef(label))
	for i := range acc {
		VMOVUPS(acc[i], Mem{Base: g, Disp: (c0 + i) * lanes * 4})
	}
}
