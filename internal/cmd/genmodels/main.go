// Command genmodels builds the small models in testdata/onnx with dlc's
// own IR and ONNX exporter, together with a test data set for each in the
// ONNX backend-test layout (model.onnx, test_data_set_0/{input,output}_N.pb).
//
//	go run ./internal/cmd/genmodels testdata/onnx
//
// Expected outputs are computed here by plain Go arithmetic written
// independently of dlc's kernels, so running the models through dlc checks
// the importer, runtime and kernels against an outside oracle. Weights and
// inputs come from a fixed-seed generator: the output is reproducible and
// `make check-generated` fails if it drifts.
package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/ir"
	"google.golang.org/protobuf/proto"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: genmodels OUTDIR")
		os.Exit(2)
	}
	for _, gen := range []func(string) error{genMLP, genCNN} {
		if err := gen(os.Args[1]); err != nil {
			fmt.Fprintln(os.Stderr, "genmodels:", err)
			os.Exit(1)
		}
	}
}

// rng is the fixed-seed source of every weight and input.
func rng(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x646c63)) }

func randn(r *rand.Rand, n int, scale float64) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(r.NormFloat64() * scale)
	}
	return out
}

// builder wraps graph construction for the generators: errors here are
// bugs in the generator, so they panic with the node at fault.
type builder struct{ g *ir.Graph }

func (b builder) node(op string, out string, attrs map[string]*ir.Attr, in ...*ir.Value) *ir.Value {
	n, err := b.g.AddNode(ir.NodeSpec{Op: op, Name: out, Inputs: in, Outputs: []string{out}, Attrs: attrs})
	if err != nil {
		panic(err)
	}
	return n.Outputs[0]
}

// write saves a model and its test data set under dir/name.
func write(dir, name string, g *ir.Graph, inputs, outputs []*ir.Tensor) error {
	m := &ir.Model{Graph: g, Opsets: map[string]int64{"": onnx.MaxOpset},
		ProducerName: "dlc-genmodels", Doc: "Built by internal/cmd/genmodels; do not edit."}
	base := filepath.Join(dir, name)
	set := filepath.Join(base, "test_data_set_0")
	if err := os.MkdirAll(set, 0o755); err != nil {
		return err
	}
	if err := onnx.Save(m, filepath.Join(base, "model.onnx")); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	save := func(kind string, ts []*ir.Tensor, vals []*ir.Value) error {
		for i, t := range ts {
			b, err := proto.Marshal(onnx.TensorToProto(t, vals[i].Name))
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(set, fmt.Sprintf("%s_%d.pb", kind, i)), b, 0o644); err != nil {
				return err
			}
		}
		return nil
	}
	if err := save("input", inputs, g.Inputs); err != nil {
		return err
	}
	return save("output", outputs, g.Outputs)
}

// genMLP: x[N,16] -> Gemm(16->32) -> Relu -> Gemm(32->10) -> Softmax.
func genMLP(dir string) error {
	const in, hid, out, batch = 16, 32, 10, 4
	r := rng(1)
	w1, b1 := randn(r, hid*in, 0.3), randn(r, hid, 0.1)
	w2, b2 := randn(r, out*hid, 0.3), randn(r, out, 0.1)
	x := randn(r, batch*in, 1)

	g := ir.NewGraph("mlp")
	b := builder{g}
	xv := g.AddInput("x", ir.TensorType(ir.Float32, ir.Shape{Ranked: true, Dims: []ir.Dim{ir.Symbolic("batch"), ir.Static(in)}}))
	transB := map[string]*ir.Attr{"transB": ir.IntAttr(1)}
	h := b.node("Gemm", "fc1", transB, xv, g.AddInit("fc1.weight", ir.FromSlice([]int{hid, in}, w1)), g.AddInit("fc1.bias", ir.FromSlice([]int{hid}, b1)))
	h = b.node("Relu", "relu1", nil, h)
	y := b.node("Gemm", "fc2", transB, h, g.AddInit("fc2.weight", ir.FromSlice([]int{out, hid}, w2)), g.AddInit("fc2.bias", ir.FromSlice([]int{out}, b2)))
	y = b.node("Softmax", "probs", map[string]*ir.Attr{"axis": ir.IntAttr(1)}, y)
	g.Outputs = []*ir.Value{y}

	// The oracle: the same network with explicit loops in float64.
	want := make([]float32, batch*out)
	for n := 0; n < batch; n++ {
		hidden := make([]float64, hid)
		for j := range hidden {
			s := float64(b1[j])
			for k := 0; k < in; k++ {
				s += float64(x[n*in+k]) * float64(w1[j*in+k])
			}
			hidden[j] = math.Max(s, 0)
		}
		logits := make([]float64, out)
		peak := math.Inf(-1)
		for j := range logits {
			s := float64(b2[j])
			for k := 0; k < hid; k++ {
				s += hidden[k] * float64(w2[j*hid+k])
			}
			logits[j] = s
			peak = math.Max(peak, s)
		}
		sum := 0.0
		for j := range logits {
			logits[j] = math.Exp(logits[j] - peak)
			sum += logits[j]
		}
		for j := range logits {
			want[n*out+j] = float32(logits[j] / sum)
		}
	}
	return write(dir, "mlp", g, []*ir.Tensor{ir.FromSlice([]int{batch, in}, x)}, []*ir.Tensor{ir.FromSlice([]int{batch, out}, want)})
}

