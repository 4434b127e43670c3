package loss

import (
	"fmt"
	"math"

	"github.com/dlc-go/dlc/ir"
)

// Pair is a loss of two predictions of one model step rather than of a
// prediction and a target: the embeddings of two views of the same
// samples (NTXent), a Gaussian encoder's mean and log-variance
// (GaussianKL), a discriminator's logits on real and on generated data
// (GANDiscriminator). Gradients may flow into both values. fresh returns
// an unused value name for a base, as for Loss.
type Pair interface {
	AppendPair(g *ir.Graph, a, b *ir.Value, fresh func(string) string) (*ir.Value, error)
}

// Triplet is a loss of an anchor, a positive and a negative embedding
// batch, all three predictions of the same model (TripletMargin).
type Triplet interface {
	AppendTriplet(g *ir.Graph, anchor, positive, negative *ir.Value, fresh func(string) string) (*ir.Value, error)
}

// NTXent is the normalized temperature-scaled cross-entropy of SimCLR
// (Chen et al. 2020, "A Simple Framework for Contrastive Learning of
// Visual Representations", eq. 1), the symmetric InfoNCE loss.
//
// Given z1, z2 [N, D], the embeddings of two views of the same N samples,
// the 2N rows of concat(z1, z2) are L2-normalized (x / max(‖x‖, 1e-12),
// as torch.nn.functional.normalize) into u, and
//
//	s[i,j] = u_i·u_j / τ
//
// Row i's positive is its other view, p(i) = i ± N; every other row but
// itself is a negative. The loss of row i is the cross-entropy of
// softmax over j ≠ i of s[i,j] against p(i):
//
//	ℓ_i = logsumexp_{j≠i} s[i,j] - s[i,p(i)]
//
// Mean averages ℓ over the 2N rows (Sum adds them). The self-similarity
// is excluded by adding a large negative constant on the diagonal of s
// (an initializer [2N, 2N]), so N must be known when the graph is built;
// D may be symbolic.
type NTXent struct {
	Temperature float64 // τ > 0; 0 means 0.5
	Reduction   Reduction
}

// ntxentMask is the diagonal of the self-similarity mask: far below any
// similarity (|s| ≤ 1/τ), so exp of it underflows to 0 in every float
// dtype and its gradient (softmax weight) is exactly 0.
const ntxentMask = -1e9

// AppendPair implements Pair with a = z1 and b = z2.
func (l NTXent) AppendPair(g *ir.Graph, z1, z2 *ir.Value, fresh func(string) string) (*ir.Value, error) {
	const name = "NTXent"
	tau := l.Temperature
	if tau == 0 {
		tau = 0.5
	}
	if !(tau > 0) || math.IsInf(tau, 0) {
		return nil, fmt.Errorf("%s: Temperature is %v, must be positive and finite", name, l.Temperature)
	}
	e, err := matched(name, g, fresh, []string{"z1", "z2"}, z1, z2)
	if err != nil {
		return nil, err
	}
	if z1.Type.Shape.Rank() != 2 || !z1.Type.Shape.Dims[0].Known() {
		return nil, fmt.Errorf("%s: z1 %q is %s, want [N, D] with N known", name, z1.Name, z1.Type)
	}
	n := int(z1.Type.Shape.Dims[0].Size)
	if n == 0 {
		return nil, fmt.Errorf("%s: z1 %q is an empty batch", name, z1.Name)
	}
	u1, u2 := e.normalizeRows(z1), e.normalizeRows(z2)
	u := e.op("Concat", map[string]*ir.Attr{"axis": ir.IntAttr(0)}, u1, u2) // [2N, D]
	inv := e.scalar(1 / tau)
	sim := e.mul(e.op("MatMul", nil, u, e.op("Transpose", map[string]*ir.Attr{"perm": ir.IntsAttr(1, 0)}, u)), inv)
	mask := make([]float64, 4*n*n)
	for i := range 2 * n {
		mask[i*2*n+i] = ntxentMask
	}
	lse := e.reduce("ReduceLogSumExp", e.add(sim, e.floats([]int{2 * n, 2 * n}, mask...)), false, 1) // [2N]
	// s[i, i+N] = s[i+N, i] = u1_i·u2_i/τ: the positives of both halves,
	// computed as N dot products rather than picked out of s.
	pos := e.mul(e.reduce("ReduceSum", e.mul(u1, u2), false, 1), inv) // [N]
	both := e.op("Concat", map[string]*ir.Attr{"axis": ir.IntAttr(0)}, pos, pos)
	return e.finish(name, e.sub(lse, both), l.Reduction)
}

