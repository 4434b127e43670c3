package autodiff

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// An input of a checked op: differentiated (random float64 values) or a
// fixed initializer the gradient is not taken against, or absent.
type gcIn struct {
	shape []int
	// pos draws values in [0.5, 1.5]; otherwise they are that with a
	// random sign (away from the kinks of Relu, Abs and friends at 0).
	pos bool
	// spread sets evenly spaced values over [-3.95, 4) instead.
	spread bool
	fixed  *ir.Tensor
	absent bool
}

func d(shape ...int) gcIn               { return gcIn{shape: shape} }
func pos(shape ...int) gcIn             { return gcIn{shape: shape, pos: true} }
func fixed(t *ir.Tensor) gcIn           { return gcIn{fixed: t} }
func i64s(v ...int64) gcIn              { return fixed(ir.FromSlice([]int{len(v)}, v)) }
func f64(v float64) gcIn                { return fixed(ir.Scalar(v)) }
func absent() gcIn                      { return gcIn{absent: true} }
func ints(v ...int64) *ir.Attr          { return ir.IntsAttr(v...) }
func one(v int64) *ir.Attr              { return ir.IntAttr(v) }
func flt(v float32) *ir.Attr            { return ir.FloatAttr(v) }
func str(v string) *ir.Attr             { return ir.StringAttr(v) }
func idx(shape []int, v ...int64) gcIn  { return fixed(ir.FromSlice(shape, v)) }
func bools(shape []int, v ...bool) gcIn { return fixed(ir.FromSlice(shape, v)) }

type attrs = map[string]*ir.Attr

// at builds attributes from name, value pairs.
func at(kv ...any) attrs {
	m := attrs{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(*ir.Attr)
	}
	return m
}

// gcCase is one node checked: the loss is the sum over its float outputs
// (or those listed in loss) of the output times a random weight tensor,
// so every element of dy differs (a plain sum would hide, say, Softmax's
// gradient, which is zero for it).
type gcCase struct {
	op    string // registry key
	in    []gcIn
	attrs attrs
	outs  int   // outputs the node has (default 1)
	loss  []int // outputs in the loss (default all float ones)
	// h is the finite-difference step (default 1e-6), tol the relative
	// tolerance (default 1e-5): a float32 result needs coarser ones.
	h, tol float64
}

