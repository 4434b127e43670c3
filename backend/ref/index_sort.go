package ref

import (
	"cmp"
	"fmt"
	"math"
	"sort"

	"github.com/dlc-go/dlc/ir"
)

// Ops that order or scan elements along an axis: TopK, ArgMax, ArgMin,
// CumSum, ReverseSequence. Unique is in index_unique.go.

func init() {
	Register("TopK", topKKernel)
	Register("ArgMax", argKernel(1))
	Register("ArgMin", argKernel(-1))
	Register("CumSum", cumSumKernel)
	Register("ReverseSequence", reverseSequenceKernel)
}

// elemCompare returns a three-way comparison of two elements of t in its
// own type (floats as float64; cmp.Compare orders NaN below every number).
func elemCompare(t *ir.Tensor) (func(i, j int) int, error) {
	switch d := t.Data.(type) {
	case []string:
		return func(i, j int) int { return cmp.Compare(d[i], d[j]) }, nil
	case []uint64:
		return func(i, j int) int { return cmp.Compare(d[i], d[j]) }, nil
	case []bool:
		return func(i, j int) int { return cmp.Compare(t.Int64At(i), t.Int64At(j)) }, nil
	}
	switch {
	case t.DType.IsFloat():
		return func(i, j int) int { return cmp.Compare(t.Float64At(i), t.Float64At(j)) }, nil
	case t.DType.IsInt():
		return func(i, j int) int { return cmp.Compare(t.Int64At(i), t.Int64At(j)) }, nil
	}
	return nil, fmt.Errorf("cannot order %s elements", t.DType)
}

// axisSplit views shape as [outer, dim, inner] around axis.
func axisSplit(shape []int, axis int) (outer, dim, inner int) {
	outer, _ = ir.NumElements(shape[:axis])
	inner, _ = ir.NumElements(shape[axis+1:])
	return outer, shape[axis], inner
}

// topKKernel returns the K largest (largest=1) or smallest (largest=0)
// elements along axis, always sorted, and their int64 indices. Equal
// values keep the lower index first; NaN ranks above every number (numpy's
// sort order, which the ONNX reference follows), so it comes first for
// largest=1 and after all numbers for largest=0.
func topKKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	kt, err := scalarInput(in, 1, "K")
	if err != nil {
		return nil, err
	}
	axis, err := NormAxis(n.Int("axis"), len(x.Shape))
	if err != nil {
		return nil, err
	}
	outer, dim, inner := axisSplit(x.Shape, axis)
	k := kt.Int64At(0)
	if k < 0 || k > int64(dim) {
		return nil, fmt.Errorf("K %d out of range for an axis of %d", k, dim)
	}
	cmpf, err := elemCompare(x)
	if err != nil {
		return nil, err
	}
	sign := 1
	if n.Int("largest") != 0 {
		sign = -1
	}
	// NaN ranks above every number, as in numpy's sort order that the ONNX
	// reference's lexsort follows: largest=1 picks NaNs first, largest=0
	// only once the numbers run out; NaNs tie among themselves.
	isNaN := func(int) bool { return false }
	if x.DType.IsFloat() {
		isNaN = func(i int) bool { return math.IsNaN(x.Float64At(i)) }
	}
	shape := append([]int{}, x.Shape...)
	shape[axis] = int(k)
	src := make([]int, 0, outer*int(k)*inner)
	pos := make([]int64, outer*int(k)*inner)
	lane := make([]int, dim)
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			base := o*dim*inner + i
			for j := range lane {
				lane[j] = j
			}
			// Stable: equal values keep the lower index first. The output
			// is always sorted, which also satisfies sorted=0.
			sort.SliceStable(lane, func(a, b int) bool {
				i, j := base+lane[a]*inner, base+lane[b]*inner
				c := cmpf(i, j)
				switch ni, nj := isNaN(i), isNaN(j); {
				case ni && nj:
					c = 0
				case ni:
					c = 1
				case nj:
					c = -1
				}
				return sign*c < 0
			})
			for j := 0; j < int(k); j++ {
				pos[(o*int(k)+j)*inner+i] = int64(lane[j])
			}
		}
	}
	for o := 0; o < outer; o++ {
		for j := 0; j < int(k); j++ {
			for i := 0; i < inner; i++ {
				src = append(src, (o*dim+int(pos[(o*int(k)+j)*inner+i]))*inner+i)
			}
		}
	}
	return Outs(take(x, shape, src), ir.FromSlice(shape, pos)), nil
}

