package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// TestFusedMatMulPermsMatchRef runs dlc.FusedMatMul with perm_a, perm_b
// and perm_y (strided and transposed GEMM operands, a strided result)
// against the reference, which transposes explicitly: attention's head
// splits, gradients' transposed operands, broadcast batches, size-1 dims,
// a constant transposed B, bias and activation.
func TestFusedMatMulPermsMatchRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	type tc struct {
		a, b         []int
		pa, pb, py   []int64
		bias, constB bool
		act          string
	}
	cases := []tc{
		{a: []int{3, 7, 4, 5}, b: []int{3, 9, 4, 5}, pa: []int64{0, 2, 1, 3}, pb: []int64{0, 2, 3, 1}},                            // Q·Kᵀ per head
		{a: []int{3, 4, 7, 9}, b: []int{3, 9, 4, 5}, pb: []int64{0, 2, 1, 3}, py: []int64{0, 2, 1, 3}},                            // P·V, heads merged back
		{a: []int{2, 13, 6}, b: []int{2, 13, 11}, pa: []int64{0, 2, 1}},                                                           // Aᵀ·dy per batch
		{a: []int{2, 6, 13}, b: []int{2, 11, 13}, pb: []int64{0, 2, 1}, bias: true, act: "Relu"},                                  // dy·Bᵀ
		{a: []int{33, 17}, b: []int{33, 19}, pa: []int64{1, 0}},                                                                   // dW = xᵀ·dy, one GEMM
		{a: []int{2, 5, 17}, b: []int{19, 17}, pb: []int64{1, 0}, constB: true},                                                   // constant Wᵀ, stacked rows
		{a: []int{2, 1, 9, 5}, b: []int{3, 9, 4}, pa: []int64{0, 1, 3, 2}},                                                        // broadcast batches
		{a: []int{1, 5}, b: []int{1, 4}, pa: []int64{1, 0}},                                                                       // size-1 dims
		{a: []int{5, 1}, b: []int{4, 5}, pa: []int64{1, 0}, pb: []int64{1, 0}},                                                    // size-1 dims, both swapped
		{a: []int{2, 3, 7, 8}, b: []int{8, 6}, py: []int64{0, 2, 1, 3}, bias: true, act: "Gelu"},                                  // result permuted, B shared
		{a: []int{4, 7, 2, 16}, b: []int{4, 7, 2, 16}, pa: []int64{0, 2, 1, 3}, pb: []int64{0, 2, 3, 1}, py: []int64{0, 2, 1, 3}}, // all three
	}
	for _, c := range cases {
		in := []*ir.Tensor{randTensor(rng, c.a...), randTensor(rng, c.b...)}
		attrs := map[string]*ir.Attr{}
		if c.act != "" {
			attrs["activation"] = ir.StringAttr(c.act)
		}
		for name, p := range map[string][]int64{"perm_a": c.pa, "perm_b": c.pb, "perm_y": c.py} {
			if p != nil {
				attrs[name] = ir.IntsAttr(p...)
			}
		}
		if c.bias {
			bs := c.b
			n := bs[len(bs)-1]
			if c.pb != nil {
				n = bs[c.pb[len(c.pb)-1]]
			}
			in = append(in, randTensor(rng, n))
		}
		rc := refCase{Op: "FusedMatMul", Domain: "dlc", Attrs: attrs, Inputs: in, Const: []bool{false, c.constB, true}}
		t.Run(fmt.Sprintf("%v%v_%v%v_%v", c.a, c.pa, c.b, c.pb, c.py), func(t *testing.T) { checkRef(t, rc) })
	}
}

// TestMatMulViewRejectsUnitStrideLoss checks that a permutation moving the
// operand's last axis out of the matrix axes gets no fast kernel (the op's
// inference refuses it too).
func TestMatMulViewRejectsUnitStrideLoss(t *testing.T) {
	if _, ok := viewOf([]int{2, 3, 4}, []int{2, 0, 1}, true); ok {
		t.Fatal("viewOf accepted a permutation that moves the unit-stride axis to the batch dims")
	}
	if _, ok := resultView([]int{2}, 3, 4, []int{0, 2, 1}); ok {
		t.Fatal("resultView accepted a permutation that moves the last axis")
	}
}