var gcCases = []gcCase{
	// Elementwise math.
	{op: "Abs", in: []gcIn{d(3, 4)}},
	{op: "Sqrt", in: []gcIn{pos(5)}},
	{op: "Exp", in: []gcIn{d(2, 3)}},
	{op: "Log", in: []gcIn{pos(2, 3)}},
	{op: "Erf", in: []gcIn{d(7)}},
	{op: "Sin", in: []gcIn{d(4)}},
	{op: "Cos", in: []gcIn{d(4)}},
	{op: "Tanh", in: []gcIn{d(2, 5)}},
	{op: "Reciprocal", in: []gcIn{d(6)}},
	{op: "Pow", in: []gcIn{pos(2, 3), d(2, 3)}},
	{op: "Pow", in: []gcIn{pos(2, 3), d(3)}},                     // broadcast exponent
	{op: "Pow", in: []gcIn{d(3, 2), fixed(ir.Scalar[int64](3))}}, // constant integer exponent, negative base
	{op: "Pow", in: []gcIn{d(4), f64(2)}},
	{op: "Sum", in: []gcIn{d(2, 3), d(3), d(1, 1)}},
	{op: "Mean", in: []gcIn{d(2, 3), d(2, 1)}},
	{op: "Max", in: []gcIn{d(3, 4), d(3, 4)}},
	{op: "Max", in: []gcIn{d(3, 4), d(4), d(3, 1)}},
	{op: "Min", in: []gcIn{d(2, 5), d(5)}},
	{op: "Where", in: []gcIn{bools([]int{2, 3}, true, false, false, true, true, false), d(2, 3), d(3)}},
	{op: "Where", in: []gcIn{bools([]int{3, 1}, true, false, true), d(1, 4), d(3, 4)}},
	{op: "Cast", in: []gcIn{d(2, 3)}, attrs: at("to", one(int64(ir.Float64)))},
	{op: "Cast", in: []gcIn{d(2, 3)}, attrs: at("to", one(int64(ir.Float32))), h: 1e-2, tol: 1e-3},

	// Activations.
	{op: "Relu", in: []gcIn{d(3, 5)}},
	{op: "LeakyRelu", in: []gcIn{d(3, 5)}, attrs: at("alpha", flt(0.3))},
	{op: "Elu", in: []gcIn{d(3, 5)}, attrs: at("alpha", flt(0.7))},
	{op: "Sigmoid", in: []gcIn{d(9)}},
	{op: "HardSigmoid", in: []gcIn{d(3, 5)}, attrs: at("alpha", flt(0.4), "beta", flt(0.3))},
	{op: "HardSwish", in: []gcIn{{shape: []int{4, 11}, spread: true}}},
	{op: "Softplus", in: []gcIn{d(2, 4)}},
	{op: "Softsign", in: []gcIn{d(2, 4)}},
	{op: "Gelu", in: []gcIn{d(2, 4)}},
	{op: "Gelu", in: []gcIn{d(2, 4)}, attrs: at("approximate", str("tanh"))},
	{op: "Selu", in: []gcIn{d(3, 4)}},
	{op: "ThresholdedRelu", in: []gcIn{d(3, 4)}, attrs: at("alpha", flt(0.9))},
	{op: "Mish", in: []gcIn{d(3, 4)}},
	{op: "PRelu", in: []gcIn{d(2, 3, 2), d(3, 1)}},
	{op: "PRelu", in: []gcIn{d(4, 3), d()}},
	{op: "Clip", in: []gcIn{d(3, 4), f64(-0.8), f64(0.9)}},
	{op: "Clip", in: []gcIn{d(3, 4), absent(), f64(0.7)}},
	{op: "Clip", in: []gcIn{d(3, 4), d(), d()}}, // bounds differentiated too

	// Linear algebra.
	{op: "MatMul", in: []gcIn{d(3, 4), d(4, 5)}},
	{op: "MatMul", in: []gcIn{d(2, 3, 4), d(4, 2)}},       // broadcast B over the batch
	{op: "MatMul", in: []gcIn{d(2, 2, 3, 4), d(4, 2)}},    // B shared by a rank-4 A: one flattened product
	{op: "MatMul", in: []gcIn{d(2, 1, 3, 4), d(3, 4, 2)}}, // both batches broadcast
	{op: "MatMul", in: []gcIn{d(4), d(2, 4, 3)}},          // 1-D A
	{op: "MatMul", in: []gcIn{d(2, 3, 4), d(4)}},          // 1-D B
	{op: "MatMul", in: []gcIn{d(5), d(5)}},                // dot product
	{op: "Gemm", in: []gcIn{d(3, 4), d(4, 5)}},
	{op: "Gemm", in: []gcIn{d(4, 3), d(4, 5), d(5)}, attrs: at("transA", one(1), "alpha", flt(0.5), "beta", flt(2))},
	{op: "Gemm", in: []gcIn{d(3, 4), d(5, 4), d(3, 1)}, attrs: at("transB", one(1), "beta", flt(-1.5))},
	{op: "Gemm", in: []gcIn{d(4, 3), d(5, 4), d(3, 5)}, attrs: at("transA", one(1), "transB", one(1), "alpha", flt(1.3))},
	{op: "Gemm", in: []gcIn{d(2, 3), d(3, 2), d()}, attrs: at("alpha", flt(-2))},

	// Softmax family.
	{op: "Softmax", in: []gcIn{d(3, 5)}},
	{op: "Softmax", in: []gcIn{d(2, 3, 4)}, attrs: at("axis", one(1))},
	{op: "LogSoftmax", in: []gcIn{d(3, 5)}},
	{op: "LogSoftmax", in: []gcIn{d(2, 3, 4)}, attrs: at("axis", one(-3))},

	// Reductions: keepdims both ways, all axes, negative axes, noop.
	{op: "ReduceSum", in: []gcIn{d(2, 3, 4), i64s(1)}},
	{op: "ReduceSum", in: []gcIn{d(2, 3, 4), i64s(0, -1)}, attrs: at("keepdims", one(0))},
	{op: "ReduceSum", in: []gcIn{d(2, 3)}, attrs: at("keepdims", one(0))},
	{op: "ReduceSum", in: []gcIn{d(2, 3), fixed(ir.Zeros(ir.Int64, []int{0}))}, attrs: at("noop_with_empty_axes", one(1))},
	{op: "ReduceMean", in: []gcIn{d(2, 3, 4), i64s(2, 0)}},
	{op: "ReduceMean", in: []gcIn{d(2, 3, 4), i64s(1)}, attrs: at("keepdims", one(0))},
	{op: "ReduceMean", in: []gcIn{d(3, 5)}},
	{op: "ReduceMax", in: []gcIn{d(3, 4), i64s(1)}},
	{op: "ReduceMax", in: []gcIn{d(2, 3, 4), i64s(0, 2)}, attrs: at("keepdims", one(0))},
	{op: "ReduceMax", in: []gcIn{d(2, 3)}, attrs: at("keepdims", one(0))},
	{op: "ReduceMin", in: []gcIn{d(3, 4), i64s(-1)}, attrs: at("keepdims", one(0))},
	{op: "ReduceSumSquare", in: []gcIn{d(3, 4), i64s(0)}, attrs: at("keepdims", one(0))},
	{op: "ReduceL1", in: []gcIn{d(3, 4), i64s(1)}},
	{op: "ReduceL2", in: []gcIn{d(3, 4), i64s(1)}, attrs: at("keepdims", one(0))},
	{op: "ReduceLogSumExp", in: []gcIn{d(3, 4), i64s(0)}, attrs: at("keepdims", one(0))},
	{op: "ReduceLogSum", in: []gcIn{pos(3, 4), i64s(1)}},

	// Shape ops.
	{op: "Reshape", in: []gcIn{d(2, 6), i64s(3, -1)}},
	{op: "Flatten", in: []gcIn{d(2, 3, 2)}, attrs: at("axis", one(2))},
	{op: "Squeeze", in: []gcIn{d(2, 1, 3), i64s(1)}},
	{op: "Unsqueeze", in: []gcIn{d(2, 3), i64s(0, 3)}},
	{op: "Transpose", in: []gcIn{d(2, 3, 4)}, attrs: at("perm", ints(1, 2, 0))},
	{op: "Transpose", in: []gcIn{d(2, 3, 4)}},
	{op: "Expand", in: []gcIn{d(3, 1), i64s(2, 3, 4)}},
	{op: "Concat", in: []gcIn{d(2, 3), d(2, 1), d(2, 2)}, attrs: at("axis", one(1))},
	{op: "Concat", in: []gcIn{d(1, 3), d(2, 3)}, attrs: at("axis", one(-2))},
	{op: "Split", in: []gcIn{d(2, 7), i64s(2, 1, 4)}, attrs: at("axis", one(1)), outs: 3, loss: []int{0, 2}},
	{op: "Split", in: []gcIn{d(5, 2)}, attrs: at("num_outputs", one(2)), outs: 2},
	{op: "Slice", in: []gcIn{d(4, 5), i64s(1, 0), i64s(3, 5)}},
	{op: "Slice", in: []gcIn{d(4, 6), i64s(-1, 1), i64s(0, 100), i64s(0, 1), i64s(-2, 2)}}, // negative and >1 steps
	{op: "Gather", in: []gcIn{d(5, 3), idx([]int{4}, 0, 3, 3, -1)}},                        // repeated and negative
	{op: "Gather", in: []gcIn{d(2, 4, 3), idx([]int{2, 2}, 1, 0, 3, 1)}, attrs: at("axis", one(1))},
	{op: "Gather", in: []gcIn{d(3, 4), fixed(ir.Scalar[int32](2))}, attrs: at("axis", one(-1))},
	{op: "Pad", in: []gcIn{d(2, 3), i64s(1, 0, 0, 2)}},
	{op: "Pad", in: []gcIn{d(3, 4), i64s(-1, 2, 1, -2), d()}},           // crops, and a differentiated constant
	{op: "Pad", in: []gcIn{d(2, 3, 2), i64s(1, 2), absent(), i64s(-2)}}, // axes
	{op: "Tile", in: []gcIn{d(2, 3), i64s(2, 3)}},
	{op: "Tile", in: []gcIn{d(3, 1, 2), i64s(1, 4, 2)}},
	{op: "Identity", in: []gcIn{d(3)}},
	{op: "Add", in: []gcIn{d(4, 1, 3), d(2, 1)}},
	{op: "Sub", in: []gcIn{d(2, 3), d(1, 3)}},
	{op: "Mul", in: []gcIn{d(2, 3, 2), d()}},
	{op: "Div", in: []gcIn{d(2, 3), d(3)}},
	{op: "Neg", in: []gcIn{d(2, 2)}},

	// Convolution: strides, pads, dilations, groups, bias, a stride that
	// leaves input rows unread (output_padding), 1-D.
	{op: "Conv", in: []gcIn{d(2, 3, 5, 5), d(4, 3, 3, 3), d(4)}},
	{op: "Conv", in: []gcIn{d(1, 4, 6, 7), d(6, 2, 2, 3), d(6)},
		attrs: at("group", one(2), "strides", ints(2, 2), "pads", ints(1, 0, 0, 2))},
	{op: "Conv", in: []gcIn{d(1, 2, 7, 6), d(2, 2, 3, 2)},
		attrs: at("dilations", ints(2, 1), "strides", ints(1, 2), "pads", ints(1, 1, 1, 1))},
	{op: "Conv", in: []gcIn{d(2, 3, 6, 6), d(3, 1, 3, 3)},
		attrs: at("group", one(3), "auto_pad", str("SAME_UPPER"), "strides", ints(2, 2))},
	{op: "Conv", in: []gcIn{d(2, 2, 8), d(3, 2, 3), d(3)}, attrs: at("strides", ints(3))},

	{op: "Conv", in: []gcIn{d(1, 2, 3, 4, 3), d(2, 2, 2, 2, 2), d(2)}, attrs: at("pads", ints(0, 1, 0, 0, 1, 1))}, // 3-D

	// Pools.
	{op: "MaxPool", in: []gcIn{d(2, 2, 5, 5)}, attrs: at("kernel_shape", ints(2, 2))},
	{op: "MaxPool", in: []gcIn{d(1, 2, 6, 7)},
		attrs: at("kernel_shape", ints(3, 2), "strides", ints(2, 2), "pads", ints(1, 0, 1, 1))},
	{op: "MaxPool", in: []gcIn{d(1, 1, 7, 7)},
		attrs: at("kernel_shape", ints(3, 3), "strides", ints(2, 2), "ceil_mode", one(1), "dilations", ints(1, 2))},
	{op: "MaxPool", in: []gcIn{d(1, 2, 5, 5)}, attrs: at("kernel_shape", ints(2, 2)), outs: 2, loss: []int{0}},
	{op: "MaxPool", in: []gcIn{d(2, 2, 7)}, attrs: at("kernel_shape", ints(3), "strides", ints(2), "auto_pad", str("SAME_UPPER"))},
	{op: "AveragePool", in: []gcIn{d(2, 2, 7)}, attrs: at("kernel_shape", ints(3), "strides", ints(2), "auto_pad", str("SAME_LOWER"))},
	{op: "AveragePool", in: []gcIn{d(2, 2, 5, 5)}, attrs: at("kernel_shape", ints(2, 2))},
	{op: "AveragePool", in: []gcIn{d(1, 2, 6, 5)},
		attrs: at("kernel_shape", ints(3, 3), "strides", ints(2, 2), "pads", ints(1, 1, 1, 1))},
	{op: "AveragePool", in: []gcIn{d(1, 2, 6, 5)},
		attrs: at("kernel_shape", ints(3, 3), "strides", ints(2, 2), "pads", ints(1, 1, 1, 1), "count_include_pad", one(1))},
	{op: "AveragePool", in: []gcIn{d(1, 1, 6, 6)},
		attrs: at("kernel_shape", ints(3, 3), "strides", ints(2, 2), "ceil_mode", one(1), "pads", ints(1, 1, 0, 0), "count_include_pad", one(1))},
	{op: "GlobalAveragePool", in: []gcIn{d(2, 3, 4, 5)}},
	{op: "GlobalMaxPool", in: []gcIn{d(2, 3, 3, 4)}},

	// Losses: targets and weights fixed; reductions, ignore_index, extra dims.
	{op: "NegativeLogLikelihoodLoss", in: []gcIn{d(3, 4), idx([]int{3}, 1, 0, 3)}},
	{op: "NegativeLogLikelihoodLoss", in: []gcIn{d(2, 3, 2), idx([]int{2, 2}, 1, 2, 0, 1), fixed(ir.FromSlice([]int{3}, []float64{0.5, 2, 1.5}))},
		attrs: at("ignore_index", one(1), "reduction", str("sum"))},
	{op: "NegativeLogLikelihoodLoss", in: []gcIn{d(3, 4), idx([]int{3}, 2, -100, 3)},
		attrs: at("ignore_index", one(-100), "reduction", str("mean"))},
	{op: "NegativeLogLikelihoodLoss", in: []gcIn{d(3, 4), idx([]int{3}, 2, 2, 3), fixed(ir.FromSlice([]int{4}, []float64{0.5, 2, 1.5, 3}))},
		attrs: at("reduction", str("none"))},
	{op: "SoftmaxCrossEntropyLoss", in: []gcIn{d(3, 4), idx([]int{3}, 1, 0, 3)}},
	{op: "SoftmaxCrossEntropyLoss", in: []gcIn{d(2, 3, 2), idx([]int{2, 2}, 1, 2, 0, 1), fixed(ir.FromSlice([]int{3}, []float64{0.5, 2, 1.5}))},
		attrs: at("ignore_index", one(2)), outs: 2},
	{op: "SoftmaxCrossEntropyLoss", in: []gcIn{d(3, 4), idx([]int{3}, 1, 0, 3)}, attrs: at("reduction", str("none")), outs: 2, loss: []int{1}},
	{op: "SoftmaxCrossEntropyLoss", in: []gcIn{d(3, 4), fixed(ir.FromSlice([]int{3}, []int32{1, 0, 3}))}, attrs: at("reduction", str("sum"))},

	// Normalization and dropout.
	{op: "BatchNormalization", in: []gcIn{d(3, 2, 3, 2), d(2), d(2), d(2), pos(2)}, attrs: at("epsilon", flt(0.01))},
	{op: "BatchNormalization", in: []gcIn{d(4, 3), d(3), d(3), d(3), pos(3)}},
	{op: "BatchNormalization", in: []gcIn{d(3, 2, 2, 3), d(2), d(2), fixed(ir.FromSlice([]int{2}, []float64{0.1, -0.2})),
		fixed(ir.FromSlice([]int{2}, []float64{1, 2}))}, attrs: at("training_mode", one(1)), outs: 3, loss: []int{0}},
	{op: "BatchNormalization", in: []gcIn{d(5, 3), d(3), d(3), fixed(ir.FromSlice([]int{3}, []float64{0, 0, 0})),
		fixed(ir.FromSlice([]int{3}, []float64{1, 1, 1}))}, attrs: at("training_mode", one(1), "epsilon", flt(0.1))},
	{op: "InstanceNormalization", in: []gcIn{d(2, 3, 2, 3), d(3), d(3)}, attrs: at("epsilon", flt(0.01))},
	{op: "InstanceNormalization", in: []gcIn{d(2, 2, 5), d(2), d(2)}},
	{op: "LayerNormalization", in: []gcIn{d(3, 4), d(4), d(4)}},
	{op: "LayerNormalization", in: []gcIn{d(2, 3, 4), d(3, 4)}, attrs: at("axis", one(1), "epsilon", flt(0.1)), outs: 3, loss: []int{0}},
	{op: "LayerNormalization", in: []gcIn{d(2, 3, 4), d(4), d(1)}, attrs: at("axis", one(-1))},
	{op: "Dropout", in: []gcIn{d(4, 5), f64(0.3), fixed(ir.Scalar(true))}, attrs: at("seed", one(3)), outs: 2},
	{op: "Dropout", in: []gcIn{d(4, 5)}},
	{op: "Dropout", in: []gcIn{d(4, 5), f64(0.3), fixed(ir.Scalar(false))}, outs: 2},
}

