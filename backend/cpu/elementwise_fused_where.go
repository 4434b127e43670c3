package cpu

import (
	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/ir"
)

// The Where<Cmp> instructions of dlc.Elementwise (x c a b: a where x cmp
// c, else b) run as one vec.Select over a block: x and c may be scalars
// along the row (a scalar x compares mirrored), while a and b are read as
// vectors, a constant from a block filled once when the kernel is built
// and a broadcast input filled per block into one of two spare registers.

// ewSelect is the part of a Where<Cmp> instruction past its compared
// operands (ewInstr.a and .b): the comparison and the two choices, with
// the filled blocks of constant choices.
type ewSelect struct {
	cmp    vec.Cmp
	t, f   ewArg
	tc, fc []float32 // blk copies of t's and f's value when constant
}

var selectCmps = map[string]vec.Cmp{
	"WhereGreater": vec.Greater, "WhereGreaterOrEqual": vec.GreaterOrEqual,
	"WhereLess": vec.Less, "WhereLessOrEqual": vec.LessOrEqual,
}

// compileSelect fills in e, a Where<Cmp> instruction with operands args
// (x, c, a, b).
func compileSelect(e *ewInstr, args []ewArg) {
	e.b = args[1]
	e.sel = &ewSelect{cmp: selectCmps[e.op], t: args[2], f: args[3]}
}

// reserveSpare adds the two spare registers when the program selects.
func (k *elementwiseKernel) reserveSpare() {
	for _, e := range k.prog {
		if e.sel != nil {
			k.spare = k.nreg
			k.nreg += 2
			return
		}
	}
}

// fillConsts makes the constant blocks of the selects, once blk is known.
func (k *elementwiseKernel) fillConsts() {
	for i := range k.prog {
		sel := k.prog[i].sel
		if sel == nil {
			continue
		}
		if sel.t.kind == ir.ElemConst {
			sel.tc = make([]float32, k.blk)
			fill(sel.tc, sel.t.val)
		}
		if sel.f.kind == ir.ElemConst {
			sel.fc = make([]float32, k.blk)
			fill(sel.fc, sel.f.val)
		}
	}
}

// selectInstr computes the block dst of a Where<Cmp> instruction.
func (k *elementwiseKernel) selectInstr(e *ewInstr, dst, regs []float32, offs []int, lo int) {
	n := len(dst)
	sel := e.sel
	t := k.choice(sel.t, sel.tc, regs, offs, lo, n, k.spare)
	f := k.choice(sel.f, sel.fc, regs, offs, lo, n, k.spare+1)
	xv, xs, xScalar := k.operand(regs, offs, e.a, lo, n)
	cv, cs, cScalar := k.operand(regs, offs, e.b, lo, n)
	switch {
	case !xScalar && !cScalar:
		vec.Select(dst, xv, cv, t, f, sel.cmp)
	case !xScalar:
		vec.SelectScalar(dst, xv, cs, t, f, sel.cmp)
	case !cScalar:
		vec.SelectScalar(dst, cv, xs, t, f, sel.cmp.Mirror())
	case sel.cmp.Holds(xs, cs):
		copy(dst, t)
	default:
		copy(dst, f)
	}
}

// choice returns the n elements of a choice operand a from offset lo of
// the current row: a's vector, its constant block c, or its broadcast
// value filled into spare register r.
func (k *elementwiseKernel) choice(a ewArg, c, regs []float32, offs []int, lo, n, r int) []float32 {
	if c != nil {
		return c[:n]
	}
	v, s, scalar := k.operand(regs, offs, a, lo, n)
	if !scalar {
		return v
	}
	d := regs[r*k.blk : r*k.blk+n]
	fill(d, s)
	return d
}
