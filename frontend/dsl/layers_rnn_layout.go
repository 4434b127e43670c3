package dsl

import (
	"slices"

	"github.com/dlc-go/dlc/ir"
)

// Sequence-first values. DSL values are batch first; the recurrent
// layers with SequenceFirst read and write [steps, batch, ...] values, the
// layout of torch.nn.LSTM(batch_first=False) and of the ONNX ops. Such a
// value is made by ToSequenceFirst and turned back by ToBatchFirst; every
// other layer and function rejects it (checkBatchFirst), since it would
// take the steps for the batch.

const toBatchFirstKind = "to_batch_first"

// ToSequenceFirst swaps the batch dim and the next one: [batch, steps,
// ...] becomes the sequence-first [steps, batch, ...] that recurrent
// layers with SequenceFirst take (a Transpose). Options: Name.
func ToSequenceFirst(opts ...Option) Layer {
	return newLayer("to_seq_first", nil, opts, func(b *Builder, name string, _ *config, x *Value) *Value {
		if len(x.shape) == 0 {
			fail(name, "input has no dims after the batch dim; ToSequenceFirst needs [steps, ...]")
		}
		return swapBatch(b, name, x, true)
	})
}

// ToBatchFirst turns a sequence-first value [steps, batch, ...] (a
// recurrent layer's ReturnSequences output with SequenceFirst) back into
// the batch-first [batch, steps, ...] every other layer takes (a
// Transpose). Options: Name.
func ToBatchFirst(opts ...Option) Layer {
	return newLayer(toBatchFirstKind, nil, opts, func(b *Builder, name string, _ *config, x *Value) *Value {
		if !x.seqFirst {
			fail(name, "input is already batch first")
		}
		return swapBatch(b, name, x, false)
	})
}

// swapBatch transposes x's first two dims into the layout seqFirst.
func swapBatch(b *Builder, name string, x *Value, seqFirst bool) *Value {
	perm := []int64{1, 0}
	for i := 2; i <= len(x.shape); i++ {
		perm = append(perm, int64(i))
	}
	e := newRNNEmitter(b, name)
	y := e.transpose(x.v, perm, seqDims(x.shape, seqFirst))
	y.Name = b.fresh(name)
	return &Value{b: b, v: y, shape: slices.Clone(x.shape), seqFirst: seqFirst}
}

// seqDims are the emitter dims (-1: the batch) of a value with dims shape
// besides the batch, batch first or sequence first.
func seqDims(shape []int, seqFirst bool) []int {
	if !seqFirst {
		return append([]int{-1}, shape...)
	}
	return append([]int{shape[0], -1}, shape[1:]...)
}

// seqType is the graph type of such a value.
func seqType(b *Builder, shape []int, seqFirst bool) ir.Type {
	if !seqFirst {
		return b.irType(shape)
	}
	return newRNNEmitter(b, "").typ(seqDims(shape, true))
}

// acceptsSeqFirst reports whether a built-in layer takes sequence-first
// values: ToBatchFirst and the recurrent layers (which then need the
// SequenceFirst option themselves).
func acceptsSeqFirst(kind string, allowed []string) bool {
	return kind == toBatchFirstKind || slices.Contains(allowed, "sequence_first")
}

// checkBatchFirst fails when x is sequence-first: layer (or, for "", the
// model's output) takes batch-first values only.
func checkBatchFirst(layer string, x *Value) {
	if x == nil || !x.seqFirst {
		return
	}
	if layer == "" {
		fail("", "the model's output is sequence-first [steps, batch, ...]; end with ToBatchFirst")
	}
	fail(layer, "input is sequence-first [steps, batch, ...]; only recurrent layers with SequenceFirst take it (apply ToBatchFirst first)")
}