// TestGradCheck compares every case's gradients with central finite
// differences in float64.
func TestGradCheck(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 5))
	passed := 0
	for i, c := range gcCases {
		t.Run(fmt.Sprintf("%d_%s", i, c.op), func(t *testing.T) {
			feeds := gcFeeds(r, c)
			seed := r.Uint64()
			g, loss, xs := gcBuild(t, c, feeds, seed)
			k := 0
			fresh := func(base string) string { k++; return fmt.Sprintf("%s_%d", base, k) }
			grads, err := Gradients(g, loss, xs, fresh)
			if err != nil {
				t.Fatal(err)
			}
			g.Outputs = grads
			got := gcRun(t, g, feeds, runtime.Options{Reference: true, CheckTypes: true})
			// The backward graph also goes through the passes and fast
			// kernels, and must agree with the reference kernels.
			opt := gcRun(t, g, feeds, runtime.DefaultOptions())
			for j := range got {
				a, b := got[j].(*ir.Tensor), opt[j].(*ir.Tensor)
				for e := range a.Len() {
					if x, y := a.Float64At(e), b.Float64At(e); math.Abs(x-y) > 1e-9*math.Max(1, math.Abs(x)) {
						t.Fatalf("d/d%s[%d] = %v optimized, %v by the reference kernels", xs[j].Name, e, y, x)
					}
				}
			}
			// The loss alone, on a graph built again with the same weights.
			fg, _, _ := gcBuild(t, c, feeds, seed)
			s, err := runtime.New(&ir.Model{Graph: fg}, runtime.Options{})
			if err != nil {
				t.Fatal(err)
			}
			lossAt := func() float64 {
				o, err := s.Run(feeds)
				if err != nil {
					t.Fatal(err)
				}
				return o[0].(*ir.Tensor).Float64At(0)
			}
			h, tol := 1e-6, 1e-5
			if c.h != 0 {
				h, tol = c.h, c.tol
			}
			for j, x := range xs {
				gt := got[j].(*ir.Tensor)
				want := feeds[x.Name].(*ir.Tensor)
				if !slices.Equal(gt.Shape, want.Shape) {
					t.Fatalf("d/d%s has shape %v, want %v", x.Name, gt.Shape, want.Shape)
				}
				vals := want.Data.([]float64)
				for e := range vals {
					orig := vals[e]
					vals[e] = orig + h
					up := lossAt()
					vals[e] = orig - h
					down := lossAt()
					vals[e] = orig
					fd := (up - down) / (2 * h)
					if gv := gt.Float64At(e); math.Abs(gv-fd) > tol*math.Max(1, math.Abs(fd)) || math.IsNaN(gv) {
						t.Errorf("d/d%s[%d] = %v, finite difference %v", x.Name, e, gv, fd)
					}
				}
			}
			if !t.Failed() {
				passed++
			}
		})
	}
	t.Logf("%d of %d gradient checks pass", passed, len(gcCases))
}

