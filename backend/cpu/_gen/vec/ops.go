package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/reg"
)

// Operand order below is Go assembler order: sources first, destination
// last, so VSUBPS(b, a, d) is d = a - b.

const (
	sigVV   = "func(dst, a, b []float32)"
	sigVS   = "func(dst, a []float32, s float32)"
	sigUn   = "func(dst, src []float32)"
	sigRed  = "func(x []float32) float32"
	binUnrl = 4
)

func genBinary(s isa) {
	vv := func(name string, f func(a, b, d VecVirtual)) {
		loop{name: name, sig: sigVV, dst: true, ins: []string{"a", "b"}, unroll: binUnrl,
			body: func(s isa, xs, _ []VecVirtual) VecVirtual {
				d := s.vreg()
				f(xs[0], xs[1], d)
				return d
			}}.gen(s)
	}
	vv("add", func(a, b, d VecVirtual) { VADDPS(b, a, d) })
	vv("sub", func(a, b, d VecVirtual) { VSUBPS(b, a, d) })
	vv("mul", func(a, b, d VecVirtual) { VMULPS(b, a, d) })
	vv("div", func(a, b, d VecVirtual) { VDIVPS(b, a, d) })
	vv("maximum", func(a, b, d VecVirtual) { VMAXPS(b, a, d) })
	vs := func(name string, f func(a, c, d VecVirtual)) {
		loop{name: name, sig: sigVS, dst: true, ins: []string{"a"}, scalars: []string{"s"}, unroll: binUnrl,
			body: func(s isa, xs, sc []VecVirtual) VecVirtual {
				d := s.vreg()
				f(xs[0], sc[0], d)
				return d
			}}.gen(s)
	}
	vs("addS", func(a, c, d VecVirtual) { VADDPS(c, a, d) })
	vs("subS", func(a, c, d VecVirtual) { VSUBPS(c, a, d) })
	vs("rsubS", func(a, c, d VecVirtual) { VSUBPS(a, c, d) })
	vs("mulS", func(a, c, d VecVirtual) { VMULPS(c, a, d) })
	vs("divS", func(a, c, d VecVirtual) { VDIVPS(c, a, d) })
	vs("rdivS", func(a, c, d VecVirtual) { VDIVPS(a, c, d) })
	loop{name: "axpy", sig: "func(dst, x []float32, alpha float32)", dst: true, ins: []string{"dst", "x"},
		scalars: []string{"alpha"}, unroll: binUnrl,
		body: func(s isa, xs, sc []VecVirtual) VecVirtual {
			VFMADD231PS(xs[1], sc[0], xs[0])
			return xs[0]
		}}.gen(s)
	loop{name: "lnApply", sig: "func(dst, x, g, b []float32, mean, rstd float32)", dst: true,
		ins: []string{"x", "g", "b"}, scalars: []string{"mean", "rstd"}, unroll: 2,
		body: func(s isa, xs, sc []VecVirtual) VecVirtual {
			t := xs[0]
			VSUBPS(sc[0], t, t)
			VMULPS(sc[1], t, t)
			VFMADD213PS(xs[2], xs[1], t)
			return t
		}}.gen(s)
}

