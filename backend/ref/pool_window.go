package ref

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

// Sliding-window enumeration shared by the pooling and convolution
// kernels. The geometry (output sizes, padding) comes from ir.Window; this
// file only lists which input elements each window covers.

// tap is one kernel position of a window that lands inside the input: in
// is its flat (row-major) offset within one spatial input plane, k its flat
// offset within the kernel.
type tap struct{ in, k int }

// windowTaps lists, for each output position (row-major over g.Out), the
// taps of its window that fall inside the input, and how many of its
// window positions fall inside the padded input (the divisor of
// AveragePool with count_include_pad).
func windowTaps(g ir.Window) (taps [][]tap, padded []int) {
	nOut := numElems(g.Out)
	taps = make([][]tap, nOut)
	padded = make([]int, nOut)
	inStrides := ir.Strides(g.In)
	r := len(g.In)
	oc := make([]int, r) // output coordinate
	kc := make([]int, r) // kernel coordinate
	for o := 0; o < nOut; o++ {
		clear(kc)
		for k := 0; k < numElems(g.Kernel); k++ {
			inside, inPad, off := true, true, 0
			for d := 0; d < r; d++ {
				p := oc[d]*g.Strides[d] - g.PadBegin[d] + kc[d]*g.Dilations[d]
				if p < -g.PadBegin[d] || p >= g.In[d]+g.PadEnd[d] {
					inPad = false
				}
				if p < 0 || p >= g.In[d] {
					inside = false
				}
				off += p * inStrides[d]
			}
			if inPad {
				padded[o]++
			}
			if inside {
				taps[o] = append(taps[o], tap{off, k})
			}
			nextCoord(kc, g.Kernel)
		}
		nextCoord(oc, g.Out)
	}
	return taps, padded
}

// nextCoord advances a row-major coordinate within shape, wrapping to all
// zeros after the last element.
func nextCoord(c, shape []int) {
	for d := len(c) - 1; d >= 0; d-- {
		c[d]++
		if c[d] < shape[d] {
			return
		}
		c[d] = 0
	}
}

func numElems(shape []int) int {
	n, _ := ir.NumElements(shape)
	return n
}

// spatialInput checks that x is [N, C, D1...] with at least one spatial dim.
func spatialInput(x *ir.Tensor, what string) error {
	if x.Rank() < 3 {
		return fmt.Errorf("%s must be [N, C, spatial...] with rank >= 3, got shape %v", what, x.Shape)
	}
	return nil
}

// kernelShape returns the node's kernel_shape attribute as ints, or def
// when it is absent.
func kernelShape(n *ir.Node, def []int) []int {
	ks := n.Ints("kernel_shape")
	if len(ks) == 0 {
		return def
	}
	out := make([]int, len(ks))
	for i, k := range ks {
		out[i] = int(k)
	}
	return out
}
