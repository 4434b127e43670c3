package cpu

// bcastPlan walks a numpy broadcast of several operands into an output as
// outer blocks of one inner row. Adjacent output dims are merged wherever
// every operand is laid out contiguously across them, so a same-shape
// operation is one row, a per-channel [1,C,1,1] operand is a scalar per
// row of H·W, and a last-dim [N] operand is a full row repeated.
type bcastPlan struct {
	dims    []int   // merged output dims; the last is the inner row
	strides [][]int // per operand and merged dim, 0 where broadcast
	outer   int     // product of dims[:len(dims)-1]
	inner   int     // dims[len(dims)-1]
}

// newBcastPlan plans the broadcast of the operand shapes ins into out
// (which must be their numpy broadcast).
func newBcastPlan(out []int, ins ...[]int) *bcastPlan {
	r := len(out)
	st := make([][]int, len(ins))
	for j, s := range ins {
		st[j] = make([]int, r)
		acc := 1
		for d := r - 1; d >= 0; d-- {
			sd := d - (r - len(s))
			if sd < 0 || s[sd] == 1 {
				continue // stride 0: broadcast
			}
			st[j][d] = acc
			acc *= s[sd]
		}
	}
	p := &bcastPlan{strides: make([][]int, len(ins))}
	// Merge from the innermost dim outwards.
	var dims []int
	var mst [][]int // per merged dim, per operand
	for d := r - 1; d >= 0; d-- {
		if out[d] == 1 {
			continue // contributes nothing to any offset
		}
		if len(dims) > 0 {
			last := len(dims) - 1
			ok := true
			for j := range ins {
				if st[j][d] != mst[last][j]*dims[last] {
					ok = false
					break
				}
			}
			if ok {
				dims[last] *= out[d]
				continue
			}
		}
		dims = append(dims, out[d])
		m := make([]int, len(ins))
		for j := range ins {
			m[j] = st[j][d]
		}
		mst = append(mst, m)
	}
	if len(dims) == 0 {
		dims = []int{1}
		mst = [][]int{make([]int, len(ins))}
	}
	// Reverse to outermost first.
	n := len(dims)
	p.dims = make([]int, n)
	for i := range dims {
		p.dims[n-1-i] = dims[i]
	}
	for j := range ins {
		p.strides[j] = make([]int, n)
		for i := range dims {
			p.strides[j][n-1-i] = mst[i][j]
		}
	}
	p.inner = p.dims[n-1]
	p.outer = 1
	for _, d := range p.dims[:n-1] {
		p.outer *= d
	}
	return p
}

// offset returns operand j's element offset at the start of outer block b.
func (p *bcastPlan) offset(j, b int) int {
	off := 0
	st := p.strides[j]
	for d := len(p.dims) - 2; d >= 0 && b > 0; d-- {
		off += (b % p.dims[d]) * st[d]
		b /= p.dims[d]
	}
	return off
}

// innerStride is operand j's stride along the inner row: 1 or 0.
func (p *bcastPlan) innerStride(j int) int { return p.strides[j][len(p.dims)-1] }
