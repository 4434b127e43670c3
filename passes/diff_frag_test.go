package passes_test

// More fragments of TestDifferential: the decompositions fuse-patterns
// recognizes, elementwise chains, layout and Cast chains.

import (
	"math"

	"github.com/dlc-go/dlc/ir"
)

// reduce makes a reduction over axes (an input, opset 18) with keepdims.
func (b *gen) reduce(op string, x *ir.Value, keep int64, axes ...int64) *ir.Value {
	return b.op(op, map[string]*ir.Attr{"keepdims": ir.IntAttr(keep)}, x, b.ints(axes...))
}

func (b *gen) fragLayerNorm() *ir.Value {
	d := []int{2, 3, 4}
	x := b.in(d...)
	axes := [][]int64{{-1}, {2}, {1, 2}, {1}, {0, 1, 2}}[b.pick("lnaxes", 5)]
	vaxes := axes
	if b.pick("lnvaxes", 4) == 0 {
		vaxes = []int64{1}
	}
	keep := int64(1)
	if b.pick("lnkeep", 6) == 0 && len(axes) == 3 {
		keep = 0
	}
	mean := b.reduce("ReduceMean", x, keep, axes...)
	dd := b.op("Sub", nil, x, mean)
	exp := float32(2)
	if b.pick("lnpow", 5) == 0 {
		exp = 3
	}
	vr := b.reduce("ReduceMean", b.op("Pow", nil, dd, b.sc(exp)), 1, vaxes...)
	var den *ir.Value
	eps := b.sc(1e-3)
	if b.pick("lnepsrank", 4) == 0 {
		eps = b.cst(ir.FromSlice([]int{1, 1, 1, 1}, []float32{1e-3})) // grows the rank
	}
	switch b.pick("lneps", 3) {
	case 0:
		den = b.op("Sqrt", nil, b.op("Add", nil, vr, eps))
	case 1:
		den = b.op("Sqrt", nil, b.op("Add", nil, b.sc(0.5), vr))
	case 2: // eps outside the root: not a LayerNorm
		den = b.op("Add", nil, b.op("Sqrt", nil, vr), b.sc(1e-3))
	}
	y := b.op("Div", nil, dd, den)
	switch b.pick("lnscale", 4) {
	case 1:
		y = b.op("Add", nil, b.op("Mul", nil, y, b.rnd(4)), b.rnd(4))
	case 2:
		y = b.op("Mul", nil, b.rnd(3, 4), y)
	case 3:
		y = b.op("Add", nil, b.op("Mul", nil, y, b.rnd(3, 1)), b.rnd(1, 4))
	}
	return y
}

func (b *gen) fragGelu() *ir.Value {
	x := b.in(2, 5)
	var t *ir.Value
	switch b.pick("geluscale", 4) {
	case 0:
		t = b.op("Div", nil, x, b.sc(math.Sqrt2))
	case 1:
		t = b.op("Mul", nil, b.sc(1/math.Sqrt2), x)
	case 2:
		t = b.op("Div", nil, x, b.sc(1.5))
	case 3:
		t = b.op("Div", nil, b.sc(math.Sqrt2), x)
	}
	one := float32(1)
	if b.pick("geluone", 5) == 0 {
		one = 2
	}
	a := b.op("Add", nil, b.op("Erf", nil, t), b.sc(one))
	half := b.sc(0.5)
	if b.pick("geluhalf", 5) == 0 {
		half = b.sc(0.25)
	}
	switch b.pick("geluorder", 3) {
	case 0:
		return b.op("Mul", nil, b.op("Mul", nil, x, a), half)
	case 1:
		return b.op("Mul", nil, x, b.op("Mul", nil, a, half))
	}
	return b.op("Mul", nil, b.op("Mul", nil, x, half), a)
}

