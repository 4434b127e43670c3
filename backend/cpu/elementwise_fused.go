package cpu

import (
	"math"
	"slices"

	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/ir"
)

// dlc.Elementwise: a program of elementwise instructions (ir.ElemProgram)
// run over blocks of the output. Each instruction is one vec call on a
// block: operands are blocks of the inputs (or their broadcast scalars),
// constants, or earlier results held in per-thread scratch registers of
// ewBlock floats, so a block stays in L1 from the first instruction to
// the last, which writes the output. Broadcasting is planned once per
// shape as in the binary kernels (elementwise_bcast.go): each outer block
// of the plan is one row, cut into blocks. Results match the reference
// (the unfused ops) as the unfused fast kernels do: exactly for the
// arithmetic, within the vec functions' error for the transcendental ones.

func init() {
	Register(ir.OpKey(ir.FusedDomain, "Elementwise"), buildElementwise)
}

// ewBlock is the most elements one instruction processes at a time: 1 KiB
// per register, so a dozen registers and the operands fit in L1.
const ewBlock = 256

// ewArg is an operand: input idx (a vector, or a scalar where the input
// is broadcast along the row), register idx, or the constant val.
type ewArg struct {
	kind ir.ElemArgKind
	idx  int
	val  float32
}

// ewInstr is one instruction: op applied to a (and b), parameters p0 and
// p1, the result in register dst (-1: the output). sel is set for a
// Where<Cmp> instruction, which compares a with b.
type ewInstr struct {
	op     string
	a, b   ewArg
	binary bool
	p0, p1 float32
	dst    int
	sel    *ewSelect
}

type elementwiseKernel struct {
	prog    []ewInstr
	nreg    int
	plan    *bcastPlan
	strides []int // per input, its stride along the row: 1 or 0
	blk     int   // block length: min(row, ewBlock)
	perRow  int   // blocks per row
	inPlace int
	spare   int         // first of the registers selects fill broadcast operands into (see selectInstr)
	rowsPer int         // rows per block: 1, or more when rows are short (see groupRows)
	copyReg []int       // with rowsPer > 1, per input the register it is copied into, or -1
	ones    []float32   // with rowsPer > 1, a row of ones (see copyRows)
	scratch [][]float32 // per splitter part, nreg·blk floats
	offs    [][]int     // per splitter part, each input's offset in the current row
	sp      *splitter
	ins     [][]float32
	y       []float32
}

func buildElementwise(n *ir.Node, env *Env) Kernel {
	shapes, ok := staticShapes(n)
	if !ok {
		return nil
	}
	ys, ok := outShape(n, 0)
	if !ok {
		return nil
	}
	prog, err := ir.ParseElemProgram(n.Strings("program"), len(n.Inputs))
	if err != nil {
		return nil
	}
	k := &elementwiseKernel{inPlace: -1, spare: -1, rowsPer: 1}
	if !k.compile(prog) {
		return nil
	}
	k.plan = newBcastPlan(ys, shapes...)
	k.strides = make([]int, len(shapes))
	for j, s := range shapes {
		k.strides[j] = k.plan.innerStride(j)
		if k.inPlace < 0 && slices.Equal(s, ys) {
			k.inPlace = j
		}
	}
	k.ins = make([][]float32, len(shapes))
	k.blk = max(1, min(k.plan.inner, ewBlock))
	k.perRow = (k.plan.inner + k.blk - 1) / k.blk
	items := k.plan.outer * k.perRow
	if k.groupRows(); k.rowsPer > 1 {
		k.blk = k.rowsPer * k.plan.inner
		items = (k.plan.outer + k.rowsPer - 1) / k.rowsPer
	}
	k.fillConsts()
	if product(ys) == 0 {
		items = 0
	}
	grain := max(mathGrain, elemGrain/len(prog))
	if k.costly() {
		grain = mathGrain
	}
	k.sp = newSplitter(envPool(env), items, max(1, grain/k.blk), k.blocks)
	k.scratch = make([][]float32, k.sp.parts())
	k.offs = make([][]int, k.sp.parts())
	for c := range k.scratch {
		k.scratch[c] = make([]float32, k.nreg*k.blk)
		k.offs[c] = make([]int, len(shapes))
	}
	return k
}

