// Command dsl builds the reference MLP (784-256-256-10) with frontend/dsl,
// prints its summary, runs a batch of zeros through the runtime and
// exports the inference graph as ONNX. It needs no data files.
//
//	go run ./examples/dsl             # export to a temporary folder
//	go run ./examples/dsl -o mlp.onnx # export to mlp.onnx
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dlc-go/dlc/frontend/dsl"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

func main() {
	out := flag.String("o", "", "ONNX file to write (default: mlp.onnx in a temporary folder)")
	batch := flag.Int("batch", 4, "rows of the zero batch")
	seed := flag.Uint64("seed", 1, "seed of the initial parameter values")
	flag.Parse()
	if err := demo(*out, *batch, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "dsl:", err)
		os.Exit(1)
	}
}

func demo(out string, batch int, seed uint64) error {
	if batch < 1 {
		return fmt.Errorf("-batch must be positive, got %d", batch)
	}
	m, err := dsl.MLP([]int{1, 28, 28}, 256, 256, 10).Build(seed)
	if err != nil {
		return err
	}
	fmt.Print(m.Summary())

	g, err := m.Graph(dsl.Eval, 0)
	if err != nil {
		return err
	}
	s, err := runtime.New(g, runtime.DefaultOptions())
	if err != nil {
		return err
	}
	x := ir.Zeros(m.DType(), append([]int{batch}, m.InputShape()...))
	res, err := s.Run(map[string]ir.Data{dsl.InputName: x})
	if err != nil {
		return err
	}
	logits := res[0].(*ir.Tensor)
	// Zero inputs leave only the biases' path: every row is the same.
	fmt.Printf("logits %v, row 0: %.4f\n", logits.Shape, logits.Float64s()[:logits.Shape[1]])

	if out == "" {
		dir, err := os.MkdirTemp("", "dlc-dsl-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		out = filepath.Join(dir, "mlp.onnx")
	}
	if err := m.Export(out); err != nil {
		return err
	}
	info, err := os.Stat(out)
	if err != nil {
		return err
	}
	fmt.Printf("exported %s (%d bytes)\n", out, info.Size())
	return nil
}
