package ref

import (
	"fmt"
	"math"

	"github.com/dlc-go/dlc/ir"
)

func init() { Register("Multinomial", multinomialKernel) }

// multinomialKernel draws sample_size class indices per row of input
// [batch, classes], independently and with replacement, with probabilities
// softmax(row): the row holds unnormalized log-probabilities. The
// generator is nodeRand's (see random.go), so a seed repeats the samples
// of this implementation only. -Inf logits have probability 0; a row with
// no finite logit or a NaN has no distribution and is an error.
func multinomialKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	if !x.DType.IsFloat() {
		return nil, fmt.Errorf("input dtype %s: logits must be a float type", x.DType)
	}
	if x.Rank() != 2 {
		return nil, fmt.Errorf("input has shape %v, want [batch_size, class_size]", x.Shape)
	}
	dt := ir.DType(n.Int("dtype"))
	if dt != ir.Int32 && dt != ir.Int64 {
		return nil, fmt.Errorf("dtype %s: Multinomial outputs int32 or int64", dt)
	}
	samples := int(n.Int("sample_size"))
	if samples < 0 {
		return nil, fmt.Errorf("sample_size %d is negative", samples)
	}
	batch, classes := x.Shape[0], x.Shape[1]
	out := ir.Zeros(dt, []int{batch, samples})
	if samples == 0 {
		return Outs(out), nil
	}
	xs := x.Float64s()
	r := nodeRand(n)
	cum := make([]float64, classes) // cumulative unnormalized probabilities
	for b := range batch {
		row := xs[b*classes : (b+1)*classes]
		m := math.Inf(-1)
		for _, v := range row {
			if math.IsNaN(v) {
				return nil, fmt.Errorf("row %d has a NaN logit", b)
			}
			m = math.Max(m, v)
		}
		if math.IsInf(m, -1) || math.IsInf(m, 1) {
			return nil, fmt.Errorf("row %d has max logit %v: no distribution to sample", b, m)
		}
		total := 0.0
		for k, v := range row {
			total += math.Exp(v - m) // shifted by the max so exp cannot overflow
			cum[k] = total
		}
		for s := range samples {
			u := r.Float64() * total
			k := 0
			// The first class whose cumulative mass exceeds u; a class of
			// zero mass never does, since its cum equals its predecessor's.
			for k < classes-1 && cum[k] <= u {
				k++
			}
			out.SetInt64At(b*samples+s, int64(k))
		}
	}
	return Outs(out), nil
}
