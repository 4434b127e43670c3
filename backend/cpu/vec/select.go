package vec

// Cmp is an ordered comparison of float32 values: false when either side
// is NaN, as the ONNX comparison ops give it.
type Cmp uint8

// The comparisons of Select, in the order of the kernel tables.
const (
	Greater        Cmp = iota // x > c
	GreaterOrEqual            // x >= c
	Less                      // x < c
	LessOrEqual               // x <= c
	numCmps
)

var cmpNames = [...]string{"Greater", "GreaterOrEqual", "Less", "LessOrEqual"}

func (c Cmp) String() string {
	if c < numCmps {
		return cmpNames[c]
	}
	return "Cmp(?)"
}

// Mirror returns the comparison with its operands swapped: x c y is
// y c.Mirror() x.
func (c Cmp) Mirror() Cmp { return [...]Cmp{Less, LessOrEqual, Greater, GreaterOrEqual}[c] }

// Holds reports x c y.
func (c Cmp) Holds(x, y float32) bool {
	switch c {
	case Greater:
		return x > y
	case GreaterOrEqual:
		return x >= y
	case Less:
		return x < y
	}
	return x <= y
}

// Select sets dst[i] = a[i] where x[i] op c[i] holds and b[i] elsewhere
// (a NaN on either side selects b): ONNX Where(op(x, c), a, b) in one
// pass. x, c, a and b must be at least len(dst) long; dst may be any of
// them.
func Select(dst, x, c, a, b []float32, op Cmp) {
	n := len(dst)
	k.sel[op](dst, x[:n], c[:n], a[:n], b[:n])
}

// SelectScalar is Select with every c[i] = c.
func SelectScalar(dst, x []float32, c float32, a, b []float32, op Cmp) {
	n := len(dst)
	k.selS[op](dst, x[:n], a[:n], b[:n], c)
}

// genericSelect is the meaning of the select routines, one comparison
// per element.
func genericSelect(op Cmp) (func(dst, x, c, a, b []float32), func(dst, x, a, b []float32, c float32)) {
	vv := func(d, x, c, a, b []float32) {
		for i := range d {
			if op.Holds(x[i], c[i]) {
				d[i] = a[i]
			} else {
				d[i] = b[i]
			}
		}
	}
	vs := func(d, x, a, b []float32, c float32) {
		for i := range d {
			if op.Holds(x[i], c) {
				d[i] = a[i]
			} else {
				d[i] = b[i]
			}
		}
	}
	return vv, vs
}