// genCNN: x[1,1,8,8] -> Conv(4 filters, 3x3, pad 1) -> Relu -> MaxPool(2x2)
// -> Flatten -> Gemm(64->5).
func genCNN(dir string) error {
	const ch, side, k, classes = 4, 8, 3, 5
	r := rng(2)
	wc, bc := randn(r, ch*k*k, 0.5), randn(r, ch, 0.1)
	pooled := ch * (side / 2) * (side / 2)
	wf, bf := randn(r, classes*pooled, 0.2), randn(r, classes, 0.1)
	x := randn(r, side*side, 1)

	g := ir.NewGraph("cnn")
	b := builder{g}
	xv := g.AddInput("x", ir.TensorType(ir.Float32, ir.ShapeOf(1, 1, side, side)))
	c := b.node("Conv", "conv", map[string]*ir.Attr{"kernel_shape": ir.IntsAttr(k, k), "pads": ir.IntsAttr(1, 1, 1, 1)},
		xv, g.AddInit("conv.weight", ir.FromSlice([]int{ch, 1, k, k}, wc)), g.AddInit("conv.bias", ir.FromSlice([]int{ch}, bc)))
	c = b.node("Relu", "relu", nil, c)
	c = b.node("MaxPool", "pool", map[string]*ir.Attr{"kernel_shape": ir.IntsAttr(2, 2), "strides": ir.IntsAttr(2, 2)}, c)
	c = b.node("Flatten", "flatten", nil, c)
	y := b.node("Gemm", "fc", map[string]*ir.Attr{"transB": ir.IntAttr(1)},
		c, g.AddInit("fc.weight", ir.FromSlice([]int{classes, pooled}, wf)), g.AddInit("fc.bias", ir.FromSlice([]int{classes}, bf)))
	g.Outputs = []*ir.Value{y}

	// The oracle: direct convolution, ReLU, 2x2 max, dense layer.
	at := func(i, j int) float64 {
		if i < 0 || j < 0 || i >= side || j >= side {
			return 0
		}
		return float64(x[i*side+j])
	}
	feat := make([]float64, 0, pooled)
	for o := 0; o < ch; o++ {
		conv := func(i, j int) float64 {
			s := float64(bc[o])
			for di := 0; di < k; di++ {
				for dj := 0; dj < k; dj++ {
					s += at(i+di-1, j+dj-1) * float64(wc[o*k*k+di*k+dj])
				}
			}
			return math.Max(s, 0)
		}
		for i := 0; i < side; i += 2 {
			for j := 0; j < side; j += 2 {
				feat = append(feat, math.Max(math.Max(conv(i, j), conv(i, j+1)), math.Max(conv(i+1, j), conv(i+1, j+1))))
			}
		}
	}
	want := make([]float32, classes)
	for c := range want {
		s := float64(bf[c])
		for i, f := range feat {
			s += f * float64(wf[c*pooled+i])
		}
		want[c] = float32(s)
	}
	return write(dir, "cnn", g, []*ir.Tensor{ir.FromSlice([]int{1, 1, side, side}, x)}, []*ir.Tensor{ir.FromSlice([]int{1, classes}, want)})
}
