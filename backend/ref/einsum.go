package ref

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

func init() { Register("Einsum", einsumKernel) }

// einsumAxis is one loop of the einsum iteration space: a label (or one
// dim of the ellipsis) with its size and, per input, the element stride
// that a step along it moves (the sum over the dims carrying the label, so
// a repeated label walks the diagonal; 0 where the input lacks it or
// broadcasts along it).
type einsumAxis struct {
	size    int
	strides []int
}

// einsumKernel loops over every combination of labels: output labels
// first (in output order), then the summed ones, so consecutive blocks of
// the iteration space add into one output element. Integer dtypes
// accumulate exactly in int64 (wrapping as the dtype does); floats in
// float64.
func einsumKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	e, err := ir.ParseEinsum(n.Str("equation"), len(in))
	if err != nil {
		return nil, err
	}
	ts := make([]*ir.Tensor, len(in))
	for i := range in {
		ts[i] = Tensor(in, i)
		if ts[i].DType != ts[0].DType {
			return nil, fmt.Errorf("input %d is %s, input 0 is %s", i, ts[i].DType, ts[0].DType)
		}
	}
	axes, outShape, err := einsumAxes(e, ts)
	if err != nil {
		return nil, err
	}
	out := ir.Zeros(ts[0].DType, outShape)
	outN := out.Len()
	if outN == 0 {
		return Outs(out), nil
	}
	total := 1
	for _, a := range axes {
		total *= a.size
	}
	perOut := total / outN // iterations summed into one output element
	if einsumIsFloat(out.DType) {
		vals := make([][]float64, len(ts))
		for i, t := range ts {
			vals[i] = t.Float64s()
		}
		acc := make([]float64, outN)
		einsumWalk(axes, len(ts), total, func(k int, off []int) {
			p := 1.0
			for i, o := range off {
				p *= vals[i][o]
			}
			acc[k/perOut] += p
		})
		for k, v := range acc {
			out.SetFloat64At(k, v)
		}
		return Outs(out), nil
	}
	vals := make([][]int64, len(ts))
	for i, t := range ts {
		vals[i] = t.Int64s()
	}
	acc := make([]int64, outN)
	einsumWalk(axes, len(ts), total, func(k int, off []int) {
		p := int64(1)
		for i, o := range off {
			p *= vals[i][o]
		}
		acc[k/perOut] += p
	})
	for k, v := range acc {
		out.SetInt64At(k, v)
	}
	return Outs(out), nil
}

func einsumIsFloat(dt ir.DType) bool {
	switch dt {
	case ir.Float32, ir.Float64, ir.Float16, ir.BFloat16:
		return true
	}
	return false
}

// einsumAxes builds the iteration axes (output ones first) and the output
// shape, checking that every label has one size (1 broadcasts).
func einsumAxes(e *ir.EinsumSpec, ts []*ir.Tensor) ([]einsumAxis, []int, error) {
	size := map[rune]int{}
	ellRank := make([]int, len(ts))
	var ellShapes [][]int
	for i, t := range ts {
		ne, err := e.EllipsisRank(i, t.Rank())
		if err != nil {
			return nil, nil, err
		}
		ellRank[i] = ne
		k := 0
		for _, l := range e.Inputs[i] {
			if l == ir.EinsumEllipsis {
				ellShapes = append(ellShapes, t.Shape[k:k+ne])
				k += ne
				continue
			}
			d := t.Shape[k]
			k++
			if cur, ok := size[l]; ok && cur != d && cur != 1 && d != 1 {
				return nil, nil, fmt.Errorf("label %q has size %d in input %d but %d elsewhere", l, d, i, cur)
			}
			if cur, ok := size[l]; !ok || cur == 1 {
				size[l] = d
			}
		}
	}
	ell, err := ir.BroadcastDims(ellShapes...)
	if err != nil {
		return nil, nil, fmt.Errorf("ellipsis dims: %w", err)
	}
	// Loop order: output labels, then labels summed away.
	var order []rune
	inOut := map[rune]bool{}
	for _, l := range e.Output {
		order = append(order, l)
		inOut[l] = true
	}
	for _, t := range e.Inputs {
		for _, l := range t {
			if !inOut[l] {
				order = append(order, l)
				inOut[l] = true
			}
		}
	}
	var axes []einsumAxis
	var outShape []int
	nOutAxes := 0
	for j, l := range order {
		if l == ir.EinsumEllipsis {
			for q := range ell {
				axes = append(axes, einsumAxis{size: ell[q], strides: make([]int, len(ts))})
			}
		} else {
			axes = append(axes, einsumAxis{size: size[l], strides: make([]int, len(ts))})
		}
		if j < len(e.Output) {
			nOutAxes = len(axes)
		}
	}
	for _, a := range axes[:nOutAxes] {
		outShape = append(outShape, a.size)
	}
	// Per input strides along each loop axis.
	for i, t := range ts {
		st := ir.Strides(t.Shape)
		k := 0
		for _, l := range e.Inputs[i] {
			base := 0 // first loop axis of the label
			for _, o := range order {
				if o == l {
					break
				}
				if o == ir.EinsumEllipsis {
					base += len(ell)
				} else {
					base++
				}
			}
			if l != ir.EinsumEllipsis {
				if t.Shape[k] != 1 {
					axes[base].strides[i] += st[k]
				}
				k++
				continue
			}
			// The input's ellipsis dims align with the last ones of ell.
			off := len(ell) - ellRank[i]
			for q := range ellRank[i] {
				if t.Shape[k+q] != 1 {
					axes[base+off+q].strides[i] += st[k+q]
				}
			}
			k += ellRank[i]
		}
	}
	return axes, outShape, nil
}

// einsumWalk calls fn for each of total points of the iteration space in
// row-major order with each input's element offset.
func einsumWalk(axes []einsumAxis, nIn, total int, fn func(k int, off []int)) {
	off := make([]int, nIn)
	coord := make([]int, len(axes))
	for k := 0; k < total; k++ {
		fn(k, off)
		for d := len(axes) - 1; d >= 0; d-- {
			coord[d]++
			for i := range off {
				off[i] += axes[d].strides[i]
			}
			if coord[d] < axes[d].size {
				break
			}
			for i := range off {
				off[i] -= axes[d].strides[i] * coord[d]
			}
			coord[d] = 0
		}
	}
}
