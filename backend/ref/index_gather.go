package ref

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// Gather, GatherElements and GatherND: outputs read input elements at
// positions given by index tensors. Negative indices count from the end of
// their axis; anything outside [-dim, dim) is an error.

func init() {
	Register("Gather", gatherKernel)
	Register("GatherElements", gatherElementsKernel)
	Register("GatherND", gatherNDKernel)
}

// indexAt reads index i of idx and normalizes it for an axis of size dim.
// Only signed indices count from the end: an unsigned index is read as
// uint64, so 2^64-1 is out of range rather than wrapping to -1.
func indexAt(idx *ir.Tensor, i, dim int) (int, error) {
	if idx.DType.IsUnsigned() {
		u := uint64(idx.Int64At(i)) // undoes Int64At's wrap of a uint64
		if u >= uint64(dim) {
			return 0, fmt.Errorf("index %d out of range for an axis of size %d", u, dim)
		}
		return int(u), nil
	}
	v := idx.Int64At(i)
	if v < 0 {
		v += int64(dim)
	}
	if v < 0 || v >= int64(dim) {
		return 0, fmt.Errorf("index %d out of range for an axis of size %d", idx.Int64At(i), dim)
	}
	return int(v), nil
}

func indexTensor(in []ir.Data, i int) (*ir.Tensor, error) {
	t := Tensor(in, i)
	if t == nil || !t.DType.IsInt() {
		return nil, fmt.Errorf("indices (input %d) must be an integer tensor", i)
	}
	return t, nil
}

func gatherKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	ind, err := indexTensor(in, 1)
	if err != nil {
		return nil, err
	}
	axis, err := NormAxis(n.Int("axis"), len(x.Shape))
	if err != nil {
		return nil, err
	}
	dim := x.Shape[axis]
	pos := make([]int, ind.Len())
	for i := range pos {
		if pos[i], err = indexAt(ind, i, dim); err != nil {
			return nil, err
		}
	}
	// out = x[:axis] ++ ind.Shape ++ x[axis+1:], seen as [outer, ni, inner].
	outer, _ := ir.NumElements(x.Shape[:axis])
	inner, _ := ir.NumElements(x.Shape[axis+1:])
	shape := append(append(append([]int{}, x.Shape[:axis]...), ind.Shape...), x.Shape[axis+1:]...)
	idx := make([]int, 0, mustAlloc(x.DType, shape))
	for o := 0; o < outer; o++ {
		for _, p := range pos {
			base := (o*dim + p) * inner
			for k := 0; k < inner; k++ {
				idx = append(idx, base+k)
			}
		}
	}
	return Outs(take(x, shape, idx)), nil
}

// elementsIndex maps every element of an indices tensor of GatherElements /
// ScatterElements to the flat index of data it addresses: its own
// coordinates with the one along axis replaced by the index value.
func elementsIndex(data []int, ind *ir.Tensor, axis int) ([]int, error) {
	if len(ind.Shape) != len(data) {
		return nil, fmt.Errorf("indices shape %v and data shape %v differ in rank", ind.Shape, data)
	}
	for d := range data {
		if d != axis && ind.Shape[d] > data[d] {
			return nil, fmt.Errorf("indices shape %v exceeds data shape %v on axis %d", ind.Shape, data, d)
		}
	}
	strides := ir.Strides(data)
	var bad error
	k := 0
	idx := mapIndex(ind.Shape, func(c []int) int {
		p, err := indexAt(ind, k, data[axis])
		k++
		if err != nil && bad == nil {
			bad = err
		}
		f := 0
		for d, v := range c {
			if d == axis {
				v = p
			}
			f += v * strides[d]
		}
		return f
	})
	return idx, bad
}

func gatherElementsKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	ind, err := indexTensor(in, 1)
	if err != nil {
		return nil, err
	}
	axis, err := NormAxis(n.Int("axis"), len(x.Shape))
	if err != nil {
		return nil, err
	}
	idx, err := elementsIndex(x.Shape, ind, axis)
	if err != nil {
		return nil, err
	}
	return Outs(take(x, ind.Shape, idx)), nil
}

// ndSlices resolves GatherND / ScatterND addressing. With b = batch_dims
// and q = indices' last dim, indices[..., :] of shape batch ++ rest ++ [q]
// picks, within batch entry, the slice data[batch, i0..iq-1, ...]. It
// returns the flat start of every addressed slice (in indices order) and
// the slice shape.
func ndSlices(data []int, ind *ir.Tensor, b int) (starts []int, slice []int, err error) {
	r := len(ind.Shape)
	if r < 1 || b < 0 || b >= r || b > len(data) {
		return nil, nil, fmt.Errorf("batch_dims %d invalid for indices %v and data %v", b, ind.Shape, data)
	}
	for d := 0; d < b; d++ {
		if ind.Shape[d] != data[d] {
			return nil, nil, fmt.Errorf("batch dim %d differs: indices %v, data %v", d, ind.Shape, data)
		}
	}
	q := ind.Shape[r-1]
	if b+q > len(data) {
		return nil, nil, fmt.Errorf("indices last dim %d too large for data %v after %d batch dims", q, data, b)
	}
	slice = data[b+q:]
	strides := ir.Strides(data)
	batchSize, _ := ir.NumElements(data[:b])
	batchStride := 0
	if b > 0 {
		batchStride = strides[b-1]
	} else {
		batchSize = 1
	}
	tuples, _ := ir.NumElements(ind.Shape[:r-1])
	perBatch := 1
	if batchSize > 0 {
		perBatch = tuples / batchSize
	}
	starts = make([]int, tuples)
	for t := 0; t < tuples; t++ {
		f := (t / max(perBatch, 1)) * batchStride
		for j := 0; j < q; j++ {
			p, err := indexAt(ind, t*q+j, data[b+j])
			if err != nil {
				return nil, nil, err
			}
			f += p * strides[b+j]
		}
		starts[t] = f
	}
	return starts, slice, nil
}

func gatherNDKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	ind, err := indexTensor(in, 1)
	if err != nil {
		return nil, err
	}
	starts, slice, err := ndSlices(x.Shape, ind, int(n.Int("batch_dims")))
	if err != nil {
		return nil, err
	}
	sliceLen, _ := ir.NumElements(slice)
	shape := append(append([]int{}, ind.Shape[:len(ind.Shape)-1]...), slice...)
	idx := make([]int, 0, mustAlloc(x.DType, shape))
	for _, s := range starts {
		for k := 0; k < sliceLen; k++ {
			idx = append(idx, s+k)
		}
	}
	return Outs(take(x, shape, idx)), nil
}
