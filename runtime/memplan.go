package runtime

import (
	"sort"

	"github.com/dlc-go/dlc/backend/cpu"
)

// Memory planning: every value a step writes gets a byte range of one
// arena, fixed before the first run.
//
//  1. Liveness: a value lives from the step that writes it to the last
//     step that reads it; graph outputs live to the end, since they are
//     copied out after the last step.
//  2. Aliases: a view step's output is its input's buffer; a kernel that
//     implements cpu.InPlacer writes its output over an input that dies at
//     that step (and is the arena's, not a graph input or constant); a
//     Concat whose inputs are contiguous blocks of its output has them
//     written there by their producers and runs nothing (concat.go). A
//     buffer then lives from the first step writing any value in it to
//     the last step reading any of them.
//  3. Offsets: buffers are placed largest first, each at the best-fitting
//     gap (the smallest one it fits) among the buffers already placed whose
//     lifetimes overlap its own — the greedy-by-size strategy of TFLite's
//     arena planner — at offsets aligned to arenaAlign.

// memStats summarizes a memory plan.
type memStats struct {
	// Arena is the arena's size: the peak of the plan.
	Arena int64
	// Naive is the sum of every step output, as if nothing were reused.
	Naive int64
	// LowerBound is the most bytes live at once, over steps: no placement
	// of these buffers can use less.
	LowerBound int64
	Buffers    int // distinct arena buffers
	InPlace    int // steps writing over an input
	Concats    int // Concat steps eliminated: their inputs live in their output
}

// planMemory computes liveness, aliases and offsets; kernels[i] is step
// i's fast kernel or nil.
func (p *plan) planMemory(kernels []cpu.Kernel) {
	end := len(p.steps)
	for i, st := range p.steps {
		for _, k := range st.in {
			if k >= 0 {
				p.slots[k].last = i
			}
		}
	}
	for _, k := range p.outputs {
		p.slots[k].last = end
	}
	// Buffer r (a root slot) lives from step life.from[r] to life.last[r].
	life := lifetimes{from: make([]int, len(p.slots)), last: make([]int, len(p.slots))}
	for k := range p.slots {
		life.from[k], life.last[k] = p.slots[k].def, p.slots[k].last
	}
	// alias makes out share the bytes of slot src (the same offset inside
	// the same buffer).
	alias := func(out, src int) {
		o, r := &p.slots[out], p.slots[src].root
		o.kind, o.root, o.within = slotAlias, r, p.slots[src].within
		life.last[r] = max(life.last[r], o.last)
	}
	for i := range p.steps {
		st := &p.steps[i]
		switch {
		case st.kind == stepView:
			alias(st.out[0], st.in[0])
		case p.elideConcat(i, life):
			st.kind, kernels[i] = stepConcat, nil
			p.mem.Concats++
		case kernels[i] != nil:
			ip, ok := kernels[i].(cpu.InPlacer)
			if !ok {
				break
			}
			o, j := ip.InPlace()
			if p.canInPlace(i, o, j, life.last) {
				alias(st.out[o], st.in[j])
				st.inPlace, st.inPlaceIn = o, j
				p.mem.InPlace++
			}
		}
	}
	var bufs []int
	for k := range p.slots {
		sl := &p.slots[k]
		if sl.def >= 0 {
			p.mem.Naive += sl.bytes
		}
		if sl.kind == slotArena {
			sl.def, sl.last = life.from[k], life.last[k]
			if sl.bytes > 0 {
				bufs = append(bufs, k)
			}
		}
	}
	p.mem.Buffers = len(bufs)
	p.mem.Arena = p.placeBuffers(bufs)
	live := make([]int64, end+1)
	for _, k := range bufs {
		for t := p.slots[k].def; t <= p.slots[k].last; t++ {
			live[t] += p.slots[k].bytes
		}
	}
	for _, b := range live {
		p.mem.LowerBound = max(p.mem.LowerBound, b)
	}
}

// lifetimes holds, per root slot, the first and last step of its buffer
// while aliases are decided.
type lifetimes struct{ from, last []int }

// canInPlace reports whether step i's output o may take over the bytes of
// its input j: nothing else in that input's buffer — other values placed
// in it by an eliminated Concat included — is read after step i.
func (p *plan) canInPlace(i, o, j int, rootLast []int) bool {
	st := &p.steps[i]
	if o < 0 || o >= len(st.out) || j < 0 || j >= len(st.in) || st.out[o] < 0 || st.in[j] < 0 {
		return false
	}
	out, in := &p.slots[st.out[o]], &p.slots[st.in[j]]
	r := in.root
	root := &p.slots[r]
	if root.kind != slotArena || rootLast[r] != i || in.dtype != out.dtype || in.n != out.n || out.kind != slotArena {
		return false
	}
	// Another input reading the same buffer under another slot may be
	// read in a different order than the output is written.
	for jj, k := range st.in {
		if jj != j && k >= 0 && k != st.in[j] && p.slots[k].root == r {
			return false
		}
	}
	return true
}

// placeBuffers assigns arena offsets to the given root slots and returns
// the arena size.
func (p *plan) placeBuffers(bufs []int) int64 {
	order := append([]int{}, bufs...)
	sort.SliceStable(order, func(a, b int) bool {
		sa, sb := &p.slots[order[a]], &p.slots[order[b]]
		if sa.bytes != sb.bytes {
			return sa.bytes > sb.bytes
		}
		return sa.def < sb.def
	})
	var placed []int
	var arena int64
	for _, k := range order {
		sl := &p.slots[k]
		size := alignUp(sl.bytes)
		var overlap []int
		for _, q := range placed {
			o := &p.slots[q]
			if o.def <= sl.last && sl.def <= o.last {
				overlap = append(overlap, q)
			}
		}
		sort.Slice(overlap, func(a, b int) bool { return p.slots[overlap[a]].offset < p.slots[overlap[b]].offset })
		best, bestGap := int64(-1), int64(-1)
		var prevEnd int64
		for _, q := range overlap {
			o := &p.slots[q]
			if gap := o.offset - prevEnd; gap >= size && (bestGap < 0 || gap < bestGap) {
				best, bestGap = prevEnd, gap
			}
			prevEnd = max(prevEnd, o.offset+alignUp(o.bytes))
		}
		if best < 0 {
			best = prevEnd
		}
		sl.offset = best
		arena = max(arena, best+size)
		placed = append(placed, k)
	}
	return arena
}
