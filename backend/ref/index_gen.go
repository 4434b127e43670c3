package ref

import (
	"fmt"
	"math"

	"github.com/dlc-go/dlc/ir"
)

// Generated and masked index patterns: Range, OneHot, EyeLike, Trilu,
// NonZero, Compress.

func init() {
	Register("Range", rangeKernel)
	Register("OneHot", oneHotKernel)
	Register("EyeLike", eyeLikeKernel)
	Register("Trilu", triluKernel)
	Register("NonZero", nonZeroKernel)
	Register("Compress", compressKernel)
}

func scalarInput(in []ir.Data, i int, what string) (*ir.Tensor, error) {
	t := Tensor(in, i)
	if t == nil || t.Len() != 1 {
		return nil, fmt.Errorf("%s (input %d) must be a one-element tensor", what, i)
	}
	return t, nil
}

// rangeKernel computes start + i*delta for i < ceil((limit-start)/delta),
// exactly in int64 for integer dtypes.
func rangeKernel(_ Ctx, _ *ir.Node, in []ir.Data) ([]ir.Data, error) {
	var ts [3]*ir.Tensor
	for i, what := range []string{"start", "limit", "delta"} {
		t, err := scalarInput(in, i, what)
		if err != nil {
			return nil, err
		}
		if i > 0 && t.DType != ts[0].DType {
			return nil, fmt.Errorf("%s is %s, start is %s", what, t.DType, ts[0].DType)
		}
		ts[i] = t
	}
	dt := ts[0].DType
	if dt.IsInt() {
		start, limit, delta := ts[0].Int64At(0), ts[1].Int64At(0), ts[2].Int64At(0)
		if delta == 0 {
			return nil, fmt.Errorf("delta is 0")
		}
		// The span limit-start and the step magnitude can reach 2^64-1 and
		// 2^63, so count = ceil(span/|delta|) is worked out in uint64.
		var span, mag uint64
		if delta > 0 && limit > start {
			span, mag = uint64(limit)-uint64(start), uint64(delta)
		} else if delta < 0 && start > limit {
			span, mag = uint64(start)-uint64(limit), -uint64(delta)
		}
		count := uint64(0)
		if span > 0 {
			count = (span-1)/mag + 1
		}
		if count > math.MaxInt32*(1<<20) {
			return nil, fmt.Errorf("range of %d elements is too large", count)
		}
		out := ir.Zeros(dt, []int{int(count)})
		for i := 0; i < int(count); i++ {
			// Wrapping int64 arithmetic is exact here: every element lies
			// between start and limit, so the true value fits in int64.
			out.SetInt64At(i, start+int64(i)*delta)
		}
		return Outs(out), nil
	}
	if !dt.IsFloat() {
		return nil, fmt.Errorf("Range does not apply to %s", dt)
	}
	start, limit, delta := ts[0].Float64At(0), ts[1].Float64At(0), ts[2].Float64At(0)
	if delta == 0 {
		return nil, fmt.Errorf("delta is 0")
	}
	c := math.Ceil((limit - start) / delta)
	if math.IsNaN(c) || c < 0 {
		c = 0
	}
	if c > math.MaxInt32*float64(1<<20) {
		return nil, fmt.Errorf("range of %g elements is too large", c)
	}
	out := ir.Zeros(dt, []int{int(c)})
	for i := 0; i < int(c); i++ {
		out.SetFloat64At(i, start+float64(i)*delta)
	}
	return Outs(out), nil
}

func oneHotKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	ind := Tensor(in, 0)
	dt, err := scalarInput(in, 1, "depth")
	if err != nil {
		return nil, err
	}
	vals := Tensor(in, 2)
	if vals == nil || vals.Len() != 2 {
		return nil, fmt.Errorf("values must hold [off, on]")
	}
	depth := int(dt.Float64At(0))
	if depth <= 0 {
		return nil, fmt.Errorf("depth %v must be positive", dt.Float64At(0))
	}
	r := len(ind.Shape)
	axis, err := NormAxis(n.Int("axis"), r+1)
	if err != nil {
		return nil, err
	}
	shape := append(append(append([]int{}, ind.Shape[:axis]...), depth), ind.Shape[axis:]...)
	mustAlloc(vals.DType, shape)
	pos := make([]int, ind.Len())
	for i := range pos {
		p := int(ind.Float64At(i))
		if p < 0 {
			p += depth
		}
		pos[i] = p // out of [0, depth) matches no position: all off
	}
	istrides := ir.Strides(ind.Shape)
	idx := mapIndex(shape, func(c []int) int {
		k := 0
		for d, v := range c {
			switch {
			case d < axis:
				k += v * istrides[d]
			case d > axis:
				k += v * istrides[d-1]
			}
		}
		if pos[k] == c[axis] {
			return 1
		}
		return 0
	})
	return Outs(take(vals.Reshaped([]int{2}), shape, idx)), nil
}

func eyeLikeKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	if len(x.Shape) != 2 {
		return nil, fmt.Errorf("input %v must be 2-D", x.Shape)
	}
	dt := x.DType
	if n.Has("dtype") {
		dt = ir.DType(n.Int("dtype"))
	}
	if !dt.IsNumeric() && dt != ir.Bool {
		return nil, fmt.Errorf("EyeLike does not apply to %s", dt)
	}
	out := ir.Zeros(dt, x.Shape)
	k := int(n.Int("k"))
	for i := 0; i < x.Shape[0]; i++ {
		if j := i + k; j >= 0 && j < x.Shape[1] {
			out.SetFloat64At(i*x.Shape[1]+j, 1)
		}
	}
	return Outs(out), nil
}

// keepOrZero returns x with the elements where keep is false set to zero.
func keepOrZero(x *ir.Tensor, keep func(coord []int) bool) *ir.Tensor {
	nx := x.Len()
	ext := ir.Zeros(x.DType, []int{nx + 1})
	put(ext, x, identityIdx(nx))
	k := 0
	idx := mapIndex(x.Shape, func(c []int) int {
		k++
		if keep(c) {
			return k - 1
		}
		return nx
	})
	return take(ext, x.Shape, idx)
}

func triluKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	r := len(x.Shape)
	if r < 2 {
		return nil, fmt.Errorf("input %v must have rank >= 2", x.Shape)
	}
	k := int64(0)
	if Tensor(in, 1) != nil {
		t, err := scalarInput(in, 1, "k")
		if err != nil {
			return nil, err
		}
		k = t.Int64At(0)
	}
	upper := n.Int("upper") != 0
	return Outs(keepOrZero(x, func(c []int) bool {
		diff := int64(c[r-1] - c[r-2])
		if upper {
			return diff >= k
		}
		return diff <= k
	})), nil
}

// nonZeroAt reports whether element i is not zero (not false, not "").
func nonZeroAt(t *ir.Tensor, i int) bool {
	switch d := t.Data.(type) {
	case []string:
		return d[i] != ""
	case []bool:
		return d[i]
	}
	if t.DType.IsFloat() {
		return t.Float64At(i) != 0
	}
	return t.Int64At(i) != 0
}

func nonZeroKernel(_ Ctx, _ *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	shape := x.Shape
	if len(shape) == 0 {
		shape = []int{1} // numpy treats a scalar as one element of rank 1
	}
	r := len(shape)
	var hits []int
	for i := 0; i < x.Len(); i++ {
		if nonZeroAt(x, i) {
			hits = append(hits, i)
		}
	}
	out := make([]int64, r*len(hits))
	coord := make([]int, r)
	for j, h := range hits {
		unravel(h, shape, coord)
		for d := range coord {
			out[d*len(hits)+j] = int64(coord[d])
		}
	}
	return Outs(ir.FromSlice([]int{r, len(hits)}, out)), nil
}

func compressKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x, cond := Tensor(in, 0), Tensor(in, 1)
	if cond == nil || len(cond.Shape) != 1 {
		return nil, fmt.Errorf("condition must be a 1-D tensor")
	}
	src := x
	axis := 0
	if n.Has("axis") {
		a, err := NormAxis(n.Int("axis"), len(x.Shape))
		if err != nil {
			return nil, err
		}
		axis = a
	} else {
		src = x.Reshaped([]int{x.Len()})
	}
	dim := src.Shape[axis]
	if cond.Len() > dim {
		return nil, fmt.Errorf("condition has %d entries for an axis of %d", cond.Len(), dim)
	}
	// Entries past the end of condition count as false.
	var keep []int
	for i := 0; i < cond.Len(); i++ {
		if nonZeroAt(cond, i) {
			keep = append(keep, i)
		}
	}
	shape := append([]int{}, src.Shape...)
	shape[axis] = len(keep)
	strides := ir.Strides(src.Shape)
	idx := mapIndex(shape, func(c []int) int {
		k := 0
		for d, v := range c {
			if d == axis {
				v = keep[v]
			}
			k += v * strides[d]
		}
		return k
	})
	return Outs(take(src, shape, idx)), nil
}
