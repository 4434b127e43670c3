package ref

import (
	"fmt"
	"sort"

	"github.com/dlc-go/dlc/ir"
)

func init() { Register("Unique", uniqueKernel) }

// uniqueKernel finds the distinct elements of the flattened input, or the
// distinct slices along axis. Outputs: Y (sorted ascending, or in order of
// first occurrence when sorted=0), the index of each Y entry's first
// occurrence, for each input item the index of its Y entry, and counts.
func uniqueKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	src := x.Reshaped([]int{x.Len()})
	axis := 0
	if n.Has("axis") {
		a, err := NormAxis(n.Int("axis"), len(x.Shape))
		if err != nil {
			return nil, err
		}
		src, axis = x, a
	}
	cmpf, err := elemCompare(src)
	if err != nil {
		return nil, err
	}
	outer, dim, inner := axisSplit(src.Shape, axis)
	// compareItems orders slices a and b lexicographically in row-major
	// order of their elements.
	compareItems := func(a, b int) int {
		for o := 0; o < outer; o++ {
			for i := 0; i < inner; i++ {
				if c := cmpf((o*dim+a)*inner+i, (o*dim+b)*inner+i); c != 0 {
					return c
				}
			}
		}
		return 0
	}
	order := identityIdx(dim)
	sort.SliceStable(order, func(i, j int) bool { return compareItems(order[i], order[j]) < 0 })
	// Groups of equal items in sorted order; a stable sort puts each
	// group's first occurrence first.
	var groups [][]int
	for k, it := range order {
		if k == 0 || compareItems(order[k-1], it) != 0 {
			groups = append(groups, nil)
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], it)
	}
	if n.Int("sorted") == 0 {
		sort.Slice(groups, func(i, j int) bool { return groups[i][0] < groups[j][0] })
	}
	first := make([]int64, len(groups))
	counts := make([]int64, len(groups))
	inverse := make([]int64, dim)
	for g, members := range groups {
		first[g] = int64(members[0])
		counts[g] = int64(len(members))
		for _, it := range members {
			inverse[it] = int64(g)
		}
	}
	shape := append([]int{}, src.Shape...)
	shape[axis] = len(groups)
	st := ir.Strides(src.Shape)
	idx := mapIndex(shape, func(c []int) int {
		k := 0
		for d, v := range c {
			if d == axis {
				v = int(first[v])
			}
			k += v * st[d]
		}
		return k
	})
	out := []ir.Data{take(src, shape, idx)}
	for _, v := range [][]int64{first, inverse, counts} {
		out = append(out, ir.FromSlice([]int{len(v)}, v))
	}
	if len(n.Outputs) > len(out) {
		return nil, fmt.Errorf("node has %d outputs, Unique makes 4", len(n.Outputs))
	}
	return out[:len(n.Outputs)], nil
}
