package cpu

import (
	"strings"

	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/ir"
)

// ONNX RNN on float32, layout 0, no clip, activations Tanh (the default),
// Relu or Sigmoid per direction; sequence_lens as for LSTM. Each step
// adds H·Rᵀ to its row of XW = X·Wᵀ + Wb + Rb (recurBase) and applies
// the activation in place: H = f(XW_t + H·Rᵀ).

func init() {
	Register("RNN", buildRNN)
}

type rnnKernel struct {
	recurBase
	acts []vec.Act // per direction
}

func buildRNN(n *ir.Node, env *Env) Kernel {
	k := &rnnKernel{}
	if _, ok := k.initBase(n, env, []int{1}, 1, k.stepPart); !ok {
		return nil
	}
	k.acts = make([]vec.Act, k.dirs)
	names := n.Strings("activations")
	if len(names) != 0 && len(names) != k.dirs {
		return nil
	}
	for d := range k.acts {
		k.acts[d] = vec.Act{Kind: vec.ActTanh}
		if len(names) == 0 {
			continue
		}
		switch strings.ToLower(names[d]) {
		case "tanh":
		case "relu":
			k.acts[d].Kind = vec.ActRelu
		case "sigmoid":
			k.acts[d].Kind = vec.ActSigmoid
		default:
			return nil
		}
	}
	k.initBias(n)
	return k
}

// Run computes Y and Y_h (whichever are present).
func (k *rnnKernel) Run(in, out []*ir.Tensor) {
	k.beginRun(in, out)
	for d := 0; d < k.dirs; d++ {
		k.runDir(in, out, d)
	}
	k.y = nil
}

// stepPart advances part i's units of every batch row by step s.
func (k *rnnKernel) stepPart(i, s int) {
	pt, hs := k.parts[i], k.hidden
	t, g, h, hNext := k.stepRows(s)
	k.r[k.d][i][0].mulAdd(k.batch, h, hs, g[pt.off:], k.cols, s%2 == 1)
	u := pt.hi - pt.lo
	for b := 0; b < k.batch; b++ {
		gb := g[b*k.cols+pt.off : b*k.cols+pt.off+u]
		k.acts[k.d].Apply(gb)
		copy(hNext[b*hs+pt.lo:b*hs+pt.hi], gb)
		k.storeY(t, b, pt.lo, pt.hi, hNext)
	}
}
