package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// cmps are the ordered comparisons of the select routines (named as the
// Go package names them) with their VCMPPS predicates: _OQ, so a NaN on
// either side compares false, as ONNX Greater, Less and the rest do.
var cmps = []struct {
	name string
	pred uint8
}{{"GT", 0x1e}, {"GE", 0x1d}, {"LT", 0x11}, {"LE", 0x12}}

// cmp returns the lanes where x pred c.
func (s isa) cmp(pred uint8, x VecVirtual, c Op) mask {
	if s.avx512 {
		k := K()
		VCMPPS(U8(pred), c, x, k)
		return mask{k: k}
	}
	v := s.vreg()
	VCMPPS(U8(pred), c, x, v)
	return mask{v: v}
}

// genSelect emits sel<cmp>(dst, x, c, a, b): dst[i] = x[i] cmp c[i] ?
// a[i] : b[i], and selS<cmp>(dst, x, a, b, c) with a scalar c: the fused
// form of Where(Greater(x, c), a, b) and its relatives.
func genSelect(s isa) {
	for _, c := range cmps {
		loop{name: "sel" + c.name, sig: "func(dst, x, c, a, b []float32)", dst: true,
			ins: []string{"x", "c", "a", "b"}, unroll: 2,
			body: func(s isa, xs, _ []VecVirtual) VecVirtual {
				return s.blend(s.cmp(c.pred, xs[0], xs[1]), xs[2], xs[3])
			}}.gen(s)
		loop{name: "selS" + c.name, sig: "func(dst, x, a, b []float32, c float32)", dst: true,
			ins: []string{"x", "a", "b"}, scalars: []string{"c"}, unroll: 2,
			body: func(s isa, xs, sc []VecVirtual) VecVirtual {
				return s.blend(s.cmp(c.pred, xs[0], sc[0]), xs[1], xs[2])
			}}.gen(s)
	}
}
