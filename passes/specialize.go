package passes

import (
	"fmt"
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// FixInputShapes gives the named graph inputs of g concrete shapes and
// re-runs type inference, so that later passes (folding of Shape, static
// reshapes, fusion) see static shapes. The runtime calls it on a private
// copy of the model (ir.CloneModel) per signature of input shapes. Each
// shape must fit the input's declared shape; unnamed inputs keep theirs.
func FixInputShapes(g *ir.Graph, shapes map[string][]int) error {
	for name, dims := range shapes {
		i := slices.IndexFunc(g.Inputs, func(v *ir.Value) bool { return v.Name == name })
		if i < 0 {
			return fmt.Errorf("fix input shapes: the graph has no input %q", name)
		}
		v := g.Inputs[i]
		if v.Type.Kind != ir.TensorKind {
			return fmt.Errorf("fix input shapes: input %q is a %s, not a tensor", name, v.Type)
		}
		if !v.Type.Shape.Accepts(dims) {
			return fmt.Errorf("fix input shapes: input %q is declared %s, cannot take shape %v", name, v.Type.Shape, dims)
		}
		v.Type.Shape = ir.ShapeOf(dims...)
	}
	if err := ir.Reinfer(g); err != nil {
		return fmt.Errorf("fix input shapes: %w", err)
	}
	return nil
}

// reinfer is the "infer" pass: types as precise as the graph allows
// before the passes that read them. A node whose inference now fails
// (with more known, a model may show an error it would only hit when run)
// keeps its old types: reporting that is the run's job. It reports no
// change: a type is knowledge about the graph, not a rewrite of it.
func reinfer(g *ir.Graph) (bool, error) {
	var walk func(g *ir.Graph)
	walk = func(g *ir.Graph) {
		for _, n := range g.Nodes {
			for _, sg := range n.Subgraphs() {
				walk(sg)
			}
			_ = ir.ReinferNode(n)
		}
	}
	walk(g)
	return false, nil
}
