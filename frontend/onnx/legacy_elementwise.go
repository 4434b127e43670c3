package onnx

import (
	"fmt"
	"strings"

	"github.com/dlc-go/dlc/frontend/onnx/onnxpb"
	"github.com/dlc-go/dlc/ir"
)

// Converters from older opset forms of the elementwise, activation and
// cast ops to their canonical (newest) forms. Only one converter runs per
// node (the one with the lowest bound that applies), so each one handles
// every older form of its op.

func init() {
	// Before opset 7 binary ops broadcast only when asked, aligning B at
	// `axis` of A.
	for _, op := range []string{"Add", "Sub", "Mul", "Div", "Pow", "And", "Or", "Xor",
		"Equal", "Greater", "Less"} {
		legacy(op, 7, legacyBroadcast)
	}
	legacy("PRelu", 7, legacyPRelu)
	legacy("Clip", 11, legacyClip)
	legacy("Cast", 6, legacyCast)
}

// valueRank returns the rank of v, or -1 when it is not known at import.
func valueRank(v *ir.Value) int {
	if v.Init != nil {
		return v.Init.Rank()
	}
	return v.Type.Shape.Rank()
}

// isOverridable reports whether v is a graph input, which the caller may
// replace at run time even when it has an initializer.
func (c *convCtx) isOverridable(v *ir.Value) bool {
	for g := c.sc.g; g != nil; g = g.Parent {
		for _, in := range g.Inputs {
			if in == v {
				return true
			}
		}
	}
	return false
}

// appendOnes gives v (of rank r) k trailing dimensions of size 1: a
// reshaped constant when v is a fixed initializer, else an Unsqueeze.
func (c *convCtx) appendOnes(v *ir.Value, r, k int) (*ir.Value, error) {
	if v.Init != nil && !c.isOverridable(v) {
		shape := append(append([]int{}, v.Init.Shape...), make([]int, k)...)
		for i := r; i < len(shape); i++ {
			shape[i] = 1
		}
		return c.constant(v.Init.Reshaped(shape)), nil
	}
	axes := make([]int64, k)
	for i := range axes {
		axes[i] = int64(r + i)
	}
	return c.emitTemp("Unsqueeze", []*ir.Value{v, c.constant(ir.FromSlice([]int{k}, axes))}, nil)
}

// legacyBroadcast converts the opset 1-6 binary form. With broadcast=1, B's
// shape must match a contiguous run of A's dims starting at `axis`
// (default: A's trailing dims). Appending size-1 dims to B until it ends
// with A makes numpy broadcasting give the same result. Without
// broadcast, the shapes are equal and numpy broadcasting is a no-op.
func legacyBroadcast(c *convCtx) error {
	bcast, axis := c.takeAttr("broadcast"), c.takeAttr("axis")
	if bcast == nil || bcast.I == 0 || axis == nil || len(c.in) < 2 {
		return c.emitDefault()
	}
	a, b := c.input(0), c.input(1)
	ra, rb := valueRank(a), valueRank(b)
	if ra < 0 || rb < 0 {
		return fmt.Errorf("legacy broadcast with axis=%d needs the ranks of both inputs, which are unknown", axis.I)
	}
	ax := int(axis.I)
	if ax < 0 {
		ax += ra
	}
	trailing := ra - ax - rb
	if ax < 0 || trailing < 0 {
		return fmt.Errorf("legacy broadcast: B of rank %d does not fit A of rank %d at axis %d", rb, ra, axis.I)
	}
	if trailing > 0 {
		nb, err := c.appendOnes(b, rb, trailing)
		if err != nil {
			return err
		}
		c.setInput(1, nb)
	}
	return c.emitDefault()
}

// legacyPRelu converts PRelu before opset 7, whose 1-D slope holds one
// value per channel (axis 1 of X); numpy broadcasting would align it with
// the last axis instead, so it gets trailing size-1 dims.
func legacyPRelu(c *convCtx) error {
	x, slope := c.input(0), c.input(1)
	rx := valueRank(x)
	if slope != nil && valueRank(slope) == 1 && rx > 2 {
		ns, err := c.appendOnes(slope, 1, rx-2)
		if err != nil {
			return err
		}
		c.setInput(1, ns)
	}
	return c.emitDefault()
}

// legacyClip converts Clip before opset 11, whose bounds were float
// attributes, into scalar inputs of X's dtype. An absent bound stays
// omitted (no clipping on that side).
func legacyClip(c *convCtx) error {
	dt := ir.Float32 // the dtype of X when inference left it unknown; Clip-6 took floats
	if x := c.input(0); x != nil && x.Type.DType != ir.Undefined {
		dt = x.Type.DType
	}
	for slot, name := range []string{1: "min", 2: "max"} {
		if a := c.takeAttr(name); name != "" && a != nil {
			t := ir.Zeros(dt, nil)
			t.SetFloat64At(0, float64(a.F))
			c.setInput(slot, c.constant(t))
		}
	}
	return c.emitDefault()
}

// legacyCast converts Cast before opset 6, whose `to` was a dtype name
// ("FLOAT", "INT64", ...), into the numeric dtype.
func legacyCast(c *convCtx) error {
	a := c.attrs["to"]
	if a == nil || a.Kind != ir.AttrString {
		return c.emitDefault()
	}
	v, ok := onnxpb.TensorProto_DataType_value[strings.ToUpper(a.S)]
	if !ok {
		return fmt.Errorf("cast to unknown dtype %q", a.S)
	}
	c.attrs["to"] = ir.IntAttr(int64(v))
	return c.emitDefault()
}
