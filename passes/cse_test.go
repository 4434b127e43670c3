package passes

import (
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func TestCSE(t *testing.T) {
	b := newBuilder(t)
	x := b.in("x", 2, 3)
	a1 := b.op("LeakyRelu", map[string]*ir.Attr{"alpha": ir.FloatAttr(0.2)}, x)
	a2 := b.op("LeakyRelu", map[string]*ir.Attr{"alpha": ir.FloatAttr(0.2)}, x)
	a3 := b.op("LeakyRelu", map[string]*ir.Attr{"alpha": ir.FloatAttr(0.3)}, x)
	// Equal constants under two names merge, then the Adds reading them.
	s1 := b.op("Add", nil, a1, b.cst(scalar(1)))
	s2 := b.op("Add", nil, a2, b.cst(scalar(1)))
	// Random ops never merge.
	r1 := b.op("RandomNormalLike", nil, x)
	r2 := b.op("RandomNormalLike", nil, x)
	m := b.out(b.op("Sum", nil, s1, s2, a3), b.op("Sub", nil, r1, r2))
	c := ir.CloneModel(m)
	if _, err := cse(c.Graph); err != nil {
		t.Fatal(err)
	}
	if err := ir.Verify(c.Graph); err != nil {
		t.Fatal(err)
	}
	if got := ops(c.Graph); got != "Add:1 LeakyRelu:2 RandomNormalLike:2 Sub:1 Sum:1" {
		t.Errorf("ops %s", got)
	}
	if len(c.Graph.Inits) != 1 {
		t.Errorf("%d initializers, want 1", len(c.Graph.Inits))
	}
}