// convert returns a float64 tensor t in dtype dt (others unchanged).
func convert(t *ir.Tensor, dt ir.DType) *ir.Tensor {
	if t.DType != ir.Float64 || dt == ir.Float64 {
		return t
	}
	out := ir.Zeros(dt, t.Shape)
	for i := range t.Len() {
		out.SetFloat64At(i, t.Float64At(i))
	}
	return out
}

// TestGradFloat32 runs every case's rule in float32, as training does:
// the rules must emit nodes of the right dtype (a constant built as
// float64 by mistake passes the float64 checks), and agree with the
// float64 gradients to float32 precision.
func TestGradFloat32(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 5))
	for i, c := range gcCases {
		t.Run(fmt.Sprintf("%d_%s", i, c.op), func(t *testing.T) {
			feeds := gcFeeds(r, c)
			seed := r.Uint64()
			want := gcGrads(t, c, feeds, seed)
			f32 := map[string]ir.Data{}
			for k, v := range feeds {
				f32[k] = convert(v.(*ir.Tensor), ir.Float32)
			}
			got := gcGrads(t, c, f32, seed)
			for j := range want {
				if got[j].DType != ir.Float32 {
					t.Fatalf("gradient %d is %s, want float32", j, got[j].DType)
				}
				for e := range want[j].Len() {
					w, g := want[j].Float64At(e), got[j].Float64At(e)
					if math.Abs(w-g) > 2e-3*math.Max(1, math.Abs(w)) || math.IsNaN(g) {
						t.Errorf("gradient %d[%d] = %v in float32, %v in float64", j, e, g, w)
					}
				}
			}
		})
	}
}

