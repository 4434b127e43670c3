package passes_test

// The random graph builder of TestDifferential and the fragments of
// fused-op patterns (Conv, MatMul, Gemm) it draws.

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// gen builds one random graph; desc records every draw, so that a
// failure names the variant that broke.
type gen struct {
	t     *testing.T
	r     *rand.Rand
	g     *ir.Graph
	k     int
	inner []*ir.Value // node results, candidates for leaking
	desc  []string    // what was drawn, for failure messages
}

func (b *gen) name(p string) string { b.k++; return fmt.Sprintf("%s%d", p, b.k) }

func (b *gen) in(dims ...int) *ir.Value {
	return b.g.AddInput(b.name("in"), ir.TensorType(ir.Float32, ir.ShapeOf(dims...)))
}

func (b *gen) cst(t *ir.Tensor) *ir.Value { return b.g.AddInit(b.name("c"), t) }

func (b *gen) rndT(dims ...int) *ir.Tensor {
	n, _ := ir.NumElements(dims)
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(b.r.NormFloat64())
	}
	return ir.FromSlice(dims, v)
}

func (b *gen) rnd(dims ...int) *ir.Value { return b.cst(b.rndT(dims...)) }

func (b *gen) sc(v float32) *ir.Value { return b.cst(ir.Scalar(v)) }

func (b *gen) ints(v ...int64) *ir.Value { return b.cst(ir.FromSlice([]int{len(v)}, v)) }

func (b *gen) op(op string, attrs map[string]*ir.Attr, in ...*ir.Value) *ir.Value {
	b.t.Helper()
	n, err := b.g.AddNode(ir.NodeSpec{Op: op, Inputs: in, Outputs: []string{b.name("v")}, Attrs: attrs})
	if err != nil {
		b.t.Fatalf("%v: %v", b.desc, err)
	}
	b.inner = append(b.inner, n.Outputs[0])
	return n.Outputs[0]
}

func (b *gen) pick(what string, n int) int {
	i := b.r.IntN(n)
	b.desc = append(b.desc, fmt.Sprintf("%s=%d", what, i))
	return i
}

func (b *gen) coin(what string) bool { return b.pick(what, 2) == 1 }

func dims(v *ir.Value) []int { d, _ := v.Type.Shape.Static(); return d }

// act applies a random activation (or none) to x.
func (b *gen) act(x *ir.Value) *ir.Value {
	switch b.pick("act", 14) {
	case 1:
		return b.op("Relu", nil, x)
	case 2:
		return b.op("Clip", nil, x, b.sc(-0.5), b.sc(0.7))
	case 3:
		return b.op("Clip", nil, x, nil, b.sc(0.3)) // no min
	case 4:
		return b.op("Clip", nil, x, b.sc(-0.2)) // no max
	case 5:
		return b.op("Clip", nil, x, b.in(), b.sc(1)) // min from the caller
	case 6:
		return b.op("LeakyRelu", nil, x) // default alpha
	case 7:
		return b.op("LeakyRelu", map[string]*ir.Attr{"alpha": ir.FloatAttr(0.3)}, x)
	case 8:
		return b.op("HardSigmoid", nil, x)
	case 9:
		return b.op("Mul", nil, x, b.op("Sigmoid", nil, x)) // Silu
	case 10:
		return b.op("Gelu", map[string]*ir.Attr{"approximate": ir.StringAttr("tanh")}, x)
	case 11:
		return b.op("Tanh", nil, x)
	case 12:
		return b.op("Clip", nil, x, b.sc(0.5), b.sc(-0.5)) // min > max
	case 13:
		return b.op("HardSwish", nil, x)
	}
	return x
}

// residual adds a tensor to x: of x's shape, or one that broadcasts.
func (b *gen) residual(x *ir.Value) *ir.Value {
	d := dims(x)
	switch b.pick("residual", 5) {
	case 1:
		return b.op("Add", nil, x, b.in(d...))
	case 2:
		return b.op("Add", nil, b.in(d...), x)
	case 3:
		if len(d) == 0 {
			return x
		}
		one := append([]int{}, d...)
		one[0] = 1
		return b.op("Add", nil, x, b.in(one...))
	case 4:
		return b.op("Add", nil, x, b.rnd(d...)) // a constant of x's shape
	}
	return x
}

