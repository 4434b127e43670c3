package runtime

import (
	"fmt"
	goruntime "runtime"
	"slices"
	"time"

	"github.com/dlc-go/dlc/backend/cpu"
	"github.com/dlc-go/dlc/ir"
)

// execCtx is what one run of a plan needs: the arena, a tensor header for
// every slot (made once, so a run allocates none), each step's kernel and
// argument lists. A context serves one run at a time.
type execCtx struct {
	p       *plan
	arena   []byte
	hdr     []*ir.Tensor
	kernels []cpu.Kernel
	in, out [][]*ir.Tensor
	refIn   [][]ir.Data // reference steps' inputs, nil for omitted ones
	// follow[i] lists the slots whose data is graph input i's.
	follow [][]int
	cur    int // the step running, to name it if a kernel panics
}

// newCtx lays out a context over a fresh arena; kernels are this
// context's own (built by buildKernels).
func (p *plan) newCtx(kernels []cpu.Kernel) *execCtx {
	c := &execCtx{p: p, arena: newArena(p.mem.Arena), kernels: kernels,
		hdr: make([]*ir.Tensor, len(p.slots)), follow: make([][]int, len(p.inputs))}
	for k := range p.slots {
		sl := &p.slots[k]
		root := &p.slots[sl.root]
		switch root.kind {
		case slotInit:
			if sl.kind == slotInit {
				c.hdr[k] = sl.v.Init
				continue
			}
			c.hdr[k] = &ir.Tensor{DType: sl.dtype, Shape: sl.shape, Data: root.v.Init.Data}
		case slotInput:
			c.hdr[k] = &ir.Tensor{DType: sl.dtype, Shape: sl.shape}
			c.follow[root.input] = append(c.follow[root.input], k)
		case slotArena:
			c.hdr[k] = &ir.Tensor{DType: sl.dtype, Shape: sl.shape, Data: typedView(c.arena, root.offset+sl.within, sl.dtype, sl.n)}
		case slotOwn:
			if sl.kind == slotOwn {
				c.hdr[k] = ir.Zeros(sl.dtype, sl.shape)
			} else {
				c.hdr[k] = &ir.Tensor{DType: sl.dtype, Shape: sl.shape, Data: c.hdr[sl.root].Data}
			}
		}
	}
	c.in = make([][]*ir.Tensor, len(p.steps))
	c.out = make([][]*ir.Tensor, len(p.steps))
	c.refIn = make([][]ir.Data, len(p.steps))
	for i, st := range p.steps {
		c.in[i] = c.tensors(st.in)
		c.out[i] = c.tensors(st.out)
		if st.kind == stepRef {
			c.refIn[i] = make([]ir.Data, len(st.in))
			for j, t := range c.in[i] {
				if t != nil {
					c.refIn[i][j] = t
				}
			}
		}
	}
	return c
}

func (c *execCtx) tensors(slots []int) []*ir.Tensor {
	ts := make([]*ir.Tensor, len(slots))
	for j, k := range slots {
		if k >= 0 {
			ts[j] = c.hdr[k]
		}
	}
	return ts
}

// getCtx takes a free context or builds one (with its own kernels).
func (p *plan) getCtx() (*execCtx, error) {
	p.ctxMu.Lock()
	if n := len(p.free); n > 0 {
		c := p.free[n-1]
		p.free = p.free[:n-1]
		p.ctxMu.Unlock()
		return c, nil
	}
	p.contexts++
	p.ctxMu.Unlock()
	ks, err := p.buildKernels()
	if err != nil {
		return nil, err
	}
	for i, st := range p.steps {
		if (ks[i] != nil) != (st.kind == stepFast) {
			return nil, fmt.Errorf("%s: the fast-kernel builder answered differently for a second context", st.node)
		}
		if st.inPlace >= 0 {
			ip, ok := ks[i].(cpu.InPlacer)
			if ok {
				o, j := ip.InPlace()
				ok = o == st.inPlace && j == st.inPlaceIn
			}
			if !ok {
				return nil, fmt.Errorf("%s: the kernel of a second context does not run in place as the first", st.node)
			}
		}
	}
	return p.newCtx(ks), nil
}

// putCtx returns a context to the free list, or drops it when the list
// holds maxFreeContexts already: a burst of overlapping runs must not
// keep one arena per run for the life of the session.
func (p *plan) putCtx(c *execCtx) {
	p.ctxMu.Lock()
	if len(p.free) < maxFreeContexts() {
		p.free = append(p.free, c)
	} else {
		p.contexts--
	}
	p.ctxMu.Unlock()
}

// maxFreeContexts bounds the contexts a plan keeps between runs: enough
// for as many overlapping runs as there are cores, twice over.
func maxFreeContexts() int { return max(4, 2*goruntime.GOMAXPROCS(0)) }

// exec runs the plan on inputs indexed like the graph inputs (nil: the
// default) and copies the graph outputs into outs, which match the output
// slots' dtypes and shapes. It returns an error wrapping errMismatch when
// a reference kernel contradicts the plan.
func (p *plan) exec(ins, outs []*ir.Tensor) (err error) {
	c, err := p.getCtx()
	if err != nil {
		return err
	}
	defer p.putCtx(c)
	defer func() {
		if r := recover(); r != nil {
			err = panicError(p.steps[c.cur].node, r)
		}
		// Let go of the caller's inputs, also after a failed step: a
		// pooled context must not keep them.
		for i := range ins {
			for _, k := range c.follow[i] {
				c.hdr[k].Data = nil
			}
		}
	}()
	for i, t := range ins {
		if t == nil {
			t = p.model.Graph.Inputs[i].Init
		}
		for _, k := range c.follow[i] {
			c.hdr[k].Data = t.Data
		}
	}
	prof := p.profNs != nil
	var t0 time.Time
	for i := range p.steps {
		c.cur = i
		if prof {
			t0 = time.Now()
		}
		switch p.steps[i].kind {
		case stepFast:
			c.kernels[i].Run(c.in[i], c.out[i])
		case stepRef:
			if err := c.runRef(i); err != nil {
				return err
			}
		}
		if prof {
			p.profNs[i].Add(int64(time.Since(t0)))
		}
	}
	for k, sl := range p.outputs {
		outs[k].CopyFrom(c.hdr[sl])
	}
	return nil
}

// runRef runs a reference step and copies its outputs into their slots.
func (c *execCtx) runRef(i int) error {
	st := &c.p.steps[i]
	out, err := st.ref(noSubgraphs{}, st.node, c.refIn[i])
	if err != nil {
		return fmt.Errorf("%s: %w", st.node, err)
	}
	if len(out) < len(st.out) {
		return fmt.Errorf("%s: kernel returned %d outputs, node has %d", st.node, len(out), len(st.out))
	}
	for j, k := range st.out {
		if k < 0 {
			continue
		}
		t, ok := out[j].(*ir.Tensor)
		dst := c.hdr[k]
		if !ok || t == nil || t.DType != dst.DType || !slices.Equal(t.Shape, dst.Shape) {
			c.p.broken.Store(true)
			return fmt.Errorf("%s: output %d: %w", st.node, j, errMismatch)
		}
		dst.CopyFrom(t)
	}
	return nil
}

// noSubgraphs is the ref.Ctx of planned steps: planned graphs have no
// subgraphs.
type noSubgraphs struct{}

func (noSubgraphs) RunGraph(g *ir.Graph, _ []ir.Data) ([]ir.Data, error) {
	return nil, fmt.Errorf("subgraph %q in a planned graph", g.Name)
}
