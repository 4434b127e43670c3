package dsl

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// The Eval graphs of models with the new layers export to ONNX, load
// back with frontend/onnx and compute what the in-memory graphs compute:
// the transformer preset, a token model (int64 input, Embedding,
// PaddingMask, causal attention, a decoder layer) and an upsampling
// model (ConvTranspose2D, both Upsample modes).
func TestArchExportRoundTrip(t *testing.T) {
	tf, err := Preset(PresetSpec{Preset: "transformer"})
	if err != nil {
		t.Fatal(err)
	}
	tokens := Def{Name: "tokens", Input: []int{5}, InputDType: ir.Int64, Fn: func(x *Value) *Value {
		e := SinusoidalPositional().Apply(Embedding(9, 8).Apply(x))
		mem := TransformerEncoderLayer(8, 2, 16, true, 0.1, AttnMask(PaddingMask(x, 0))).Apply(e)
		y := TransformerDecoderLayer(e, mem, 8, 2, 16, false, 0.1, MemoryMask(PaddingMask(x, 0)))
		return Dense(4).Apply(MeanTokens().Apply(y))
	}}
	up := Sequential("up", []int{2, 4, 4},
		ConvTranspose2D(3, 3, Stride(2), Padding(PadN(1)), OutputPadding(1)),
		Upsample(2, "nearest"), Upsample(0.5, "linear"), Conv2D(2, 3), Flatten(), Dense(5))
	r := rand.New(rand.NewPCG(12, 1))
	var ortCases []ortCase
	dir := t.TempDir() // outlives the subtests, for ONNX Runtime
	for _, d := range []Def{tf, tokens, up} {
		t.Run(d.Name, func(t *testing.T) {
			m := mustBuild(t, d, 12)
			path := filepath.Join(dir, d.Name+".onnx")
			if err := m.Export(path); err != nil {
				t.Fatal(err)
			}
			loaded, err := onnx.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			mem, err := m.Graph(Eval, 0)
			if err != nil {
				t.Fatal(err)
			}
			var x *ir.Tensor
			if d.InputDType == ir.Int64 {
				ids := make([]int64, 3*5)
				for i := range ids {
					ids[i] = int64(r.IntN(9))
				}
				ids[4], ids[9] = 0, 0 // padding
				x = ir.FromSlice([]int{3, 5}, ids)
			} else {
				x = randomInput(m, 3, r)
			}
			feeds := map[string]ir.Data{InputName: x}
			want := run(t, mem, runtime.Options{Reference: true}, feeds)[0]
			got := run(t, loaded, runtime.DefaultOptions(), feeds)[0]
			checkFinite(t, "logits", got, append([]int{3}, m.OutputShape()...)...)
			if diff := maxDiff(got, want); diff > 1e-5 {
				t.Errorf("exported model on the CPU backend differs from the in-memory one on the reference kernels by %g", diff)
			}
			ortCases = append(ortCases, ortCase{d.Name, path, x, want})
		})
	}
	got := ortLogits(t, ortCases)
	for i, c := range ortCases {
		if got == nil {
			break
		}
		if diff := maxDiff(got[i], c.want); diff > 1e-4 {
			t.Errorf("%s: ONNX Runtime's logits differ from dlc's by %g", c.name, diff)
		}
	}
}

// ortCase is one model file to run with ONNX Runtime on input x.
type ortCase struct {
	name, path string
	x, want    *ir.Tensor
}

var ortType = map[ir.DType]string{ir.Float32: "float32", ir.Int64: "int64"}

// ortLogits runs each case's model file on its input with ONNX Runtime
// and returns the float32 outputs, or nil when ONNX Runtime for Node.js
// is not installed (see TestExportMatchesONNXRuntime).
func ortLogits(t *testing.T, cases []ortCase) []*ir.Tensor {
	t.Helper()
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	modules := os.Getenv("DLC_ORT_NODE_MODULES")
	if modules == "" {
		modules = filepath.Join(repo, ".cache", "npm", "node_modules")
	}
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(modules, "onnxruntime-node", "package.json"))
	}
	if err != nil {
		t.Logf("ONNX Runtime for Node.js not available (%v); only the dlc round trip is checked", err)
		return nil
	}
	dir := t.TempDir()
	var jobs []any
	for i, c := range cases {
		in := filepath.Join(dir, fmt.Sprint("in", i, ".bin"))
		if err := os.WriteFile(in, onnx.TensorToProto(c.x, "").RawData, 0o644); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, map[string]any{"model": c.path, "outputs_dir": filepath.Join(dir, fmt.Sprint("out", i)),
			"inputs": []any{map[string]any{"name": InputName, "dtype": ortType[c.x.DType], "dims": c.x.Shape, "file": in}}})
	}
	job, _ := json.Marshal(map[string]any{"cases": jobs})
	jobFile := filepath.Join(dir, "job.json")
	if err := os.WriteFile(jobFile, job, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(node, filepath.Join(repo, "scripts", "ort_run.js"), modules, jobFile).CombinedOutput(); err != nil {
		t.Fatalf("ort_run.js: %v: %s", err, out)
	}
	var outs []*ir.Tensor
	for i, c := range cases {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprint("out", i), "manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		var man struct {
			Outputs []struct {
				DType string
				Dims  []int
				File  string
			}
			Error string
		}
		if err := json.Unmarshal(b, &man); err != nil {
			t.Fatal(err)
		}
		if man.Error != "" || len(man.Outputs) != 1 || man.Outputs[0].DType != "float32" {
			t.Fatalf("%s: ONNX Runtime: %s (outputs %+v)", c.name, man.Error, man.Outputs)
		}
		raw, err := os.ReadFile(man.Outputs[0].File)
		if err != nil {
			t.Fatal(err)
		}
		vals := make([]float32, len(raw)/4)
		for i := range vals {
			vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		outs = append(outs, ir.FromSlice(man.Outputs[0].Dims, vals))
	}
	return outs
}
