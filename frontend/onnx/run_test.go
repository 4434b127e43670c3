package onnx

import (
	"testing"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// runImported runs an imported model on in and returns its tensor outputs
// and the ops of its top-level graph, for tests of import rewrites.
func runImported(t *testing.T, m *ir.Model, in map[string]ir.Data) ([]*ir.Tensor, []string) {
	t.Helper()
	var ops []string
	for _, n := range m.Graph.Nodes {
		ops = append(ops, n.Op)
	}
	s, err := runtime.New(m, runtime.Options{})
	if err != nil {
		t.Fatalf("prepare: %v", err)
	}
	out, err := s.Run(in)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	res := make([]*ir.Tensor, len(out))
	for i, d := range out {
		res[i] = d.(*ir.Tensor)
	}
	return res, ops
}