// normalizeRows divides each row of x [N, D] by max(‖row‖₂, 1e-12), as
// torch.nn.functional.normalize(x, dim=1).
func (e *emitter) normalizeRows(x *ir.Value) *ir.Value {
	norm := e.reduce("ReduceL2", x, true, 1)
	return e.div(x, e.op("Max", nil, norm, e.scalar(1e-12)))
}

// TripletMargin is nn.TripletMarginLoss with p = 2: for anchor a,
// positive p and negative n of shape [N, D] (or [D], one triplet),
//
//	ℓ_i = max(d(a_i, p_i) - d(a_i, n_i) + Margin, 0)
//	d(x, y) = ‖x - y + ε‖₂,  ε = 1e-6
//
// (ε inside the norm as torch.nn.functional.pairwise_distance adds it).
// With Swap, d(a_i, n_i) is replaced by min(d(a_i, n_i), d(p_i, n_i))
// (the "distance swap" of Balntas et al. 2016). Mean averages over the
// triplets. The gradient of d is undefined where x - y + ε is exactly
// zero; it is NaN there.
type TripletMargin struct {
	Margin    *float64 // nil: PyTorch's default, 1; must be ≥ 0
	Swap      bool
	Reduction Reduction
}

// pairwiseEps is pairwise_distance's default eps.
const pairwiseEps = 1e-6

// AppendTriplet implements Triplet.
func (l TripletMargin) AppendTriplet(g *ir.Graph, anchor, positive, negative *ir.Value, fresh func(string) string) (*ir.Value, error) {
	const name = "TripletMargin"
	margin := 1.0
	if l.Margin != nil {
		margin = *l.Margin
	}
	if !(margin >= 0) || math.IsInf(margin, 0) {
		return nil, fmt.Errorf("%s: Margin is %v, must be finite and non-negative", name, margin)
	}
	e, err := matched(name, g, fresh, []string{"anchor", "positive", "negative"}, anchor, positive, negative)
	if err != nil {
		return nil, err
	}
	r := anchor.Type.Shape.Rank()
	if r != 1 && r != 2 {
		return nil, fmt.Errorf("%s: anchor %q is %s, want [N, D] or [D]", name, anchor.Name, anchor.Type)
	}
	axis := int64(r - 1)
	eps := e.scalar(pairwiseEps)
	dist := func(x, y *ir.Value) *ir.Value {
		return e.reduce("ReduceL2", e.add(e.sub(x, y), eps), false, axis)
	}
	dNeg := dist(anchor, negative)
	if l.Swap {
		dNeg = e.op("Min", nil, dNeg, dist(positive, negative))
	}
	per := e.op("Relu", nil, e.add(e.sub(dist(anchor, positive), dNeg), e.scalar(margin)))
	return e.finish(name, per, l.Reduction)
}

// matched checks that vals, named by roles, are float tensors of one
// dtype and rank whose known dimensions agree, and returns an emitter for
// them. Symbolic dimensions are not compared: they are checked when the
// graph runs.
func matched(name string, g *ir.Graph, fresh func(string) string, roles []string, vals ...*ir.Value) (*emitter, error) {
	if g == nil {
		return nil, fmt.Errorf("%s: no graph (g is nil)", name)
	}
	if fresh == nil {
		return nil, fmt.Errorf("%s: no name generator (fresh is nil)", name)
	}
	for i, v := range vals {
		if err := checkFloat(name, roles[i], v); err != nil {
			return nil, err
		}
	}
	first := vals[0]
	for i, v := range vals[1:] {
		at := func(what string) error {
			return fmt.Errorf("%s: %s %q is %s, %s %q is %s: %s differ", name, roles[i+1], v.Name, v.Type, roles[0], first.Name, first.Type, what)
		}
		if v.Type.DType != first.Type.DType {
			return nil, at("dtypes")
		}
		if v.Type.Shape.Rank() != first.Type.Shape.Rank() {
			return nil, at("ranks")
		}
		for k, d := range v.Type.Shape.Dims {
			if f := first.Type.Shape.Dims[k]; d.Known() && f.Known() && d.Size != f.Size {
				return nil, at("shapes")
			}
		}
	}
	return &emitter{g: g, fresh: fresh, dt: first.Type.DType}, nil
}