func genUnary(s isa) {
	un := func(name string, unroll int, f func(s isa, x VecVirtual) VecVirtual) {
		loop{name: name, sig: sigUn, dst: true, ins: []string{"src"}, unroll: unroll,
			body: func(s isa, xs, _ []VecVirtual) VecVirtual { return f(s, xs[0]) }}.gen(s)
	}
	un("relu", 4, func(s isa, x VecVirtual) VecVirtual {
		z, d := s.vreg(), s.vreg()
		VXORPS(z, z, z)
		VMAXPS(x, z, d) // NaN in x propagates
		return d
	})
	un("abs", 4, func(s isa, x VecVirtual) VecVirtual { VANDPS(ci(0x7fffffff), x, x); return x })
	un("neg", 4, func(s isa, x VecVirtual) VecVirtual { VXORPS(ci(0x80000000), x, x); return x })
	un("sqrt", 2, func(s isa, x VecVirtual) VecVirtual { VSQRTPS(x, x); return x })
	un("exp", 1, expV)
	un("sigmoid", 1, sigmoidV)
	un("silu", 1, func(s isa, x VecVirtual) VecVirtual {
		y := sigmoidV(s, x)
		VMULPS(x, y, y)
		return y
	})
	un("tanh", 1, tanhV)
	un("erf", 1, erfV)
	un("gelu", 1, func(s isa, x VecVirtual) VecVirtual {
		u := s.vreg()
		VMULPS(cf(0.70710678118654752), x, u)
		e := erfV(s, u)
		VADDPS(cf(1), e, e)
		VMULPS(cf(0.5), x, u)
		VMULPS(u, e, e)
		return e
	})
	un("geluTanh", 1, func(s isa, x VecVirtual) VecVirtual {
		// tanh(k·(x + 0.044715·x³)) with k = sqrt(2/π), as x·(k + k·0.044715·x²).
		const k = 0.7978845608028654
		u := s.vreg()
		VMULPS(x, x, u)
		p := s.ld(cf(k * 0.044715))
		VFMADD213PS(cf(k), u, p)
		VMULPS(x, p, p)
		t := tanhV(s, p)
		VADDPS(cf(1), t, t)
		VMULPS(cf(0.5), x, u)
		VMULPS(u, t, t)
		return t
	})
	un("hardSwish", 2, func(s isa, x VecVirtual) VecVirtual {
		h := s.ld(cf(1.0 / 6))
		VFMADD213PS(cf(0.5), x, h)
		VMINPS(cf(1), h, h)
		VMAXPS(cf(0), h, h)
		VMULPS(x, h, h) // a NaN x makes the product NaN whatever the clamp did
		return h
	})
	loop{name: "clip", sig: "func(dst, src []float32, lo, hi float32)", dst: true, ins: []string{"src"},
		scalars: []string{"lo", "hi"}, unroll: 4,
		body: func(s isa, xs, sc []VecVirtual) VecVirtual {
			t := s.vreg()
			VMAXPS(xs[0], sc[0], t)
			VMINPS(t, sc[1], t)
			return t
		}}.gen(s)
	loop{name: "leakyRelu", sig: "func(dst, src []float32, alpha float32)", dst: true, ins: []string{"src"},
		scalars: []string{"alpha"}, unroll: 4,
		body: func(s isa, xs, sc []VecVirtual) VecVirtual {
			y := s.vreg()
			VMULPS(sc[0], xs[0], y)
			return s.blend(s.signMask(xs[0]), y, xs[0])
		}}.gen(s)
	loop{name: "hardSigmoid", sig: "func(dst, src []float32, alpha, beta float32)", dst: true, ins: []string{"src"},
		scalars: []string{"alpha", "beta"}, unroll: 4,
		body: func(s isa, xs, sc []VecVirtual) VecVirtual {
			h := xs[0]
			VFMADD213PS(sc[1], sc[0], h)
			one, z := s.ld(cf(1)), s.vreg()
			VXORPS(z, z, z)
			VMINPS(h, one, h) // NaN h propagates through both clamps
			VMAXPS(h, z, h)
			return h
		}}.gen(s)
}

func genReduce(s isa) {
	sum, mx := &accum{}, &accum{max: true}
	id := func(s isa, xs, _ []VecVirtual) VecVirtual { return xs[0] }
	loop{name: "sum", sig: sigRed, ins: []string{"x"}, unroll: 4, acc: sum, body: id}.gen(s)
	loop{name: "max", sig: sigRed, ins: []string{"x"}, unroll: 4, acc: mx, body: id}.gen(s)
	loop{name: "sumSq", sig: sigRed, ins: []string{"x"}, unroll: 4, acc: sum,
		body: func(s isa, xs, _ []VecVirtual) VecVirtual { VMULPS(xs[0], xs[0], xs[0]); return xs[0] }}.gen(s)
	loop{name: "dot", sig: "func(a, b []float32) float32", ins: []string{"a", "b"}, unroll: 4, acc: sum,
		body: func(s isa, xs, _ []VecVirtual) VecVirtual { VMULPS(xs[1], xs[0], xs[0]); return xs[0] }}.gen(s)
	loop{name: "sumSqDev", sig: "func(x []float32, mean float32) float32", ins: []string{"x"},
		scalars: []string{"mean"}, unroll: 4, acc: sum,
		body: func(s isa, xs, sc []VecVirtual) VecVirtual {
			VSUBPS(sc[0], xs[0], xs[0])
			VMULPS(xs[0], xs[0], xs[0])
			return xs[0]
		}}.gen(s)
	loop{name: "expSum", sig: "func(x []float32, m float32) float32", ins: []string{"x"},
		scalars: []string{"m"}, unroll: 2, acc: sum,
		body: func(s isa, xs, sc []VecVirtual) VecVirtual {
			VSUBPS(sc[0], xs[0], xs[0])
			return expV(s, xs[0])
		}}.gen(s)
	loop{name: "expShiftSum", sig: "func(dst, src []float32, m float32) float32", dst: true, ins: []string{"src"},
		scalars: []string{"m"}, unroll: 2, acc: sum,
		body: func(s isa, xs, sc []VecVirtual) VecVirtual {
			VSUBPS(sc[0], xs[0], xs[0])
			return expV(s, xs[0])
		}}.gen(s)
}
