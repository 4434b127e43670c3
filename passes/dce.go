package passes

import "github.com/dlc-go/dlc/ir"

// dce removes nodes whose results nothing reads and initializers nothing
// reads (ir.Graph.RemoveDead). The rule-driven passes clean up after
// themselves; this pass removes what the model itself left dead.
func dce(g *ir.Graph) (bool, error) {
	return g.RemoveDead() > 0, nil
}
