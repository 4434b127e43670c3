package runtime

import "slices"

// Concat elimination. When every dim of a Concat's output before the axis
// is 1 (NCHW with batch 1 and axis 1, or axis 0), each input is one
// contiguous block of the output: input k is the bytes at the sum of the
// sizes of inputs 0..k-1. The memory plan then places each input's buffer
// there, so its producer writes straight into the output, and the Concat
// step runs nothing.
//
// An input qualifies when its buffer belongs to this plan's arena and
// holds exactly that value: it is written by a step (not a graph input or
// constant, whose bytes live elsewhere), and it is not already placed
// inside another buffer (such as another eliminated Concat's output, which
// would need it at a second place). Views and in-place results of the
// input share its buffer, so the whole buffer — every value using it —
// moves into the output. Each buffer may appear once among the inputs: a
// value listed twice needs two copies.
//
// Merging the buffers keeps the aliasing rules sound without more
// checks: the output's buffer then lives from the first write of any
// input to the last read of the output or of any input (graph outputs,
// read when they are copied out after the last step, included), and
// canInPlace lets a step write over a value in it only when nothing else
// in the buffer is read later. So neither an in-place consumer of an
// input nor one of the output can overwrite bytes the other still needs.

// elideConcat places the inputs of step i inside its output's buffer and
// reports true when step i is a Concat that qualifies; otherwise it
// changes nothing. life holds the buffers' lifetimes, updated here.
func (p *plan) elideConcat(i int, life lifetimes) bool {
	st := &p.steps[i]
	n := st.node
	if n.Domain != "" || n.Op != "Concat" || len(st.out) != 1 || st.out[0] < 0 || len(st.in) == 0 {
		return false
	}
	out := st.out[0]
	o := &p.slots[out]
	if o.kind != slotArena || o.root != out || o.bytes == 0 {
		return false
	}
	axis := int(n.Int("axis"))
	if axis < 0 {
		axis += len(o.shape)
	}
	if axis < 0 || axis >= len(o.shape) {
		return false
	}
	for _, d := range o.shape[:axis] {
		if d != 1 {
			return false
		}
	}
	// roots[j] is input j's buffer, -1 for an empty input (it adds no
	// bytes, so it needs no place).
	roots := make([]int, len(st.in))
	var off int64
	for j, k := range st.in {
		if k < 0 {
			return false
		}
		in := &p.slots[k]
		if in.dtype != o.dtype {
			return false
		}
		if in.bytes == 0 {
			roots[j] = -1
			continue
		}
		r := in.root
		root := &p.slots[r]
		// Buffer offsets stay multiples of arenaAlign: vector kernels may
		// use aligned loads at the start of any tensor.
		if root.kind != slotArena || root.def < 0 || in.within != 0 || root.bytes != in.bytes ||
			off%arenaAlign != 0 || slices.Contains(roots[:j], r) {
			return false
		}
		roots[j] = r
		off += in.bytes
	}
	if off != o.bytes {
		return false
	}
	off = 0
	for j, r := range roots {
		if r < 0 {
			continue
		}
		for k := range p.slots {
			if sl := &p.slots[k]; sl.root == r && (sl.kind == slotArena || sl.kind == slotAlias) {
				sl.kind, sl.root, sl.within = slotAlias, out, sl.within+off
			}
		}
		life.from[out] = min(life.from[out], life.from[r])
		life.last[out] = max(life.last[out], life.last[r])
		off += p.slots[st.in[j]].bytes
	}
	return true
}