// compile turns the program into register instructions: a register is
// reused once the last instruction reading it has run (an instruction may
// write the register it reads: the vec functions allow dst == src). It
// reports false for a program outside the fast path.
func (k *elementwiseKernel) compile(prog ir.ElemProgram) bool {
	last := make([]int, len(prog)) // last instruction reading each result
	for i, in := range prog {
		for _, a := range in.Args {
			if a.Kind == ir.ElemTemp {
				last[a.Index] = i
			}
		}
	}
	reg := make([]int, len(prog)) // register of each result
	var free []int
	for i, in := range prog {
		e := ewInstr{op: in.Op, binary: len(in.Args) == 2, dst: -1}
		if in.Op == "Pow" && in.Params[0] != 1 && in.Params[0] != 2 && in.Params[0] != 0.5 {
			return false
		}
		args := make([]ewArg, len(in.Args))
		for j, a := range in.Args {
			args[j] = ewArg{kind: a.Kind, idx: a.Index, val: a.Value}
			if a.Kind == ir.ElemTemp {
				args[j].idx = reg[a.Index]
				if last[a.Index] == i && !containsReg(free, reg[a.Index]) {
					free = append(free, reg[a.Index])
				}
			}
		}
		e.a = args[0]
		if e.binary {
			e.b = args[1]
		}
		if len(args) == 4 {
			compileSelect(&e, args)
		}
		if len(in.Params) > 0 {
			e.p0 = in.Params[0]
		}
		if len(in.Params) > 1 {
			e.p1 = in.Params[1]
		}
		if i < len(prog)-1 {
			if len(free) > 0 {
				e.dst, free = free[len(free)-1], free[:len(free)-1]
			} else {
				e.dst = k.nreg
				k.nreg++
			}
			reg[i] = e.dst
		}
		k.prog = append(k.prog, e)
	}
	k.reserveSpare()
	return true
}

func containsReg(rs []int, r int) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// costly reports whether the program calls a transcendental function.
func (k *elementwiseKernel) costly() bool {
	for _, e := range k.prog {
		switch e.op {
		case "Sigmoid", "Tanh", "Exp", "Erf", "Gelu", "GeluTanh":
			return true
		}
	}
	return false
}

func (k *elementwiseKernel) Run(in, out []*ir.Tensor) {
	for j := range k.ins {
		k.ins[j] = f32(in[j])
	}
	k.y = f32(out[0])
	k.sp.run()
	clear(k.ins)
	k.y = nil
}

// InPlace allows the output over the first input of the output's shape:
// each block of it is read before the last instruction writes it.
func (k *elementwiseKernel) InPlace() (out, in int) { return 0, k.inPlace }

// blocks runs work items [lo, hi) on part c's registers.
func (k *elementwiseKernel) blocks(c, lo, hi int) {
	if k.rowsPer > 1 {
		k.groupBlocks(c, lo, hi)
		return
	}
	regs, offs := k.scratch[c], k.offs[c]
	row := -1
	for it := lo; it < hi; it++ {
		b, s := it/k.perRow, (it%k.perRow)*k.blk
		if b != row {
			for j := range offs {
				offs[j] = k.plan.offset(j, b)
			}
			row = b
		}
		k.block(regs, offs, b, s, min(s+k.blk, k.plan.inner))
	}
}

// block computes elements [lo, hi) of row b, where input j starts at
// offs[j].
func (k *elementwiseKernel) block(regs []float32, offs []int, b, lo, hi int) {
	n := hi - lo
	y := k.y[b*k.plan.inner+lo : b*k.plan.inner+hi]
	for i := range k.prog {
		e := &k.prog[i]
		dst := y
		if e.dst >= 0 {
			dst = regs[e.dst*k.blk : e.dst*k.blk+n]
		}
		if e.sel != nil {
			k.selectInstr(e, dst, regs, offs, lo)
			continue
		}
		av, as, aScalar := k.operand(regs, offs, e.a, lo, n)
		if !e.binary {
			if aScalar {
				fill(dst, as)
				av = dst
			}
			unaryInstr(e, dst, av)
			continue
		}
		bv, bs, bScalar := k.operand(regs, offs, e.b, lo, n)
		switch {
		case !aScalar && !bScalar:
			binaryVV(e.op, dst, av, bv)
		case !aScalar:
			binaryVS(e.op, dst, av, bs)
		case !bScalar:
			binarySV(e.op, dst, bv, as)
		default:
			fill(dst, as)
			binaryVS(e.op, dst, dst, bs)
		}
	}
}

