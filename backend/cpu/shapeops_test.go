package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/backend/ref"
	"github.com/dlc-go/dlc/ir"
)

// checkMove is checkElem for nodes whose output shapes inference leaves
// open (Slice, Split and Pad infer only the dtype): outputs are
// allocated at the shapes the reference kernel returns.
func checkMove(t *testing.T, c refCase) {
	t.Helper()
	n := buildRefNode(t, c)
	static := true
	for _, v := range n.Outputs {
		if _, ok := v.Type.Shape.Static(); v != nil && !ok {
			static = false
		}
	}
	if static {
		checkElem(t, c)
		return
	}
	k := Build(n, testEnv())
	if k == nil {
		t.Fatalf("%s %s: no cpu kernel", c.Op, describeInputs(c.Inputs))
	}
	data := make([]ir.Data, len(c.Inputs))
	for i, x := range c.Inputs {
		if x != nil {
			data[i] = x
		}
	}
	want, err := ref.Lookup(c.Op)(nil, n, data)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]*ir.Tensor, len(want))
	for i, w := range want {
		out[i] = ir.Zeros(w.(*ir.Tensor).DType, w.(*ir.Tensor).Shape)
	}
	for run := 0; run < 2; run++ {
		poisonOutputs(out)
		k.Run(c.Inputs, out)
		for i, o := range out {
			if msg := compareTensors(o, want[i].(*ir.Tensor), 1e-9); msg != "" {
				t.Fatalf("%s %s output %d: %s", c.Op, describeInputs(c.Inputs), i, msg)
			}
		}
	}
	if a := testing.AllocsPerRun(5, func() { k.Run(c.Inputs, out) }); a != 0 && !raceOn {
		t.Fatalf("%s: Run allocates %v times", c.Op, a)
	}
}

// i64Tensor returns an int64 tensor with distinct values, to catch
// misplaced elements in the data-movement kernels' int64 instantiation.
func i64Tensor(shape ...int) *ir.Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	v := make([]int64, n)
	for i := range v {
		v[i] = int64(i*7 + 3)
	}
	return ir.FromSlice(append([]int{}, shape...), v)
}

func TestTransposeMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	cases := []struct {
		shape []int
		perm  []int64
	}{
		{[]int{3, 5}, []int64{1, 0}}, {[]int{33, 70}, []int64{1, 0}}, {[]int{2, 3, 4, 5}, []int64{0, 2, 1, 3}},
		{[]int{2, 3, 4, 5}, []int64{0, 2, 3, 1}}, {[]int{2, 3, 4, 5}, []int64{0, 3, 1, 2}},
		{[]int{2, 3, 4, 5}, []int64{3, 2, 1, 0}}, {[]int{2, 1, 4, 5}, []int64{1, 0, 3, 2}},
		{[]int{1, 7, 1}, []int64{2, 0, 1}}, {[]int{2, 3, 4}, nil}, {[]int{4, 1}, []int64{1, 0}}, {[]int{5}, []int64{0}},
		{[]int{2, 17, 19, 3}, []int64{0, 3, 1, 2}}, {[]int{0, 3}, []int64{1, 0}},
	}
	for _, c := range cases {
		var attrs map[string]*ir.Attr
		if c.perm != nil {
			attrs = map[string]*ir.Attr{"perm": ints(c.perm...)}
		}
		checkElem(t, refCase{Op: "Transpose", Attrs: attrs, Inputs: []*ir.Tensor{randTensor(rng, c.shape...)}, Tol: 1e-9})
		checkElem(t, refCase{Op: "Transpose", Attrs: attrs, Inputs: []*ir.Tensor{i64Tensor(c.shape...)}, Tol: 1e-9})
	}
}

func TestConcatSplitMatchRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, c := range []struct {
		shapes [][]int
		axis   int64
	}{
		{[][]int{{2, 3}, {2, 5}}, 1}, {[][]int{{2, 3}, {4, 3}, {1, 3}}, 0}, {[][]int{{2, 3, 4}, {2, 1, 4}, {2, 0, 4}}, -2},
		{[][]int{{5}}, 0}, {[][]int{{2, 3, 4}, {2, 3, 4}}, 2},
	} {
		var in, in64 []*ir.Tensor
		for _, s := range c.shapes {
			in, in64 = append(in, randTensor(rng, s...)), append(in64, i64Tensor(s...))
		}
		attrs := map[string]*ir.Attr{"axis": ir.IntAttr(c.axis)}
		checkElem(t, refCase{Op: "Concat", Attrs: attrs, Inputs: in, Tol: 1e-9})
		checkElem(t, refCase{Op: "Concat", Attrs: attrs, Inputs: in64, Tol: 1e-9})
	}
	for _, c := range []struct {
		shape []int
		axis  int64
		split []int64 // nil: equal parts
		parts int
	}{
		{[]int{4, 6}, 1, []int64{1, 2, 3}, 3}, {[]int{6, 4}, 0, nil, 3}, {[]int{2, 7, 3}, 1, []int64{7}, 1},
		{[]int{2, 7, 3}, -2, []int64{3, 0, 4}, 3},
	} {
		in := []*ir.Tensor{randTensor(rng, c.shape...)}
		if c.split != nil {
			in = append(in, ir.FromSlice([]int{len(c.split)}, c.split))
		}
		attrs := map[string]*ir.Attr{"axis": ir.IntAttr(c.axis)}
		if c.split == nil {
			attrs["num_outputs"] = ir.IntAttr(int64(c.parts))
		}
		checkMove(t, refCase{Op: "Split", Attrs: attrs, Inputs: in, Const: []bool{false, true}, Outputs: c.parts, Tol: 1e-9})
	}
}

func TestSliceMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	i := func(v ...int64) *ir.Tensor { return ir.FromSlice([]int{len(v)}, v) }
	for _, c := range []struct {
		shape                     []int
		starts, ends, axes, steps *ir.Tensor
	}{
		{[]int{5, 7}, i(1, 2), i(4, 6), nil, nil},
		{[]int{5, 7}, i(0), i(-1), i(-1), nil},
		{[]int{5, 7}, i(-1), i(-100), i(1), i(-2)},
		{[]int{2, 9, 4}, i(1, 0), i(9, 4), i(1, 2), i(3, 2)},
		{[]int{2, 9, 4}, i(8), i(1 << 40), i(1), i(1)},
		{[]int{6}, i(5), i(0), nil, i(-1)},
		{[]int{3, 4}, i(2), i(2), i(0), nil},
	} {
		for _, x := range []*ir.Tensor{randTensor(rng, c.shape...), i64Tensor(c.shape...)} {
			checkMove(t, refCase{Op: "Slice", Inputs: []*ir.Tensor{x, c.starts, c.ends, c.axes, c.steps},
				Const: []bool{false, true, true, true, true}, Tol: 1e-9})
		}
	}
}

func TestGatherMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	for _, c := range []struct {
		shape []int
		axis  int64
		idx   *ir.Tensor
	}{
		{[]int{10, 8}, 0, ir.FromSlice([]int{2, 3}, []int64{0, 9, -1, 3, 3, 5})},
		{[]int{10, 8}, 1, ir.FromSlice([]int{4}, []int32{7, 0, -8, 2})},
		{[]int{3, 4, 5}, 1, ir.Scalar[int64](2)},
		{[]int{3, 4, 5}, -1, ir.FromSlice([]int{2, 2}, []int64{4, 0, 1, -5})},
		{[]int{6}, 0, ir.FromSlice([]int{0}, []int64{})},
	} {
		for _, x := range []*ir.Tensor{randTensor(rng, c.shape...), i64Tensor(c.shape...)} {
			attrs := map[string]*ir.Attr{"axis": ir.IntAttr(c.axis)}
			checkElem(t, refCase{Op: "Gather", Attrs: attrs, Inputs: []*ir.Tensor{x, c.idx}, Tol: 1e-9})
			// Constant data (an embedding table) and runtime indices.
			checkElem(t, refCase{Op: "Gather", Attrs: attrs, Inputs: []*ir.Tensor{x, c.idx}, Const: []bool{true}, Tol: 1e-9})
		}
	}
}

func TestPadExpandMatchRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	i := func(v ...int64) *ir.Tensor { return ir.FromSlice([]int{len(v)}, v) }
	for _, c := range []struct {
		shape []int
		pads  *ir.Tensor
		value float32
		axes  *ir.Tensor
	}{
		{[]int{3, 4}, i(1, 2, 0, 3), 0, nil},
		{[]int{2, 3, 5, 5}, i(0, 0, 1, 1, 0, 0, 1, 1), 1.5, nil},
		{[]int{3, 4}, i(-1, 1, 2, -2), -7, nil},
		{[]int{2, 3, 4}, i(2, 1), 3, i(-1)},
		{[]int{3, 4}, i(0, -4, 0, 0), 0, nil},
	} {
		in := []*ir.Tensor{randTensor(rng, c.shape...), c.pads, ir.Scalar(c.value), c.axes}
		checkMove(t, refCase{Op: "Pad", Inputs: in, Const: []bool{false, true, true, true}, Tol: 1e-9})
	}
	if !buildsNil(t, refCase{Op: "Pad", Attrs: map[string]*ir.Attr{"mode": ir.StringAttr("reflect")},
		Inputs: []*ir.Tensor{randTensor(rng, 3, 4), i(1, 1, 1, 1)}, Const: []bool{false, true}}) {
		t.Error("reflect Pad should be left to the reference")
	}
	for _, c := range []struct {
		shape []int
		to    []int64
	}{
		{[]int{3, 1}, []int64{3, 4}}, {[]int{1}, []int64{2, 5}}, {[]int{2, 1, 3}, []int64{4, 2, 5, 3}},
		{[]int{4}, []int64{4}}, {[]int{3, 1}, []int64{1, 1}},
	} {
		for _, x := range []*ir.Tensor{randTensor(rng, c.shape...), i64Tensor(c.shape...)} {
			checkElem(t, refCase{Op: "Expand", Inputs: []*ir.Tensor{x, ir.FromSlice([]int{len(c.to)}, c.to)},
				Const: []bool{false, true}, Tol: 1e-9})
		}
	}
}

func TestWhereCastMatchRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	cond := func(shape ...int) *ir.Tensor {
		n := 1
		for _, d := range shape {
			n *= d
		}
		v := make([]bool, n)
		for i := range v {
			v[i] = rng.IntN(2) == 0
		}
		return ir.FromSlice(append([]int{}, shape...), v)
	}
	for _, s := range [][3][]int{
		{{3, 4}, {3, 4}, {3, 4}}, {{1, 1, 4, 4}, {2, 3, 4, 4}, {}}, {{4}, {3, 4}, {3, 1}}, {{2, 1}, {1}, {2, 5}},
	} {
		checkElem(t, refCase{Op: "Where", Inputs: []*ir.Tensor{cond(s[0]...), randTensor(rng, s[1]...), randTensor(rng, s[2]...)}, Tol: 1e-9})
		checkElem(t, refCase{Op: "Where", Inputs: []*ir.Tensor{cond(s[0]...), i64Tensor(s[1]...), i64Tensor(s[2]...)}, Tol: 1e-9})
	}
	x := scaled(rng, 1e3, 4, 5)
	f32(x)[0], f32(x)[1] = 0, -2.5
	for _, to := range []ir.DType{ir.Int64, ir.Int32, ir.Bool, ir.Float32} {
		checkElem(t, refCase{Op: "Cast", Attrs: map[string]*ir.Attr{"to": ir.IntAttr(int64(to))}, Inputs: []*ir.Tensor{x}, Tol: 1e-9})
	}
	big := ir.FromSlice([]int{3}, []int64{1<<40 + 1, -5, 1<<25 + 1})
	for _, src := range []*ir.Tensor{big, ir.FromSlice([]int{2}, []int32{-3, 1 << 30}), cond(2, 3)} {
		checkElem(t, refCase{Op: "Cast", Attrs: map[string]*ir.Attr{"to": ir.IntAttr(int64(ir.Float32))}, Inputs: []*ir.Tensor{src}, Tol: 0})
	}
}
