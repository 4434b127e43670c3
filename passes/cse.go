package passes

import (
	"fmt"
	"strings"

	"github.com/dlc-go/dlc/ir"
)

// Common-subexpression elimination: two pure nodes with the same op,
// domain, attributes and inputs compute the same outputs, so the later is
// replaced by the earlier. Small constants with equal contents are merged
// first, so that nodes reading copies of one constant also merge (PyTorch
// exports a fresh Constant per use).

// maxMergeElems bounds the constants compared by contents.
const maxMergeElems = 64

func cse(g *ir.Graph) (bool, error) {
	changed := mergeConstants(g)
	for _, sub := range graphsOf(g) {
		seen := map[string]*ir.Node{}
		for _, n := range sub.Nodes {
			if !pure(n) {
				continue
			}
			key := nodeKey(n)
			first, ok := seen[key]
			if !ok {
				seen[key] = n
				continue
			}
			for i, v := range n.Outputs {
				if v != nil && first.Outputs[i] != nil {
					g.ReplaceUses(v, first.Outputs[i])
				}
			}
			changed = true
		}
	}
	if changed {
		g.RemoveDead()
	}
	return changed, nil
}

// nodeKey identifies what a node computes: op, attributes, the identity
// of its inputs and which outputs it has.
func nodeKey(n *ir.Node) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|", ir.OpKey(n.Domain, n.Op))
	for _, v := range n.Inputs {
		if v == nil {
			b.WriteString("-,")
		} else {
			fmt.Fprintf(&b, "%p,", v)
		}
	}
	b.WriteString("|")
	for _, v := range n.Outputs {
		if v == nil {
			b.WriteString("0")
		} else {
			b.WriteString("1")
		}
	}
	for _, name := range n.AttrNames() {
		fmt.Fprintf(&b, "|%s=%s", name, attrKey(n.Attrs[name]))
	}
	return b.String()
}

// attrKey renders an attribute value; tensors by contents when small,
// else by identity.
func attrKey(a *ir.Attr) string {
	switch a.Kind {
	case ir.AttrTensor:
		if a.T != nil && a.T.Len() <= maxMergeElems {
			return tensorKey(a.T)
		}
		return fmt.Sprintf("%p", a.T)
	case ir.AttrType:
		return fmt.Sprint(a.Type)
	}
	return fmt.Sprintf("%d:%v:%v:%q:%v:%v:%q:%v", a.Kind, a.F, a.I, a.S, a.Floats, a.Ints, a.Strings, a.Types)
}

// tensorKey renders a tensor's dtype, shape and contents; strings quoted,
// so that ["a b" "c"] and ["a" "b c"] differ.
func tensorKey(t *ir.Tensor) string {
	if s, ok := t.Data.([]string); ok {
		return fmt.Sprintf("%s%v%q", t.DType, t.Shape, s)
	}
	return fmt.Sprintf("%s%v%v", t.DType, t.Shape, t.Data)
}

// mergeConstants makes readers of equal small constants of one graph read
// the first of them.
func mergeConstants(g *ir.Graph) bool {
	changed := false
	for _, sub := range graphsOf(g) {
		seen := map[string]*ir.Value{}
		for _, v := range sub.Inits {
			t := constOf(v)
			if t == nil || t.Len() > maxMergeElems {
				continue
			}
			key := tensorKey(t)
			first, ok := seen[key]
			if !ok {
				seen[key] = v
				continue
			}
			if g.ReplaceUses(v, first) > 0 {
				changed = true
			}
		}
	}
	return changed
}