// argKernel builds ArgMax (sign 1) or ArgMin (sign -1).
func argKernel(sign int) Kernel {
	return func(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
		x := Tensor(in, 0)
		axis, err := NormAxis(n.Int("axis"), len(x.Shape))
		if err != nil {
			return nil, err
		}
		outer, dim, inner := axisSplit(x.Shape, axis)
		if dim == 0 {
			return nil, fmt.Errorf("axis %d of %v is empty", axis, x.Shape)
		}
		cmpf, err := elemCompare(x)
		if err != nil {
			return nil, err
		}
		last := n.Int("select_last_index") != 0
		// As numpy, a NaN beats every number for both ArgMax and ArgMin.
		nan := func(int) bool { return false }
		if x.DType.IsFloat() {
			nan = func(i int) bool { return math.IsNaN(x.Float64At(i)) }
		}
		out := make([]int64, outer*inner)
		for o := 0; o < outer; o++ {
			for i := 0; i < inner; i++ {
				base := o*dim*inner + i
				best := 0
				for j := 1; j < dim; j++ {
					a, b := base+j*inner, base+best*inner
					c := sign * cmpf(a, b)
					switch na, nb := nan(a), nan(b); {
					case na && nb:
						c = 0
					case na:
						c = 1
					case nb:
						c = -1
					}
					if c > 0 || (c == 0 && last) {
						best = j
					}
				}
				out[o*inner+i] = int64(best)
			}
		}
		shape := append([]int{}, x.Shape...)
		if n.Int("keepdims") != 0 {
			shape[axis] = 1
		} else {
			shape = append(shape[:axis], shape[axis+1:]...)
		}
		return Outs(ir.FromSlice(shape, out)), nil
	}
}

func cumSumKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	at, err := scalarInput(in, 1, "axis")
	if err != nil {
		return nil, err
	}
	axis, err := NormAxis(at.Int64At(0), len(x.Shape))
	if err != nil {
		return nil, err
	}
	if !x.DType.IsNumeric() {
		return nil, fmt.Errorf("CumSum does not apply to %s", x.DType)
	}
	outer, dim, inner := axisSplit(x.Shape, axis)
	excl, rev := n.Int("exclusive") != 0, n.Int("reverse") != 0
	out := ir.Zeros(x.DType, x.Shape)
	isFloat := x.DType.IsFloat()
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			var fsum float64
			var isum int64 // integers sum exactly, wrapping like their type
			for s := 0; s < dim; s++ {
				j := s
				if rev {
					j = dim - 1 - s
				}
				p := (o*dim+j)*inner + i
				if isFloat {
					if excl {
						out.SetFloat64At(p, fsum)
					}
					fsum += x.Float64At(p)
					if !excl {
						out.SetFloat64At(p, fsum)
					}
				} else {
					if excl {
						out.SetInt64At(p, isum)
					}
					isum += x.Int64At(p)
					if !excl {
						out.SetInt64At(p, isum)
					}
				}
			}
		}
	}
	return Outs(out), nil
}

func reverseSequenceKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	lens, err := intInput(in, 1, "sequence_lens")
	if err != nil {
		return nil, err
	}
	if len(x.Shape) < 2 {
		return nil, fmt.Errorf("input %v must have rank >= 2", x.Shape)
	}
	ba, ta := int(n.Int("batch_axis")), int(n.Int("time_axis"))
	if ba < 0 || ba > 1 || ta < 0 || ta > 1 || ba == ta {
		return nil, fmt.Errorf("batch_axis %d and time_axis %d must be 0 and 1 in some order", ba, ta)
	}
	if len(lens) != x.Shape[ba] {
		return nil, fmt.Errorf("sequence_lens has %d entries for a batch of %d", len(lens), x.Shape[ba])
	}
	for _, l := range lens {
		if l < 0 || l > int64(x.Shape[ta]) {
			return nil, fmt.Errorf("sequence length %d out of range [0, %d]", l, x.Shape[ta])
		}
	}
	strides := ir.Strides(x.Shape)
	idx := mapIndex(x.Shape, func(c []int) int {
		k := 0
		for d, v := range c {
			if d == ta {
				if l := int(lens[c[ba]]); v < l {
					v = l - 1 - v
				}
			}
			k += v * strides[d]
		}
		return k
	})
	return Outs(take(x, x.Shape, idx)), nil
}