// gcGrads builds a case over feeds and runs its gradients on the
// reference kernels.
func gcGrads(t *testing.T, c gcCase, feeds map[string]ir.Data, seed uint64) []*ir.Tensor {
	t.Helper()
	g, loss, xs := gcBuild(t, c, feeds, seed)
	k := 0
	grads, err := Gradients(g, loss, xs, func(base string) string { k++; return fmt.Sprintf("%s_%d", base, k) })
	if err != nil {
		t.Fatal(err)
	}
	g.Outputs = grads
	var out []*ir.Tensor
	for _, d := range gcRun(t, g, feeds, runtime.Options{Reference: true, CheckTypes: true}) {
		out = append(out, d.(*ir.Tensor))
	}
	return out
}

// gcFeeds draws the values of a case's differentiated inputs.
func gcFeeds(r *rand.Rand, c gcCase) map[string]ir.Data {
	feeds := map[string]ir.Data{}
	for i, in := range c.in {
		if in.fixed != nil || in.absent {
			continue
		}
		vals := make([]float64, shapeSize(in.shape))
		for j := range vals {
			vals[j] = 0.5 + r.Float64()
			if !in.pos {
				vals[j] *= float64(1 - 2*r.IntN(2))
			}
			if in.spread { // clear of kinks at integers, HardSwish's ±3
				vals[j] = -4 + 8*float64(j)/float64(len(vals)) + 0.05
			}
		}
		feeds[fmt.Sprint("x", i)] = ir.FromSlice(in.shape, vals)
	}
	return feeds
}

