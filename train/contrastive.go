package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	goruntime "runtime"
	"slices"
	"sync"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/train/loss"
)

// PairLoss is a loss.Pair as the trainer's Loss: a step's batch holds two
// views of Half samples — the first Half rows one view, the next Half the
// other — and the loss compares the two halves of the output (NT-Xent:
// contrastive learning, Chen et al. 2020). Train with NoLabels and a
// batch of 2·Half.
type PairLoss struct {
	Pair loss.Pair
	Half int
}

// Append implements Loss.
func (l PairLoss) Append(g *ir.Graph, pred, _ *ir.Value, fresh func(string) string) (*ir.Value, error) {
	half := func(from int64, name string) (*ir.Value, error) {
		c := func(v int64) *ir.Value { return g.AddInit(fresh(name+"_bound"), ir.FromSlice([]int{1}, []int64{v})) }
		n, err := g.AddNode(ir.NodeSpec{Op: "Slice", Inputs: []*ir.Value{pred, c(from), c(from + int64(l.Half)), c(0)}, Outputs: []string{fresh(name)}})
		if err != nil {
			return nil, err
		}
		return n.Outputs[0], nil
	}
	a, err := half(0, "view1")
	if err != nil {
		return nil, err
	}
	b, err := half(int64(l.Half), "view2")
	if err != nil {
		return nil, err
	}
	return l.Pair.AppendPair(g, a, b, fresh)
}

// KNNAccuracy classifies each query by the majority class of its k
// nearest references by cosine similarity (ties to the nearest) and
// returns the fraction right: the usual check of learned embeddings, or,
// on raw pixels, its baseline.
func KNNAccuracy(ref []float32, refClasses []int64, query []float32, queryClasses []int64, dim, k int) (float64, error) {
	if len(ref) != len(refClasses)*dim || len(query) != len(queryClasses)*dim || k < 1 || len(refClasses) < k {
		return 0, fmt.Errorf("k-NN: %d reference and %d query rows of %d values do not fit k=%d", len(refClasses), len(queryClasses), dim, k)
	}
	unit := func(x []float32) []float32 {
		out := slices.Clone(x)
		for i := 0; i < len(out); i += dim {
			var s float64
			for _, v := range out[i : i+dim] {
				s += float64(v) * float64(v)
			}
			inv := float32(1 / math.Max(math.Sqrt(s), 1e-12))
			for j := i; j < i+dim; j++ {
				out[j] *= inv
			}
		}
		return out
	}
	r, q := unit(ref), unit(query)
	// Queries are independent: split them among the cores.
	workers := min(goruntime.GOMAXPROCS(0), len(queryClasses))
	right := make([]int, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			best := make([]neighbor, 0, k+1)
			for i := w; i < len(queryClasses); i += workers {
				if nearestVote(q[i*dim:(i+1)*dim], r, refClasses, k, best) == queryClasses[i] {
					right[w]++
				}
			}
		})
	}
	wg.Wait()
	correct := 0
	for _, c := range right {
		correct += c
	}
	return float64(correct) / float64(len(queryClasses)), nil
}

// neighbor is a reference by its similarity to a query.
type neighbor struct {
	sim float32
	cls int64
}

// nearestVote returns the majority class of the k references (unit rows
// of ref) most similar to the unit query qi, ties to the nearer; best is
// scratch space.
func nearestVote(qi, ref []float32, refClasses []int64, k int, best []neighbor) int64 {
	dim := len(qi)
	best = best[:0]
	for j := range refClasses {
		rj := ref[j*dim : (j+1)*dim]
		var s float32
		for d := range qi {
			s += qi[d] * rj[d]
		}
		if len(best) < k || s > best[len(best)-1].sim {
			best = append(best, neighbor{s, refClasses[j]})
			slices.SortFunc(best, func(a, b neighbor) int {
				switch {
				case a.sim > b.sim:
					return -1
				case a.sim < b.sim:
					return 1
				}
				return 0
			})
			if len(best) > k {
				best = best[:k]
			}
		}
	}
	votes := map[int64]int{}
	top, topVotes := best[0].cls, 0
	for _, b := range best {
		votes[b.cls]++
	}
	for _, b := range best { // in order of similarity: ties go to the nearer
		if votes[b.cls] > topVotes {
			top, topVotes = b.cls, votes[b.cls]
		}
	}
	return top
}

// AddProjectionHead appends a projection head after m's training-graph
// output: one linear layer per entry of dims (its output width), with a
// ReLU between layers — trained with the rest, absent from the inference
// graph, whose output stays the representation (SimCLR's projection
// head, Chen et al. 2020 §2.1; §4.2 finds a nonlinear head, [hidden,
// out], better than a linear one, [out]). Layer i's parameters are
// head<i>.weight [dims[i], width] and head<i>.bias [dims[i]] (i from 1),
// initialized U(±1/√width) from seed.
func AddProjectionHead(m *Model, dims []int, seed uint64) error {
	g := m.Train.Graph
	out := g.Outputs[0]
	s := out.Type.Shape
	if !s.Ranked || s.Rank() != 2 || !s.Dims[1].Known() {
		return fmt.Errorf("projection head: the output %q has shape %s, want [batch, width]", out.Name, s)
	}
	if len(dims) == 0 {
		return fmt.Errorf("projection head: no layer widths")
	}
	width := int(s.Dims[1].Size)
	r := rand.New(rand.NewPCG(seed, 0x4ead))
	for i, dim := range dims {
		if dim < 1 {
			return fmt.Errorf("projection head: layer %d has width %d", i+1, dim)
		}
		if i > 0 {
			n, err := g.AddNode(ir.NodeSpec{Op: "Relu", Inputs: []*ir.Value{out}, Outputs: []string{g.UniqueName("projection_relu")}})
			if err != nil {
				return fmt.Errorf("projection head: %w", err)
			}
			out = n.Outputs[0]
		}
		bound := 1 / math.Sqrt(float64(width))
		w := ir.Zeros(out.Type.DType, []int{dim, width})
		b := ir.Zeros(out.Type.DType, []int{dim})
		for _, t := range []*ir.Tensor{w, b} {
			for j := range t.Len() {
				t.SetFloat64At(j, (2*r.Float64()-1)*bound)
			}
		}
		wn, bn := fmt.Sprintf("head%d.weight", i+1), fmt.Sprintf("head%d.bias", i+1)
		wv, bv := g.AddInit(wn, w), g.AddInit(bn, b)
		n, err := g.AddNode(ir.NodeSpec{Op: "Gemm", Inputs: []*ir.Value{out, wv, bv}, Outputs: []string{g.UniqueName("projection")},
			Attrs: map[string]*ir.Attr{"transB": ir.IntAttr(1)}})
		if err != nil {
			return fmt.Errorf("projection head: %w", err)
		}
		out = n.Outputs[0]
		m.Params = append(m.Params, wn, bn)
		m.Values[wn], m.Values[bn] = w, b
		width = dim
	}
	g.Outputs[0] = out
	return nil
}
