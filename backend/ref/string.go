package ref

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/dlc-go/dlc/ir"
)

// String kernels. Case changes use Unicode's simple case mapping; the
// locale attribute of StringNormalizer is accepted but not consulted.

func init() {
	Register("StringNormalizer", stringNormalizer)
	Register("StringConcat", stringConcat)
	Register("StringSplit", stringSplit)
	Register("RegexFullMatch", regexFullMatch)
}

func stringInput(in []ir.Data, i int) (*ir.Tensor, []string, error) {
	t := Tensor(in, i)
	s, ok := t.Data.([]string)
	if !ok {
		return nil, nil, fmt.Errorf("input %d is %s, want strings", i, t.DType)
	}
	return t, s, nil
}

func stringNormalizer(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x, vals, err := stringInput(in, 0)
	if err != nil {
		return nil, err
	}
	if x.Rank() != 1 && !(x.Rank() == 2 && x.Shape[0] == 1) {
		return nil, fmt.Errorf("input shape %v: want [C] or [1,C]", x.Shape)
	}
	sensitive := n.Int("is_case_sensitive") != 0
	stop := map[string]bool{}
	for _, w := range n.Strings("stopwords") {
		if !sensitive {
			w = strings.ToLower(w)
		}
		stop[w] = true
	}
	var change func(string) string
	switch action := n.Str("case_change_action"); action {
	case "NONE", "":
	case "LOWER":
		change = strings.ToLower
	case "UPPER":
		change = strings.ToUpper
	default:
		return nil, fmt.Errorf("case_change_action %q: want LOWER, UPPER or NONE", action)
	}
	var kept []string
	for _, s := range vals {
		key := s
		if !sensitive {
			key = strings.ToLower(s)
		}
		if stop[key] {
			continue
		}
		if change != nil {
			s = change(s)
		}
		kept = append(kept, s)
	}
	if len(kept) == 0 {
		// ONNX keeps the output non-empty: one empty string.
		kept = []string{""}
	}
	shape := []int{len(kept)}
	if x.Rank() == 2 {
		shape = []int{1, len(kept)}
	}
	return Outs(ir.FromSlice(shape, kept)), nil
}

func stringConcat(_ Ctx, _ *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x, xs, err := stringInput(in, 0)
	if err != nil {
		return nil, err
	}
	y, ys, err := stringInput(in, 1)
	if err != nil {
		return nil, err
	}
	shape, err := ir.BroadcastDims(x.Shape, y.Shape)
	if err != nil {
		return nil, err
	}
	xi, yi := BroadcastIndex(x.Shape, shape), BroadcastIndex(y.Shape, shape)
	out := make([]string, len(xi))
	for k := range out {
		out[k] = xs[xi[k]] + ys[yi[k]]
	}
	return Outs(ir.FromSlice(shape, out)), nil
}

// splitWhitespace splits like Python's str.split(None, maxsplit): runs of
// whitespace separate pieces, leading whitespace is dropped, and after
// maxsplit splits (if >= 0) the rest is one piece.
func splitWhitespace(s string, maxsplit int) []string {
	var out []string
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	for s != "" {
		if maxsplit >= 0 && len(out) == maxsplit {
			return append(out, s)
		}
		end := strings.IndexFunc(s, unicode.IsSpace)
		if end < 0 {
			return append(out, s)
		}
		out = append(out, s[:end])
		s = strings.TrimLeftFunc(s[end:], unicode.IsSpace)
	}
	return out
}

func stringSplit(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x, vals, err := stringInput(in, 0)
	if err != nil {
		return nil, err
	}
	maxsplit := -1
	if n.Has("maxsplit") && n.Int("maxsplit") >= 0 {
		maxsplit = int(n.Int("maxsplit"))
	}
	delim := n.Str("delimiter")
	pieces := make([][]string, len(vals))
	width := 0
	for i, s := range vals {
		if delim == "" {
			pieces[i] = splitWhitespace(s, maxsplit)
		} else {
			limit := -1
			if maxsplit >= 0 {
				limit = maxsplit + 1
			}
			pieces[i] = strings.SplitN(s, delim, limit)
		}
		width = max(width, len(pieces[i]))
	}
	y := ir.Zeros(ir.String, append(append([]int{}, x.Shape...), width))
	z := ir.Zeros(ir.Int64, x.Shape)
	ys, zs := y.Data.([]string), z.Data.([]int64)
	for i, p := range pieces {
		copy(ys[i*width:], p)
		zs[i] = int64(len(p))
	}
	return Outs(y, z), nil
}

func regexFullMatch(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x, vals, err := stringInput(in, 0)
	if err != nil {
		return nil, err
	}
	// Go's regexp implements RE2 syntax, which ONNX specifies.
	re, err := regexp.Compile(`\A(?:` + n.Str("pattern") + `)\z`)
	if err != nil {
		return nil, fmt.Errorf("pattern: %w", err)
	}
	out := ir.Zeros(ir.Bool, x.Shape)
	b := out.Data.([]bool)
	for i, s := range vals {
		b[i] = re.MatchString(s)
	}
	return Outs(out), nil
}