// gcBuild builds loss = sum_j sum(Y_j * W_j) over the case's node; W_j
// are drawn from seed (the same seed gives the same weights).
//
// The graph's float dtype is that of the feeds; fixed float64 tensors are
// converted to it.
func gcBuild(t *testing.T, c gcCase, feeds map[string]ir.Data, seed uint64) (*ir.Graph, *ir.Value, []*ir.Value) {
	t.Helper()
	dt := ir.Float64
	for _, f := range feeds {
		dt = f.(*ir.Tensor).DType
	}
	r := rand.New(rand.NewPCG(seed, 1))
	g := ir.NewGraph("g")
	var xs, in []*ir.Value
	for i, spec := range c.in {
		name := fmt.Sprint("x", i)
		switch {
		case spec.absent:
			in = append(in, nil)
		case spec.fixed != nil:
			in = append(in, g.AddInit(name, convert(spec.fixed, dt)))
		default:
			x := g.AddInput(name, ir.TensorType(dt, ir.ShapeOf(feeds[name].(*ir.Tensor).Shape...)))
			xs = append(xs, x)
			in = append(in, x)
		}
	}
	outs := c.outs
	if outs == 0 {
		outs = 1
	}
	names := make([]string, outs)
	for i := range names {
		names[i] = fmt.Sprint("y", i)
	}
	def := ir.LookupOp("", c.op)
	if def == nil {
		t.Fatalf("unknown op %s", c.op)
	}
	n, err := g.AddNode(ir.NodeSpec{Op: def.Name, Domain: def.Domain, Inputs: in, Outputs: names, Attrs: c.attrs})
	if err != nil {
		t.Fatal(err)
	}
	which := c.loss
	if which == nil {
		for i, y := range n.Outputs {
			if y != nil && y.Type.DType.IsFloat() {
				which = append(which, i)
			}
		}
	}
	var loss *ir.Value
	for _, i := range which {
		y := n.Outputs[i]
		shape, ok := y.Type.Shape.Static()
		if !ok {
			t.Fatalf("output %d has shape %s, want a static one", i, y.Type.Shape)
		}
		ws := ir.Zeros(y.Type.DType, shape)
		for j := range ws.Len() {
			ws.SetFloat64At(j, 2*r.Float64()-1)
		}
		term := gcNode(t, g, "Mul", nil, y, g.AddInit(fmt.Sprint("w", i), ws))
		term = gcNode(t, g, "ReduceSum", attrs{"keepdims": one(0)}, term)
		if y.Type.DType != ir.Float64 {
			term = gcNode(t, g, "Cast", attrs{"to": one(int64(ir.Float64))}, term)
		}
		if loss == nil {
			loss = term
		} else {
			loss = gcNode(t, g, "Add", nil, loss, term)
		}
	}
	g.Outputs = []*ir.Value{loss}
	return g, loss, xs
}

