package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dlc-go/dlc/backend/cpu/vec"
	"github.com/dlc-go/dlc/ir"
)

// TestSoftmaxShortRowsMatchRef runs Softmax and LogSoftmax along the last
// axis for every row length 1..70 (the short-row routines up to 64 and
// the per-row loops past them) against the reference, at every vec level.
func TestSoftmaxShortRowsMatchRef(t *testing.T) {
	for _, l := range vec.Levels() {
		t.Run(l.String(), func(t *testing.T) {
			defer vec.SetLevel(l)()
			rng := rand.New(rand.NewPCG(73, 74))
			for _, op := range []string{"Softmax", "LogSoftmax"} {
				for n := 1; n <= 70; n++ {
					x := scaled(rng, 8, 2, 3, n)
					t.Run(fmt.Sprintf("%s/%d", op, n), func(t *testing.T) {
						checkElem(t, refCase{Op: op, Inputs: []*ir.Tensor{x}, Tol: 2e-6})
					})
				}
			}
		})
	}
}