func (b *gen) fragSoftmax() *ir.Value {
	x := b.in(2, 3, 4)
	ax := []int64{-1, 1, 0}[b.pick("smaxis", 3)]
	z := x
	if b.coin("smmax") {
		max := ax
		if b.pick("smmaxaxis", 4) == 0 {
			max = 2
		}
		z = b.op("Sub", nil, x, b.reduce("ReduceMax", x, 1, max))
	}
	e := b.op("Exp", nil, z)
	keep := int64(1)
	if b.pick("smkeep", 5) == 0 && ax == 0 {
		keep = 0 // the sum [3,4] broadcasts back as [1,3,4]
	}
	return b.op("Div", nil, e, b.reduce("ReduceSum", e, keep, ax))
}

func (b *gen) fragAttention() *ir.Value {
	bs, s, t, d := 2, 1+b.r.IntN(5), 1+b.r.IntN(20), 1+b.r.IntN(40)
	q := b.in(bs, s, d)
	var kt *ir.Value
	switch b.pick("attk", 4) {
	case 3: // one K for every batch entry
		kt = b.in(d, t)
	case 0:
		kt = b.op("Transpose", map[string]*ir.Attr{"perm": ir.IntsAttr(0, 2, 1)}, b.in(bs, t, d))
	case 1:
		kt = b.in(bs, d, t)
	case 2: // K laid out [T, B, D]
		kt = b.op("Transpose", map[string]*ir.Attr{"perm": ir.IntsAttr(1, 2, 0)}, b.in(t, bs, d))
	}
	sc := b.op("MatMul", nil, q, kt)
	switch b.pick("attscale", 5) {
	case 1:
		sc = b.op("Div", nil, sc, b.sc(float32(math.Sqrt(float64(d)))))
	case 2:
		sc = b.op("Mul", nil, b.sc(0.3), sc)
	case 3:
		sc = b.op("Div", nil, b.sc(2), sc) // divided into a constant
	case 4:
		sc = b.op("Div", nil, sc, b.cst(ir.FromSlice([]int{1, 1, 1, 1}, []float32{2}))) // grows the rank
	}
	sd := dims(sc)
	switch b.pick("attmask", 5) {
	case 1:
		sc = b.op("Add", nil, sc, b.in(sd[len(sd)-2:]...))
	case 2:
		m := append([]int{}, sd...)
		m[len(m)-2] = 1
		sc = b.op("Add", nil, b.in(m...), sc)
	case 3:
		sc = b.op("Add", nil, sc, b.rnd(sd...))
	case 4: // a mask that grows the scores
		sc = b.op("Add", nil, sc, b.in(append([]int{2}, sd...)...))
	}
	axis := int64(-1)
	if b.pick("attaxis", 5) == 0 {
		axis = 1
	}
	p := b.op("Softmax", map[string]*ir.Attr{"axis": ir.IntAttr(axis)}, sc)
	pd := dims(p)
	vd := append(append(pd[:len(pd)-2:len(pd)-2], pd[len(pd)-1]), 3)
	if b.pick("attv2d", 3) == 0 {
		vd = vd[len(vd)-2:] // one V for every batch entry
	}
	return b.op("MatMul", nil, p, b.in(vd...))
}

func (b *gen) fragElementwise() *ir.Value {
	d := []int{2, 3}
	x := b.in(d...)
	vals := []*ir.Value{x}
	for range 2 + b.r.IntN(5) {
		a := vals[b.r.IntN(len(vals))]
		var y *ir.Value
		switch b.pick("ew", 12) {
		case 0:
			y = b.op("Add", nil, a, vals[b.r.IntN(len(vals))])
		case 1:
			y = b.op("Mul", nil, a, b.sc(1.5))
		case 2:
			y = b.op("Sub", nil, b.sc(0.5), a)
		case 3:
			y = b.op("Div", nil, a, b.in(1, 3))
		case 4:
			y = b.op("Max", nil, a, b.rnd(2, 1))
		case 5:
			y = b.op("Pow", nil, a, b.sc(2))
		case 6:
			y = b.op("Sigmoid", nil, a)
		case 7:
			y = b.op("Abs", nil, a)
		case 8:
			y = b.op("Sqrt", nil, b.op("Abs", nil, a))
		case 9:
			y = b.op("Min", nil, a, b.cst(ir.FromSlice([]int{1, 1, 1}, []float32{0.1}))) // grows the rank
		case 10:
			y = b.op("Clip", nil, a, b.sc(-1), b.sc(1))
		case 11:
			y = b.op("Neg", nil, a)
		}
		vals = append(vals, y)
	}
	return vals[len(vals)-1]
}