func (b *gen) fragConv() *ir.Value {
	groups := []int{1, 2, 3}[b.pick("groups", 3)]
	cin := groups * (1 + b.r.IntN(6))
	m := groups * (1 + b.r.IntN(8))
	if b.coin("depthwise") {
		cin = 1 + b.r.IntN(20)
		m, groups = cin, cin
	}
	k := []int{1, 3, 5}[b.pick("k", 3)]
	rank := 3 + b.pick("conv2d", 2)
	xd := []int{1 + b.r.IntN(2), cin, 5 + b.r.IntN(12)}
	wd := []int{m, cin / groups, k}
	if rank == 4 {
		xd = append(xd, 5+b.r.IntN(12))
		wd = append(wd, k)
	}
	attrs := map[string]*ir.Attr{"group": ir.IntAttr(int64(groups))}
	if b.coin("padstride") {
		p := int64(k / 2)
		pads := []int64{p, p}
		if rank == 4 {
			pads = []int64{p, 0, p, p}
		}
		attrs["pads"] = ir.IntsAttr(pads...)
		if b.coin("stride") {
			attrs["strides"] = ir.IntsAttr(slices.Repeat([]int64{2}, rank-2)...)
		}
	}
	x := b.in(xd...)
	var bias *ir.Value
	switch b.pick("convbias", 3) {
	case 1:
		bias = b.rnd(m)
	case 2:
		bias = b.in(m)
	}
	in := []*ir.Value{x, b.rnd(wd...)}
	if bias != nil {
		in = append(in, bias)
	}
	y := b.op("Conv", attrs, in...)
	if b.coin("bn") {
		v := b.rndT(m)
		for i, f := range v.Data.([]float32) {
			v.Data.([]float32)[i] = f*f + 0.1
		}
		bnIn := []*ir.Value{y, b.rnd(m), b.rnd(m), b.rnd(m), b.cst(v)}
		if b.pick("bnparam", 4) == 0 {
			bnIn[3] = b.in(m) // a mean the caller gives
		}
		var at map[string]*ir.Attr
		if b.coin("eps") {
			at = map[string]*ir.Attr{"epsilon": ir.FloatAttr(0.5)}
		}
		y = b.op("BatchNormalization", at, bnIn...)
	}
	yd := dims(y)
	ones := func(n int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = 1
		}
		return s
	}
	switch b.pick("chanbias", 5) {
	case 1:
		s := ones(len(yd) - 1)
		s[0] = m
		y = b.op("Add", nil, y, b.rnd(s...))
	case 2:
		s := ones(len(yd))
		s[1] = m
		y = b.op("Add", nil, b.rnd(s...), y)
	case 3: // along the last dim, not the channels
		s := ones(len(yd))
		s[len(s)-1] = yd[len(yd)-1]
		y = b.op("Add", nil, y, b.rnd(s...))
	case 4: // a per-channel bias the caller gives
		s := ones(len(yd))
		s[1] = m
		y = b.op("Add", nil, y, b.in(s...))
	}
	return b.act(b.residual(y))
}

func (b *gen) fragMatMul() *ir.Value {
	mm, kk, n := 1+b.r.IntN(20), 1+b.r.IntN(40), 1+b.r.IntN(40)
	var ad []int
	switch b.pick("arank", 3) {
	case 0:
		ad = []int{kk}
	case 1:
		ad = []int{mm, kk}
	case 2:
		ad = []int{2, mm, kk}
	}
	var bw *ir.Value
	switch b.pick("b", 4) {
	case 0:
		bw = b.rnd(kk, n)
	case 1:
		bw = b.in(kk, n)
	case 2:
		bw = b.rnd(2, kk, n)
	case 3:
		bw = b.rnd(kk) // a vector: Y loses the last dim
	}
	y := b.op("MatMul", nil, b.in(ad...), bw)
	yd := dims(y)
	last := 1
	if len(yd) > 0 {
		last = yd[len(yd)-1]
	}
	switch b.pick("mmbias", 8) {
	case 1:
		y = b.op("Add", nil, y, b.rnd(last))
	case 2:
		y = b.op("Add", nil, b.rnd(1, last), y)
	case 3:
		y = b.op("Add", nil, y, b.in(last))
	case 4:
		y = b.op("Add", nil, y, b.rnd(1, 1, last)) // may grow the rank
	case 5:
		if len(yd) >= 2 { // bias along the rows
			y = b.op("Add", nil, y, b.rnd(yd[len(yd)-2], 1))
		}
	case 6:
		if len(yd) >= 2 { // a full [M,N] constant
			y = b.op("Add", nil, y, b.rnd(yd[len(yd)-2:]...))
		}
	case 7:
		y = b.op("Add", nil, y, b.sc(0.25))
	}
	return b.act(b.residual(y))
}

func (b *gen) fragGemm() *ir.Value {
	m, k, n := 1+b.r.IntN(4), 1+b.r.IntN(5), 1+b.r.IntN(5)
	attrs := map[string]*ir.Attr{}
	if b.coin("alpha") {
		attrs["alpha"] = ir.FloatAttr(0.5)
	}
	if b.coin("beta") {
		attrs["beta"] = ir.FloatAttr(2)
	}
	bd := []int{k, n}
	if b.coin("transB") {
		attrs["transB"] = ir.IntAttr(1)
		bd = []int{n, k}
	}
	in := []*ir.Value{b.in(m, k), b.rnd(bd...)}
	switch b.pick("gemmC", 3) {
	case 1:
		in = append(in, b.rnd(n))
	case 2:
		in = append(in, b.rnd(m, n))
	}
	return b.act(b.residual(b.op("Gemm", attrs, in...)))
}
