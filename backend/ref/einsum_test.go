package ref

import (
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func einsumEq(eq string) map[string]*ir.Attr {
	return map[string]*ir.Attr{"equation": ir.StringAttr(eq)}
}

func TestEinsumFloat(t *testing.T) {
	a := nrmF32([]int{2, 2}, 1, 2, 3, 4)
	b := nrmF32([]int{2, 2}, 5, 6, 7, 8)
	cases := []struct {
		eq    string
		in    []*ir.Tensor
		shape []int
		want  []float64
	}{
		{"ij,jk->ik", []*ir.Tensor{a, b}, []int{2, 2}, []float64{19, 22, 43, 50}},
		{"ii", []*ir.Tensor{a}, []int{}, []float64{5}},              // trace (implicit output)
		{"ii->i", []*ir.Tensor{a}, []int{2}, []float64{1, 4}},       // diagonal
		{"ba", []*ir.Tensor{a}, []int{2, 2}, []float64{1, 3, 2, 4}}, // implicit output "ab": transpose
		{"ij->", []*ir.Tensor{a}, []int{}, []float64{10}},           // sum
		{"i,j->ij", []*ir.Tensor{nrmF32([]int{2}, 1, 2), nrmF32([]int{3}, 1, 10, 100)}, []int{2, 3},
			[]float64{1, 10, 100, 2, 20, 200}}, // outer product
		{" i j , j k ", []*ir.Tensor{a, b}, []int{2, 2}, []float64{19, 22, 43, 50}}, // spaces, implicit "ik"
	}
	for _, c := range cases {
		out := nrmMust(t, "Einsum", einsumEq(c.eq), 1, c.in...)
		nrmCheck(t, c.eq, out[0], c.shape, c.want...)
	}
}

func TestEinsumEllipsisBroadcast(t *testing.T) {
	// Batch [2] of 1x2 rows times one shared 2x1 column; then the same
	// with the batch broadcast from a size-1 ellipsis dim.
	a := nrmF32([]int{2, 1, 2}, 1, 2, 3, 4)
	b := nrmF32([]int{2, 1}, 10, 1)
	out := nrmMust(t, "Einsum", einsumEq("...ij,jk->...ik"), 1, a, b)
	nrmCheck(t, "batch", out[0], []int{2, 1, 1}, 12, 34)
	c := nrmF32([]int{1, 2, 1}, 10, 1)
	out = nrmMust(t, "Einsum", einsumEq("...ij,...jk"), 1, a, c)
	nrmCheck(t, "broadcast", out[0], []int{2, 1, 1}, 12, 34)
	// An ellipsis summed away when the output omits it.
	out = nrmMust(t, "Einsum", einsumEq("...i->i"), 1, a)
	nrmCheck(t, "sum ellipsis", out[0], []int{2}, 4, 6)
}

func TestEinsumIntExact(t *testing.T) {
	// (2^31+1)^2 = 2^62 + 2^32 + 1 needs 63 bits: float64 would round it.
	v := int64(1)<<31 + 1
	a := ir.FromSlice([]int{1, 1}, []int64{v})
	out := nrmMust(t, "Einsum", einsumEq("ij,jk->ik"), 1, a, a)
	if got := ir.Values[int64](out[0])[0]; got != v*v {
		t.Fatalf("got %d, want %d", got, v*v)
	}
	if out[0].DType != ir.Int64 {
		t.Fatalf("dtype %s, want i64", out[0].DType)
	}
}

func TestEinsumErrors(t *testing.T) {
	a := nrmF32([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	for _, eq := range []string{"ijk", "ij,jk", "i?", "ij->ik", "ij->ii"} {
		if _, err := nrmRun(t, "Einsum", einsumEq(eq), 1, a); err == nil {
			t.Errorf("%q: want an error", eq)
		}
	}
	if _, err := nrmRun(t, "Einsum", einsumEq("ij,jk"), 1, a, a); err == nil {
		t.Error("want an error for j of sizes 3 and 2")
	}
}

// TestEinsumKernelChecksShapes runs the kernel on inputs of unknown
// declared shape, so only the kernel can catch a rank or size mismatch.
func TestEinsumKernelChecksShapes(t *testing.T) {
	a := nrmF32([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	for _, c := range []struct {
		eq string
		in []*ir.Tensor
	}{{"ijk->i", []*ir.Tensor{a}}, {"ij,jk->ik", []*ir.Tensor{a, a}}} {
		g := ir.NewGraph("test")
		var vals []*ir.Value
		var data []ir.Data
		for i, x := range c.in {
			vals = append(vals, g.AddInput(string(rune('a'+i)), ir.TensorType(ir.Float32, ir.UnrankedShape)))
			data = append(data, x)
		}
		n, err := g.AddNode(ir.NodeSpec{Op: "Einsum", Inputs: vals, Outputs: []string{"y"}, Attrs: einsumEq(c.eq)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := einsumKernel(nil, n, data); err == nil {
			t.Errorf("%q: want an error", c.eq)
		}
	}
}