func (b *gen) fragLayout() *ir.Value {
	x := b.in(2, 3, 4)
	var y *ir.Value
	switch b.pick("layout", 9) {
	case 0:
		y = b.op("Reshape", nil, b.op("Reshape", nil, x, b.ints(6, 4)), b.ints(0, -1))
	case 1:
		y = b.op("Reshape", nil, b.op("Flatten", map[string]*ir.Attr{"axis": ir.IntAttr(2)}, x), b.ints(0, 2, -1))
	case 2:
		y = b.op("Transpose", map[string]*ir.Attr{"perm": ir.IntsAttr(2, 0, 1)}, b.op("Transpose", map[string]*ir.Attr{"perm": ir.IntsAttr(1, 2, 0)}, x))
	case 3:
		y = b.op("Transpose", map[string]*ir.Attr{"perm": ir.IntsAttr(0, 2, 1)}, b.op("Transpose", nil, x))
	case 4: // float → int → float truncates
		y = b.op("Cast", map[string]*ir.Attr{"to": ir.IntAttr(int64(ir.Float32))},
			b.op("Cast", map[string]*ir.Attr{"to": ir.IntAttr(int64(ir.Int32))}, b.op("Mul", nil, x, b.sc(3))))
	case 5: // float → double → float is exact
		y = b.op("Cast", map[string]*ir.Attr{"to": ir.IntAttr(int64(ir.Float32))},
			b.op("Cast", map[string]*ir.Attr{"to": ir.IntAttr(int64(ir.Float64))}, x))
	case 6: // float → half → float rounds
		y = b.op("Cast", map[string]*ir.Attr{"to": ir.IntAttr(int64(ir.Float32))},
			b.op("Cast", map[string]*ir.Attr{"to": ir.IntAttr(int64(ir.Float16))}, x))
	case 7:
		y = b.op("Mul", nil, b.op("Add", nil, b.op("Identity", nil, x), b.cst(ir.Zeros(ir.Float32, [][]int{{1, 1, 1, 4}, {4}}[b.pick("zeros", 2)]))), b.sc(1))
	case 8:
		y = b.op("Squeeze", nil, b.op("Unsqueeze", nil, x, b.ints(0)), b.ints(0))
	}
	return y
}

// build draws one graph of 1..3 fragments; some intermediate values are
// graph outputs too, or have one more reader.
func (b *gen) build() *ir.Model {
	frags := []func() *ir.Value{b.fragConv, b.fragMatMul, b.fragGemm, b.fragLayerNorm, b.fragGelu,
		b.fragSoftmax, b.fragAttention, b.fragElementwise, b.fragLayout}
	var outs []*ir.Value
	for range 1 + b.r.IntN(2) {
		outs = append(outs, frags[b.pick("frag", len(frags))]())
	}
	for _, v := range b.inner {
		switch b.r.IntN(12) {
		case 0:
			b.desc = append(b.desc, "leak "+v.Name)
			outs = append(outs, v)
		case 1:
			b.desc = append(b.desc, "reader "+v.Name)
			outs = append(outs, b.op("Neg", nil, v))
		}
	}
	if b.r.IntN(8) == 0 { // one output listed twice
		outs = append(outs, outs[0])
	}
	b.g.Outputs = outs
	return &ir.Model{Graph: b.g, Opsets: map[string]int64{"": 21}}
}

func (b *gen) feeds(m *ir.Model) map[string]ir.Data {
	f := map[string]ir.Data{}
	for _, v := range m.Graph.Inputs {
		f[v.Name] = b.rndT(dims(v)...)
	}
	return f
}
