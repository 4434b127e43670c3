package ref

import (
	"fmt"
	"strings"

	"github.com/dlc-go/dlc/ir"
)

// whereInstr runs a Where<Cmp> instruction of a dlc.Elementwise program
// (x, c, a, b) as the unfused pair it stands for: the comparison's kernel
// on x and c, then Where's on that bool tensor, a and b. ok reports
// whether op is such an instruction.
func whereInstr(ctx Ctx, op string, args []ir.Data) (t *ir.Tensor, ok bool, err error) {
	cmp, ok := strings.CutPrefix(op, "Where")
	if !ok {
		return nil, false, nil
	}
	cond, err := runDefault(ctx, cmp, args[:2])
	if err != nil {
		return nil, true, err
	}
	y, err := runDefault(ctx, "Where", []ir.Data{cond, args[2], args[3]})
	return y, true, err
}

// runDefault runs the reference kernel of the default-domain op on in.
func runDefault(ctx Ctx, op string, in []ir.Data) (*ir.Tensor, error) {
	k, def := Lookup(op), ir.LookupOp(ir.DefaultDomain, op)
	if k == nil || def == nil {
		return nil, fmt.Errorf("no kernel for %s", op)
	}
	out, err := k(ctx, &ir.Node{Op: op, Def: def, Attrs: map[string]*ir.Attr{}}, in)
	if err != nil {
		return nil, err
	}
	return Tensor(out, 0), nil
}