// operand returns a's n elements from offset lo of the current row, or
// its scalar when it is constant along the row.
func (k *elementwiseKernel) operand(regs []float32, offs []int, a ewArg, lo, n int) ([]float32, float32, bool) {
	switch a.kind {
	case ir.ElemInput:
		if k.rowsPer > 1 && k.copyReg[a.idx] >= 0 {
			r := k.copyReg[a.idx]
			return regs[r*k.blk+lo : r*k.blk+lo+n], 0, false
		}
		x := k.ins[a.idx]
		off := offs[a.idx]
		if k.strides[a.idx] == 0 {
			return nil, x[off], true
		}
		return x[off+lo : off+lo+n], 0, false
	case ir.ElemTemp:
		return regs[a.idx*k.blk : a.idx*k.blk+n], 0, false
	}
	return nil, a.val, true
}

func fill(d []float32, v float32) {
	for i := range d {
		d[i] = v
	}
}

// unaryInstr applies a one-operand instruction.
func unaryInstr(e *ewInstr, d, x []float32) {
	switch e.op {
	case "Relu":
		vec.Relu(d, x)
	case "Sigmoid":
		vec.Sigmoid(d, x)
	case "Tanh":
		vec.Tanh(d, x)
	case "Exp":
		vec.Exp(d, x)
	case "Erf":
		vec.Erf(d, x)
	case "Neg":
		vec.Neg(d, x)
	case "Abs":
		vec.Abs(d, x)
	case "Sqrt":
		vec.Sqrt(d, x)
	case "HardSwish":
		vec.HardSwish(d, x)
	case "Gelu":
		vec.Gelu(d, x)
	case "GeluTanh":
		vec.GeluTanh(d, x)
	case "LeakyRelu":
		vec.LeakyRelu(d, x, e.p0)
	case "HardSigmoid":
		vec.HardSigmoid(d, x, e.p0, e.p1)
	case "Clip":
		vec.Clip(d, x, e.p0, e.p1)
	case "Pow":
		switch e.p0 {
		case 2:
			vec.Mul(d, x, x)
		case 0.5:
			powHalf(d, x)
		default:
			copy(d, x)
		}
	}
}

var inf32 = float32(math.Inf(1))

// binaryVV applies a two-operand instruction to two vectors.
func binaryVV(op string, d, a, b []float32) {
	switch op {
	case "Add":
		vec.Add(d, a, b)
	case "Sub":
		vec.Sub(d, a, b)
	case "Mul":
		vec.Mul(d, a, b)
	case "Div":
		vec.Div(d, a, b)
	case "Max":
		maximum(d, a, b)
	case "Min":
		minimum(d, a, b)
	}
}

// maximum is the elementwise max, NaN propagating like the reference Max:
// vec.Maximum where neither operand holds a NaN (a NaN sum is the cheap
// test; an Inf - Inf sum only sends a block the slow way), else a loop.
func maximum(d, a, b []float32) {
	if s := vec.Sum(a[:len(d)]) + vec.Sum(b[:len(d)]); s == s {
		vec.Maximum(d, a, b)
		return
	}
	b = b[:len(d)]
	for i, x := range a[:len(d)] {
		switch y := b[i]; {
		case x != x || y != y:
			d[i] = x + y
		case y > x:
			d[i] = y
		default:
			d[i] = x
		}
	}
}

// binaryVS applies op(a[i], s).
func binaryVS(op string, d, a []float32, s float32) {
	switch op {
	case "Add":
		vec.AddScalar(d, a, s)
	case "Sub":
		vec.SubScalar(d, a, s)
	case "Mul":
		vec.MulScalar(d, a, s)
	case "Div":
		vec.DivScalar(d, a, s)
	case "Max":
		maxScalar(d, a, s)
	case "Min":
		minScalar(d, a, s)
	}
}

// binarySV applies op(s, b[i]).
func binarySV(op string, d, b []float32, s float32) {
	switch op {
	case "Sub":
		vec.ScalarSub(d, b, s)
	case "Div":
		vec.ScalarDiv(d, b, s)
	default: // the rest commute
		binaryVS(op, d, b, s)
	}
}

// minimum is the elementwise min, NaN propagating like the reference Min.
func minimum(d, a, b []float32) {
	b = b[:len(d)]
	for i, x := range a[:len(d)] {
		switch y := b[i]; {
		case x != x || y != y:
			d[i] = x + y
		case y < x:
			d[i] = y
		default:
			d[i] = x
		}
	}
}

// maxScalar is max(a[i], s) as vec.Clip computes it, unless s is NaN,
// which propagates.
func maxScalar(d, a []float32, s float32) {
	if s != s {
		fill(d, s)
		return
	}
	vec.Clip(d, a, s, inf32)
}

// minScalar is min(a[i], s); a NaN s propagates.
func minScalar(d, a []float32, s float32) {
	if s != s {
		fill(d, s)
		return
	}
	vec.Clip(d, a, -inf32, s)
}
