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
