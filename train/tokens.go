package train

import (
	"fmt"
	"math"

	"github.com/dlc-go/dlc/ir"
)

// Integer (token id) data inputs. Datasets and the loader hand out
// float32 batches; a model whose data input is int64 or int32 (token ids
// for an Embedding's Gather) gets them converted into an integer buffer
// of the graph's dtype. A value that is not a whole number, or lies
// outside [0, vocab) for the Gathers that read the input, is an error
// naming the input instead of a wrong row or a failing kernel.

// isTokenType reports whether a data input of dtype dt takes token ids.
func isTokenType(dt ir.DType) bool { return dt == ir.Int64 || dt == ir.Int32 }

// newDataInput is the tensor a training step binds as its data input:
// for token ids an integer buffer that every step refills, otherwise a
// header that the step points at the caller's float32 batch.
func newDataInput(dt ir.DType, shape []int) *ir.Tensor {
	if isTokenType(dt) {
		return ir.Zeros(dt, shape)
	}
	return &ir.Tensor{DType: dt, Shape: shape}
}

// feedData points the step's data input at x, or converts x into its
// token buffer.
func (t *Trainer) feedData(x []float32) error {
	if !isTokenType(t.x.DType) {
		t.x.Data = x
		return nil
	}
	return toTokens(t.x.Data, x, t.tokenName, t.tokenVocab)
}

// tokenInput finds a forward graph's token data input (its first
// integer input without a value) and tokenVocab's bound for it.
func tokenInput(g *ir.Graph) (string, int) {
	for _, v := range g.Inputs {
		if v.Init == nil && isTokenType(v.Type.DType) {
			return v.Name, tokenVocab(g, v.Name)
		}
	}
	return "input", 0
}

// tokenVocab is the bound of the ids in input: the smallest first dim of
// the tables that Gathers on axis 0 index with it (0 when none does).
func tokenVocab(g *ir.Graph, input string) int {
	vocab := 0
	for _, n := range g.Nodes {
		if n.Op != "Gather" || len(n.Inputs) < 2 || n.Inputs[1] == nil || n.Inputs[1].Name != input {
			continue
		}
		if a := n.Attrs["axis"]; a != nil && a.I != 0 {
			continue
		}
		s := n.Inputs[0].Type.Shape
		if !s.Ranked || s.Rank() == 0 || !s.Dims[0].Known() {
			continue
		}
		if rows := int(s.Dims[0].Size); vocab == 0 || rows < vocab {
			vocab = rows
		}
	}
	return vocab
}

// toTokens converts x into dst ([]int64 or []int32 of len(x)), checking
// that every value is a token id: a whole number in [0, vocab) (vocab 0:
// any that the dtype holds).
func toTokens(dst any, x []float32, name string, vocab int) error {
	switch d := dst.(type) {
	case []int64:
		return convertTokens(d, x, name, vocab, math.MaxInt64)
	case []int32:
		return convertTokens(d, x, name, vocab, math.MaxInt32)
	}
	return fmt.Errorf("input %q: %T is not a token buffer", name, dst)
}

func convertTokens[T int32 | int64](dst []T, x []float32, name string, vocab int, limit float64) error {
	if len(x) != len(dst) {
		return fmt.Errorf("input %q: %d values for a batch of %d token ids", name, len(x), len(dst))
	}
	if vocab > 0 {
		limit = float64(vocab - 1)
	}
	for i, v := range x {
		f := float64(v)
		if f != math.Trunc(f) || math.IsInf(f, 0) {
			return fmt.Errorf("input %q: element %d is %v, not a token id (a whole number)", name, i, v)
		}
		if f < 0 || f > limit {
			if vocab > 0 {
				return fmt.Errorf("input %q: token id %v at element %d is outside the embedding's range [0, %d)", name, v, i, vocab)
			}
			return fmt.Errorf("input %q: token id %v at element %d is out of range", name, v, i)
		}
		dst[i] = T(f)
	}
	return nil
}

// tokenBatch converts x into the first len(x) ids of buf (a flat int64 or
// int32 buffer) and returns them as a tensor of shape.
func tokenBatch(buf *ir.Tensor, x []float32, shape []int, name string, vocab int) (*ir.Tensor, error) {
	var dst any
	switch d := buf.Data.(type) {
	case []int64:
		dst = d[:len(x)]
	case []int32:
		dst = d[:len(x)]
	}
	if err := toTokens(dst, x, name, vocab); err != nil {
		return nil, err
	}
	return &ir.Tensor{DType: buf.DType, Shape: shape, Data: dst}, nil
}
