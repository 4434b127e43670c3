package cpu

import (
	"fmt"

	"github.com/dlc-go/dlc/backend/cpu/gemm"
	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/ir"
)

// Shared layout of the recurrent kernels (LSTM, GRU, RNN). The hidden
// units are split into parts, at most one per pool thread; a part's gate
// pre-activations are one contiguous block of the gate row,
// [gate 0 of its units | gate 1 | …], padded to recurAlign. A step then
// runs one pass over the parts (recurSched): a part adds h·R over its own
// columns and applies the gate math to its own units, with no second
// barrier, its thread streaming only its slice of R (its columns).
// The input projection X·Wᵀ + bias writes its columns straight in this
// order, W's rows permuted the same way.
//
// Gates whose recurrent products have different left operands (GRU with
// linear_before_reset = 0: z and r multiply H, h multiplies r⊙H) form
// separate groups: a part's block is one padded sub-block per group, each
// with its own packed R.

// recurPart is units [lo, hi) of the hidden state; its gate block is n
// columns from column off of the gate row.
type recurPart struct{ lo, hi, off, n int }

// group returns the column offset (from the part's off) and width of
// group gi of the part, for groups of gate counts groups.
func (pt recurPart) group(groups []int, gi int) (off, n int) {
	u := pt.hi - pt.lo
	for g, q := range groups {
		n = (q*u + recurAlign - 1) / recurAlign * recurAlign
		if g == gi {
			return off, n
		}
		off += n
	}
	panic("recurPart.group: no such group")
}

// recurMinWork is the multiply-adds of one step (gates·hidden²·batch)
// below which a step stays on one thread: at about a microsecond of work,
// handing parts between threads costs about as much as it saves.
const recurMinWork = 1 << 16

// recurParts splits hidden units over up to threads parts for a step of
// gates·hidden²·batch multiply-adds (gates = Σ groups): each part gets at
// least 32 units, and all but the last a multiple of 4 (a 4-gate block is
// then a whole number of 16-column panels). It returns the parts and the
// gate row width.
func recurParts(threads, hidden int, groups []int, batch int) ([]recurPart, int) {
	gates := 0
	for _, q := range groups {
		gates += q
	}
	p := 1
	if gates*hidden*hidden*batch >= recurMinWork {
		p = max(1, min(threads, hidden/32))
	}
	parts := make([]recurPart, p)
	off := 0
	for t := range parts {
		lo, hi := hidden*t/p&^3, hidden*(t+1)/p&^3
		if t == p-1 {
			hi = hidden
		}
		parts[t] = recurPart{lo: lo, hi: hi, off: off}
		last, n := parts[t].group(groups, len(groups)-1)
		parts[t].n = last + n
		off += parts[t].n
	}
	return parts, off
}

// recurRows maps each column of the gate row to its row of an ONNX
// weight [gates·hidden, ·] (gate q, unit u is row q·hidden+u, gates
// numbered across groups); padding columns map to -1.
func recurRows(parts []recurPart, cols, hidden int, groups []int) []int {
	rows := make([]int, cols)
	for i := range rows {
		rows[i] = -1
	}
	for _, pt := range parts {
		u, gate := pt.hi-pt.lo, 0
		for gi, q := range groups {
			goff, _ := pt.group(groups, gi)
			for qq := 0; qq < q; qq++ {
				for j := 0; j < u; j++ {
					rows[pt.off+goff+qq*u+j] = (gate+qq)*hidden + pt.lo + j
				}
			}
			gate += q
		}
	}
	return rows
}

// permuteRows sets dst row j (of ld floats) to src row rows[j], or zeros.
func permuteRows(dst, src []float32, ld int, rows []int) {
	for j, r := range rows {
		d := dst[j*ld : (j+1)*ld]
		if r < 0 {
			clear(d)
			continue
		}
		copy(d, src[r*ld:(r+1)*ld])
	}
}

// recurWeights packs direction d's recurrent weights (rows of src, each
// hidden floats) once per part and group; constant weights are cached in
// env.Shared under the tensor, so contexts share them. tag names the
// layout (op, groups and number of parts).
func recurWeights(env *Env, t *ir.Tensor, tag string, d int, parts []recurPart, groups []int, rows []int, src []float32, hidden int) [][]*recurW {
	ws := make([][]*recurW, len(parts))
	for i, pt := range parts {
		ws[i] = make([]*recurW, len(groups))
		for gi := range groups {
			goff, n := pt.group(groups, gi)
			cols := rows[pt.off+goff : pt.off+goff+n]
			mk := func() any {
				w := newRecurW(hidden, n)
				if src != nil {
					w.pack(src, hidden, cols)
				}
				return w
			}
			if t == nil {
				ws[i][gi] = mk().(*recurW)
				continue
			}
			key := packKey{t: t, layout: fmt.Sprintf("%s.R%v/%d", tag, groups, len(parts)), part: (d*len(parts)+i)*len(groups) + gi}
			ws[i][gi] = env.Shared.Get(key, mk).(*recurW)
		}
	}
	return ws
}

// recurInputW packs direction d's input weights (rows of src, k floats
// each, permuted by rows) as the constant B of X·Wᵀ, cached like
// recurWeights.
func recurInputW(env *Env, t *ir.Tensor, tag string, d int, parts []recurPart, groups []int, rows []int, src []float32, k int) *constB {
	key := packKey{t: t, layout: fmt.Sprintf("%s.W%v/%d", tag, groups, len(parts)), part: d, rows: k, cols: len(rows), trans: true}
	return env.Shared.Get(key, func() any {
		w := make([]float32, len(rows)*k)
		permuteRows(w, src, k, rows)
		return &constB{gemm.PackB(true, k, len(rows), w, k)}
	}).(*constB)
}

// recurPool returns env's pool, or a serial one.
func recurPool(env *Env) *parallel.Pool {
	if env.Pool == nil {
		return parallel.Serial
	}
	return env.Pool
}
