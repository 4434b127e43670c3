package passes

import (
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func TestFuseBN(t *testing.T) {
	b := newBuilder(t)
	x := b.in("x", 1, 2, 6, 6)
	y := b.op("Conv", map[string]*ir.Attr{"pads": ints(1, 1, 1, 1)}, x, b.rnd(4, 2, 3, 3))
	varT := b.randTensor(4)
	for i := range varT.Data.([]float32) {
		varT.Data.([]float32)[i] = 0.5 + float32(i)
	}
	bn := b.op("BatchNormalization", nil, y, b.rnd(4), b.rnd(4), b.rnd(4), b.cst(varT))
	m := b.out(b.op("Relu", nil, bn))
	checkPass(t, b, m, fuseBN, "Conv:1 Relu:1")
	checkPass(t, b, m, nil, "dlc.FusedConv:1")
}
