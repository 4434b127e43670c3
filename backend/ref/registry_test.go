package ref

import (
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// Every declared op needs a reference kernel: it is the definition that
// fast kernels and constant folding are checked against.
func TestEveryOpHasAKernel(t *testing.T) {
	for _, d := range ir.Ops() {
		if Lookup(d.Key()) == nil {
			t.Errorf("op %s has no reference kernel", d.Key())
		}
	}
	for _, k := range Keys() {
		if d := lookupKey(k); d == nil {
			t.Errorf("kernel %s has no op declaration", k)
		}
	}
}

// Every op carries a one-line meaning and a type rule.
func TestEveryOpIsDocumented(t *testing.T) {
	for _, d := range ir.Ops() {
		if d.Doc == "" {
			t.Errorf("op %s has no Doc", d.Key())
		}
		if d.Infer == nil {
			t.Errorf("op %s has no Infer", d.Key())
		}
	}
}

func lookupKey(key string) *ir.OpDef {
	for _, d := range ir.Ops() {
		if d.Key() == key {
			return d
		}
	}
	return nil
}
