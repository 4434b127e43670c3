package train

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
)

// Predict runs the inference graph on x (n samples of the model's input
// shape; token ids as whole numbers for an integer input) with the trainer's current values and returns its first output
// (logits, or embeddings).
func (t *Trainer) Predict(x []float32, n int) (*ir.Tensor, error) {
	if t.predict == nil {
		m, err := evalGraph(t.m)
		if err != nil {
			return nil, err
		}
		opt := runtime.DefaultOptions()
		opt.Threads = t.cfg.Threads
		if t.predict, err = runtime.New(m, opt); err != nil {
			return nil, err
		}
	}
	feeds := map[string]ir.Data{}
	vals := t.Values()
	for _, v := range t.predict.Inputs() {
		if val := vals[v.Name]; val != nil {
			feeds[v.Name] = val
			continue
		}
		shape := []int{n}
		for _, d := range v.Type.Shape.Dims[1:] {
			shape = append(shape, int(d.Size))
		}
		if size(shape) != len(x) {
			return nil, fmt.Errorf("predict: %d values for %d samples of %v", len(x), n, shape[1:])
		}
		if isTokenType(v.Type.DType) {
			vocab := tokenVocab(t.m.Eval.Graph, v.Name)
			in, err := tokenBatch(ir.Zeros(v.Type.DType, []int{len(x)}), x, shape, v.Name, vocab)
			if err != nil {
				return nil, fmt.Errorf("predict: %w", err)
			}
			feeds[v.Name] = in
			continue
		}
		feeds[v.Name] = ir.FromSlice(shape, x)
	}
	res, err := t.predict.Run(feeds)
	if err != nil {
		return nil, err
	}
	return res[0].(*ir.Tensor), nil
}
