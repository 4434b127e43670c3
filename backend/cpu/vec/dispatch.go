package vec

import (
	"fmt"
	"os"
)

//go:generate sh -c "cd ../_gen/vec && go run . -out ../../vec/gen_vec_amd64.s -stubs ../../vec/gen_vec_amd64.go -pkg vec"

// Level is an instruction-set level the loops are implemented for.
type Level int

// The levels, lowest first. Generic is portable Go; AVX2 needs AVX2 and
// FMA; AVX512 needs AVX-512 F and DQ.
const (
	Generic Level = iota
	AVX2
	AVX512
	numLevels
)

var levelNames = [...]string{"generic", "avx2", "avx512"}

func (l Level) String() string {
	if l >= 0 && l < numLevels {
		return levelNames[l]
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// kernels is one level's set of routines. Every slice argument has been
// cut to the length of the first (dst, or x for reductions) by the
// exported wrappers, so implementations may trust lengths.
type kernels struct {
	add, sub, mul, div, maximum          func(dst, a, b []float32)
	addS, subS, rsubS, mulS, divS, rdivS func(dst, a []float32, s float32)
	axpy                                 func(dst, x []float32, alpha float32)
	lnApply                              func(dst, x, g, b []float32, mean, rstd float32)
	relu, abs, neg, sqrt, exp, sigmoid   func(dst, src []float32)
	silu, tanh, erf, gelu, geluTanh      func(dst, src []float32)
	hardSwish                            func(dst, src []float32)
	clip                                 func(dst, src []float32, lo, hi float32)
	leakyRelu                            func(dst, src []float32, alpha float32)
	hardSigmoid                          func(dst, src []float32, alpha, beta float32)
	sum, max, sumSq                      func(x []float32) float32
	dot                                  func(a, b []float32) float32
	sumSqDev                             func(x []float32, mean float32) float32
	expShiftSum                          func(dst, src []float32, m float32) float32
	expSum                               func(x []float32, m float32) float32
	// sel[c] and selS[c] are Select and SelectScalar for comparison c.
	sel  [numCmps]func(dst, x, c, a, b []float32)
	selS [numCmps]func(dst, x, a, b []float32, c float32)
	// softmaxRows and logSoftmaxRows take rows of 1 ≤ n ≤ shortRow
	// elements; len(dst) is a multiple of n.
	softmaxRows, logSoftmaxRows func(dst, src []float32, n int)
}

var (
	// tables[l] is level l's routines, nil where this build or CPU lacks it.
	tables = makeTables()
	// best is the highest level available, after DLC_CPU.
	best = bestLevel()
	// active is the level in use; k its routines.
	active = best
	k      = tables[best]
)

func makeTables() [numLevels]*kernels {
	var t [numLevels]*kernels
	t[Generic] = genericTable()
	simdTables(&t)
	return t
}

// bestLevel is the highest supported level, lowered by the environment
// variable DLC_CPU=generic|avx2|avx512 (read once, at start).
func bestLevel() Level {
	l := Generic
	for i := range numLevels {
		if tables[i] != nil {
			l = i
		}
	}
	if env := os.Getenv("DLC_CPU"); env != "" {
		for i, n := range levelNames {
			if n == env && Level(i) < l {
				l = Level(i)
			}
		}
	}
	return l
}

// Active returns the level in use.
func Active() Level { return active }

// Levels lists the levels this machine and build support (not lowered by
// DLC_CPU), lowest first: the set a test should cover.
func Levels() []Level {
	var out []Level
	for i := range numLevels {
		if tables[i] != nil {
			out = append(out, i)
		}
	}
	return out
}

// SetLevel switches every routine to level l and returns a function that
// restores the previous level. It is a hook for tests and benchmarks, not
// safe while other goroutines use the package; l must be in Levels().
func SetLevel(l Level) (restore func()) {
	if l < 0 || l >= numLevels || tables[l] == nil {
		panic("vec: level " + l.String() + " not supported here")
	}
	prev := active
	active, k = l, tables[l]
	return func() { active, k = prev, tables[prev] }
}
