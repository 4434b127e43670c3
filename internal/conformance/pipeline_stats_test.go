package conformance

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/passes"
)

// TestPipelineStats (DLC_PIPELINE_STATS=1) prints, per suite, how many
// nodes the models have before and after passes.Optimize at level 2 and
// how many models each pass changed: evidence that the conformance run
// with DLC_OPT_LEVEL exercises the passes.
func TestPipelineStats(t *testing.T) {
	if os.Getenv("DLC_PIPELINE_STATS") != "1" {
		t.Skip("set DLC_PIPELINE_STATS=1")
	}
	root := dataRoot()
	for _, suite := range append(suites, ownSuite) {
		folder := filepath.Join(root, suite)
		if suite == ownSuite {
			folder = ownRoot
		}
		models, _ := filepath.Glob(filepath.Join(folder, "*", "model.onnx"))
		before, after := 0, 0
		changed := map[string]int{}
		ops := map[string]int{}
		for _, path := range models {
			m, err := onnx.Load(path)
			if err != nil {
				continue
			}
			before += len(m.Graph.Nodes)
			rep, err := passes.Optimize(m, passes.Options{Level: 2, VerifyEach: true})
			if err != nil {
				t.Errorf("%s: %v", path, err)
				continue
			}
			after += len(m.Graph.Nodes)
			for _, p := range rep.Passes {
				if p.Changed {
					changed[p.Name]++
				}
			}
			for _, n := range m.Graph.Nodes {
				if n.Domain == ir.FusedDomain {
					ops[ir.OpKey(n.Domain, n.Op)]++
				}
			}
		}
		keys := make([]string, 0, len(changed))
		for k := range changed {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Printf("%s: %d models, %d nodes before, %d after; models changed per pass:", suite, len(models), before, after)
		for _, k := range keys {
			fmt.Printf(" %s=%d", k, changed[k])
		}
		fmt.Printf("; fused ops %v\n", ops)
	}
}
