package ref

import (
	"fmt"
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// ScatterElements (and its deprecated alias Scatter) and ScatterND: a copy
// of data with addressed elements replaced by updates, or combined with
// them by a reduction. Updates apply in row-major order of updates, so with
// duplicate indices and no reduction the last one wins.

func init() {
	Register("ScatterElements", scatterElementsKernel)
	Register("Scatter", scatterElementsKernel)
	Register("ScatterND", scatterNDKernel)
}

// scatterReduce combines dst[i] with src[k] in place for a scatter reduction.
type scatterReduce func(dst *ir.Tensor, i int, src *ir.Tensor, k int)

func scatterReducer(name string, dt ir.DType) (scatterReduce, error) {
	switch name {
	case "none", "":
		return nil, nil
	case "add", "mul", "max", "min":
	default:
		return nil, fmt.Errorf("unknown reduction %q", name)
	}
	switch {
	case dt.IsFloat():
		f := scatterFloatOp(name)
		return func(dst *ir.Tensor, i int, src *ir.Tensor, k int) {
			dst.SetFloat64At(i, f(dst.Float64At(i), src.Float64At(k)))
		}, nil
	case dt == ir.Uint64:
		// uint64 does not fit int64's order; compare it in its own type.
		f := scatterIntOp[uint64](name)
		return func(dst *ir.Tensor, i int, src *ir.Tensor, k int) {
			d := dst.Data.([]uint64)
			d[i] = f(d[i], src.Data.([]uint64)[k])
		}, nil
	case dt.IsInt():
		f := scatterIntOp[int64](name)
		return func(dst *ir.Tensor, i int, src *ir.Tensor, k int) {
			dst.SetInt64At(i, f(dst.Int64At(i), src.Int64At(k)))
		}, nil
	case dt == ir.Bool:
		// add and max are "or", mul and min are "and".
		or := name == "add" || name == "max"
		return func(dst *ir.Tensor, i int, src *ir.Tensor, k int) {
			d, s := dst.Data.([]bool), src.Data.([]bool)
			if or {
				d[i] = d[i] || s[k]
			} else {
				d[i] = d[i] && s[k]
			}
		}, nil
	}
	return nil, fmt.Errorf("reduction %q does not apply to %s", name, dt)
}

func scatterFloatOp(name string) func(a, b float64) float64 {
	switch name {
	case "add":
		return func(a, b float64) float64 { return a + b }
	case "mul":
		return func(a, b float64) float64 { return a * b }
	case "max":
		return func(a, b float64) float64 { return max(a, b) }
	}
	return func(a, b float64) float64 { return min(a, b) }
}

func scatterIntOp[T int64 | uint64](name string) func(a, b T) T {
	switch name {
	case "add":
		return func(a, b T) T { return a + b }
	case "mul":
		return func(a, b T) T { return a * b }
	case "max":
		return func(a, b T) T { return max(a, b) }
	}
	return func(a, b T) T { return min(a, b) }
}

// scatterInto applies updates to out at flat positions idx (one per update
// element) with reduction red (nil: replace).
func scatterInto(out, updates *ir.Tensor, idx []int, red scatterReduce) {
	if red == nil {
		put(out, updates, idx)
		return
	}
	for k, i := range idx {
		red(out, i, updates, k)
	}
}

func scatterElementsKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x, upd := Tensor(in, 0), Tensor(in, 2)
	ind, err := indexTensor(in, 1)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(ind.Shape, upd.Shape) {
		return nil, fmt.Errorf("indices shape %v and updates shape %v differ", ind.Shape, upd.Shape)
	}
	if upd.DType != x.DType {
		return nil, fmt.Errorf("updates are %s, data is %s", upd.DType, x.DType)
	}
	axis, err := NormAxis(n.Int("axis"), len(x.Shape))
	if err != nil {
		return nil, err
	}
	reduction := "none"
	if n.Def.Attr("reduction") != nil {
		reduction = n.Str("reduction")
	}
	red, err := scatterReducer(reduction, x.DType)
	if err != nil {
		return nil, err
	}
	idx, err := elementsIndex(x.Shape, ind, axis)
	if err != nil {
		return nil, err
	}
	out := x.Clone()
	scatterInto(out, upd, idx, red)
	return Outs(out), nil
}

func scatterNDKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x, upd := Tensor(in, 0), Tensor(in, 2)
	ind, err := indexTensor(in, 1)
	if err != nil {
		return nil, err
	}
	if upd.DType != x.DType {
		return nil, fmt.Errorf("updates are %s, data is %s", upd.DType, x.DType)
	}
	red, err := scatterReducer(n.Str("reduction"), x.DType)
	if err != nil {
		return nil, err
	}
	starts, slice, err := ndSlices(x.Shape, ind, 0)
	if err != nil {
		return nil, err
	}
	want := append(append([]int{}, ind.Shape[:len(ind.Shape)-1]...), slice...)
	if !slices.Equal(upd.Shape, want) {
		return nil, fmt.Errorf("updates shape %v, want %v", upd.Shape, want)
	}
	sliceLen, _ := ir.NumElements(slice)
	idx := make([]int, 0, upd.Len())
	for _, s := range starts {
		for k := 0; k < sliceLen; k++ {
			idx = append(idx, s+k)
		}
	}
	out := x.Clone()
	scatterInto(out, upd, idx, red)
	return Outs(out), nil
}
