package ir

import (
	"strconv"
	"strings"
)

// Dim is one dimension of a declared shape: a known size, a named symbol
// (ONNX dim_param, e.g. "batch"), or unknown (Size < 0 and no Sym).
type Dim struct {
	Size int64
	Sym  string
}

// Known reports whether the size is a fixed number.
func (d Dim) Known() bool { return d.Size >= 0 && d.Sym == "" }

// Static returns a Dim of fixed size n.
func Static(n int64) Dim { return Dim{Size: n} }

// Symbolic returns a Dim named s with unknown size.
func Symbolic(s string) Dim { return Dim{Size: -1, Sym: s} }

// Unknown returns a Dim with neither size nor name.
func Unknown() Dim { return Dim{Size: -1} }

func (d Dim) String() string {
	switch {
	case d.Known():
		return strconv.FormatInt(d.Size, 10)
	case d.Sym != "":
		return d.Sym
	}
	return "?"
}

// Shape is a declared shape. A nil Shape with Ranked false means the rank
// itself is unknown.
type Shape struct {
	Ranked bool
	Dims   []Dim
}

// UnrankedShape is a shape of unknown rank.
var UnrankedShape = Shape{}

// ShapeOf builds a fully static shape.
func ShapeOf(dims ...int) Shape {
	s := Shape{Ranked: true, Dims: make([]Dim, len(dims))}
	for i, d := range dims {
		s.Dims[i] = Static(int64(d))
	}
	return s
}

// Rank is the number of dimensions, or -1 if unknown.
func (s Shape) Rank() int {
	if !s.Ranked {
		return -1
	}
	return len(s.Dims)
}

// Static reports whether every dimension is known, and returns them.
func (s Shape) Static() ([]int, bool) {
	if !s.Ranked {
		return nil, false
	}
	out := make([]int, len(s.Dims))
	for i, d := range s.Dims {
		if !d.Known() {
			return nil, false
		}
		out[i] = int(d.Size)
	}
	return out, true
}

// Accepts reports whether a concrete shape fits this declared shape: same
// rank and equal known sizes. Symbols and unknowns accept any size.
func (s Shape) Accepts(concrete []int) bool {
	if !s.Ranked {
		return true
	}
	if len(s.Dims) != len(concrete) {
		return false
	}
	for i, d := range s.Dims {
		if d.Known() && d.Size != int64(concrete[i]) {
			return false
		}
	}
	return true
}

func (s Shape) String() string {
	if !s.Ranked {
		return "[*]"
	}
	parts := make([]string, len(s.Dims))
	for i, d := range s.Dims {
		parts[i] = d.String()
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// Equal reports identical declared shapes.
func (s Shape) Equal(o Shape) bool {
	if s.Ranked != o.Ranked || len(s.Dims) != len(o.Dims) {
		return false
	}
	for i := range s.Dims {
		if s.Dims[i] != o.Dims[i] {
			return false
		}
	}
	return true
}

// NumElements returns the product of dims, or false if it overflows int64.
func NumElements(dims []int) (int, bool) {
	n := int64(1)
	for _, d := range dims {
		if d < 0 {
			return 0, false
		}
		if d == 0 {
			return 0, true
		}
		if n > (1<<62)/int64(d) {
			return 0, false
		}
		n *= int64(d)
	}
	return int(n), true
}