func gcNode(t *testing.T, g *ir.Graph, op string, a attrs, in ...*ir.Value) *ir.Value {
	t.Helper()
	n, err := g.AddNode(ir.NodeSpec{Op: op, Inputs: in, Outputs: []string{fmt.Sprintf("%s_%d", op, len(g.Nodes))}, Attrs: a})
	if err != nil {
		t.Fatal(err)
	}
	return n.Outputs[0]
}

func gcRun(t *testing.T, g *ir.Graph, feeds map[string]ir.Data, opt runtime.Options) []ir.Data {
	t.Helper()
	s, err := runtime.New(&ir.Model{Graph: g}, opt)
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Run(feeds)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEveryRuleIsChecked fails for an op that has a gradient rule but no
// case in gcCases, so no rule goes unchecked by finite differences.
func TestEveryRuleIsChecked(t *testing.T) {
	checked := map[string]bool{}
	for _, c := range gcCases {
		checked[c.op] = true
	}
	var ruled []string
	for _, d := range ir.Ops() {
		if d.Grad == nil {
			continue
		}
		ruled = append(ruled, d.Key())
		if !checked[d.Key()] {
			t.Errorf("op %s has a gradient rule but no gradient check case", d.Key())
		}
		if d.NotDifferentiable {
			t.Errorf("op %s has a gradient rule and is marked not differentiable", d.Key())
		}
	}
	if len(ruled) < 60 {
		t.Errorf("only %d ops have gradient rules", len(ruled))
	}
	t.Logf("%d ops with gradient rules: %v", len(ruled), ruled)
}

// A rule that cannot apply says why in one error naming the node, and
// does not panic.
func TestRuleErrorsNameTheProblem(t *testing.T) {
	f64t := func(dims ...ir.Dim) ir.Type { return ir.TensorType(ir.Float64, ir.Shape{Ranked: true, Dims: dims}) }
	s := ir.Static
	cases := []struct {
		op    string
		in    []ir.Type // nil: absent
		outs  int
		attrs attrs
		want  string
	}{
		{"ReduceSum", []ir.Type{f64t(s(2), s(3)), ir.TensorType(ir.Int64, ir.ShapeOf(1))}, 1, nil, "axes"},
		{"Dropout", []ir.Type{f64t(s(2)), ir.TensorType(ir.Float64, ir.ShapeOf()), ir.TensorType(ir.Bool, ir.ShapeOf())}, 1, nil, "mask"},
		{"Conv", []ir.Type{f64t(s(1), s(2), ir.Unknown(), s(5)), f64t(s(3), s(2), s(3), s(3))}, 1, nil, "spatial"},
		{"Transpose", []ir.Type{ir.TensorType(ir.Float64, ir.UnrankedShape)}, 1, nil, "rank"},
	}
	for _, c := range cases {
		g := ir.NewGraph("g")
		var in []*ir.Value
		for i, ty := range c.in {
			in = append(in, g.AddInput(fmt.Sprint("i", i), ty))
		}
		names := []string{"y", "mask"}[:c.outs]
		n, err := g.AddNode(ir.NodeSpec{Op: c.op, Inputs: in, Outputs: names, Attrs: c.attrs})
		if err != nil {
			t.Fatalf("%s: %v", c.op, err)
		}
		k := 0
		_, err = Gradients(g, n.Outputs[0], in[:1], func(s string) string { k++; return fmt.Sprint(s, "_", k) })
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.op) {
			t.Errorf("%s: err = %v, want one naming the node and %q", c.op, err, c.want)
		}
	}
}
