package ir

import (
	"fmt"
	"sort"
	"strings"
)

// EinsumEllipsis is the label that stands for the "..." of an einsum term:
// it covers all the dims of the operand its letters leave over.
const EinsumEllipsis = '.'

// EinsumSpec is a parsed einsum equation. Each term is its labels in order,
// a letter per dim and EinsumEllipsis (at most once) for a "...".
type EinsumSpec struct {
	Inputs [][]rune
	Output []rune
}

// ParseEinsum parses an equation for nIn operands. Without "->" the output
// is the implicit one of numpy: the ellipsis dims, then the letters that
// occur exactly once, in alphabetical (ASCII) order.
func ParseEinsum(eq string, nIn int) (*EinsumSpec, error) {
	eq = strings.Join(strings.Fields(eq), "")
	lhs, rhs, explicit := strings.Cut(eq, "->")
	parts := strings.Split(lhs, ",")
	if len(parts) != nIn {
		return nil, fmt.Errorf("einsum equation %q has %d input terms for %d inputs", eq, len(parts), nIn)
	}
	e := &EinsumSpec{}
	count := map[rune]int{}
	ellipsis := false
	for _, p := range parts {
		t, err := parseEinsumTerm(p)
		if err != nil {
			return nil, fmt.Errorf("einsum equation %q: %w", eq, err)
		}
		for _, l := range t {
			count[l]++
			ellipsis = ellipsis || l == EinsumEllipsis
		}
		e.Inputs = append(e.Inputs, t)
	}
	if explicit {
		t, err := parseEinsumTerm(rhs)
		if err != nil {
			return nil, fmt.Errorf("einsum equation %q: %w", eq, err)
		}
		seen := map[rune]bool{}
		for _, l := range t {
			if seen[l] {
				return nil, fmt.Errorf("einsum equation %q: output label %q repeats", eq, l)
			}
			if count[l] == 0 && l != EinsumEllipsis {
				return nil, fmt.Errorf("einsum equation %q: output label %q is in no input", eq, l)
			}
			seen[l] = true
		}
		e.Output = t
		return e, nil
	}
	if ellipsis {
		e.Output = append(e.Output, EinsumEllipsis)
	}
	var once []rune
	for l, c := range count {
		if c == 1 && l != EinsumEllipsis {
			once = append(once, l)
		}
	}
	sort.Slice(once, func(i, j int) bool { return once[i] < once[j] })
	e.Output = append(e.Output, once...)
	return e, nil
}

func parseEinsumTerm(s string) ([]rune, error) {
	var t []rune
	for i := 0; i < len(s); i++ {
		c := rune(s[i])
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			t = append(t, c)
		case strings.HasPrefix(s[i:], "..."):
			for _, l := range t {
				if l == EinsumEllipsis {
					return nil, fmt.Errorf("term %q has two ellipses", s)
				}
			}
			t = append(t, EinsumEllipsis)
			i += 2
		default:
			return nil, fmt.Errorf("term %q: bad character %q", s, c)
		}
	}
	return t, nil
}

// EllipsisRank returns how many dims the ellipsis of input i covers for an
// operand of the given rank (0 without an ellipsis), or an error if the
// rank does not fit the term.
func (e *EinsumSpec) EllipsisRank(i, rank int) (int, error) {
	t := e.Inputs[i]
	letters := len(t)
	hasEll := false
	for _, l := range t {
		if l == EinsumEllipsis {
			letters--
			hasEll = true
		}
	}
	if rank < letters || (!hasEll && rank != letters) {
		return 0, fmt.Errorf("einsum input %d has rank %d, its term %q wants %d", i, rank, string(t), letters)
	}
	return rank - letters, nil
}

// OutShape infers the output shape from declared input shapes; any
// unranked input leaves it unranked.
func (e *EinsumSpec) OutShape(in []Shape) (Shape, error) {
	sizes := map[rune]Dim{}
	var ell []Shape
	merge := func(l rune, d Dim) {
		cur, ok := sizes[l]
		if !ok || (cur.Known() && cur.Size == 1) || (!cur.Known() && d.Known()) {
			sizes[l] = d
		}
	}
	for i, s := range in {
		if !s.Ranked {
			return UnrankedShape, nil
		}
		ne, err := e.EllipsisRank(i, len(s.Dims))
		if err != nil {
			return Shape{}, err
		}
		k := 0
		for _, l := range e.Inputs[i] {
			if l == EinsumEllipsis {
				ell = append(ell, Shape{Ranked: true, Dims: s.Dims[k : k+ne]})
				k += ne
				continue
			}
			merge(l, s.Dims[k])
			k++
		}
	}
	es, err := BroadcastShapes(ell...)
	if err != nil {
		return Shape{}, fmt.Errorf("einsum ellipsis dims: %w", err)
	}
	out := Shape{Ranked: true}
	for _, l := range e.Output {
		if l == EinsumEllipsis {
			out.Dims = append(out.Dims, es.Dims...)
			continue
		}
		out.Dims = append(out.Dims, sizes[l])
	}
	return out, nil
}
