package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func TestGemmMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	const m, k, n = 5, 7, 13
	cShapes := [][]int{nil, {}, {1}, {n}, {1, n}, {m, 1}, {m, n}, {1, 1}}
	for _, ta := range []int64{0, 1} {
		for _, tb := range []int64{0, 1} {
			for _, cs := range cShapes {
				for _, ab := range [][2]float32{{1, 1}, {0.5, -2}} {
					for _, constB := range []bool{false, true} {
						as, bs := []int{m, k}, []int{k, n}
						if ta == 1 {
							as = []int{k, m}
						}
						if tb == 1 {
							bs = []int{n, k}
						}
						in := []*ir.Tensor{randTensor(rng, as...), randTensor(rng, bs...), nil}
						if cs != nil {
							in[2] = randTensor(rng, cs...)
						}
						rc := refCase{Op: "Gemm", Inputs: in, Const: []bool{false, constB, constB},
							Attrs: map[string]*ir.Attr{"transA": ir.IntAttr(ta), "transB": ir.IntAttr(tb),
								"alpha": ir.FloatAttr(ab[0]), "beta": ir.FloatAttr(ab[1])}}
						t.Run(fmt.Sprintf("tA%d_tB%d_C%v_ab%v_const%v", ta, tb, cs, ab, constB), func(t *testing.T) { checkRef(t, rc) })
					}
				}
			}
		}
	}
}

func TestMatMulMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	pairs := [][2][]int{
		{{5, 7}, {7, 13}},
		{{1, 7}, {7, 13}},
		{{7}, {7, 13}},
		{{5, 7}, {7}},
		{{7}, {7}},
		{{2, 3, 5, 7}, {7, 13}},
		{{2, 3, 5, 7}, {2, 3, 7, 13}},
		{{2, 1, 5, 7}, {1, 3, 7, 13}},
		{{5, 7}, {4, 7, 3}},
		{{4, 1, 7}, {4, 7, 9}},
		{{6, 2, 3}, {6, 3, 2}},
		{{3, 64, 33}, {3, 33, 65}},
	}
	for _, p := range pairs {
		for _, constB := range []bool{false, true} {
			rc := refCase{Op: "MatMul", Inputs: []*ir.Tensor{randTensor(rng, p[0]...), randTensor(rng, p[1]...)},
				Const: []bool{false, constB}}
			t.Run(fmt.Sprintf("%v_%v_const%v", p[0], p[1], constB), func(t *testing.T) { checkRef(t, rc) })
		}
	}
}

// TestFusedMatMulResidualMatchesRef covers the residual input Z of
// dlc.FusedMatMul, with and without bias and activation, flat and
// batched, B constant or not; checkRef also runs it in place (Y over Z).
func TestFusedMatMulResidualMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	pairs := [][2][]int{{{5, 9}, {9, 13}}, {{2, 5, 9}, {9, 13}}, {{2, 5, 9}, {2, 9, 13}}, {{4, 3, 33}, {4, 33, 17}}, {{1, 128, 64}, {64, 64}}, {{2, 37, 700}, {700, 45}}}
	for i, p := range pairs {
		for _, withBias := range []bool{false, true} {
			for _, act := range []string{"", "Relu", "Gelu"} {
				a, b := randTensor(rng, p[0]...), randTensor(rng, p[1]...)
				ys := append(append([]int{}, p[0][:len(p[0])-1]...), p[1][len(p[1])-1])
				if len(p[1]) > len(p[0]) {
					ys = append(append([]int{}, p[1][:len(p[1])-1]...), p[1][len(p[1])-1])
				}
				in := []*ir.Tensor{a, b, nil, randTensor(rng, ys...)}
				if withBias {
					in[2] = randTensor(rng, ys[len(ys)-1])
				}
				attrs := map[string]*ir.Attr{"activation": ir.StringAttr(act)}
				rc := refCase{Op: "FusedMatMul", Domain: "dlc", Attrs: attrs, Inputs: in, Const: []bool{false, i%2 == 0, true, false}}
				t.Run(fmt.Sprintf("%v_%v_bias%v_%s", p[0], p[1], withBias, act), func(t *testing.T) { checkRef(t, rc) })
			}
		}
	}
}

// TestGemmInPlaceOverC runs Gemm with Y over a full C, for beta 1 (the
// residual form) and another beta; checkRef runs the in-place case.
func TestGemmInPlaceOverC(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	for _, beta := range []float32{1, 0.5} {
		rc := refCase{Op: "FusedGemm", Domain: "dlc", Inputs: []*ir.Tensor{randTensor(rng, 6, 7), randTensor(rng, 7, 11), randTensor(rng, 6, 11)},
			Const: []bool{false, true, false}, Attrs: map[string]*ir.Attr{"beta": ir.FloatAttr(beta), "activation": ir.StringAttr("Relu")}}
		n := buildRefNode(t, rc)
		if o, i := Build(n, testEnv()).(InPlacer).InPlace(); o != 0 || i != 2 {
			t.Fatalf("InPlace() = %d, %d; want 0, 2", o, i)
		}
		checkRef(t, rc)
	}
}
