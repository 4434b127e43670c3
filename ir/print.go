package ir

import (
	"fmt"
	"strconv"
	"strings"
)

// Text returns the readable, deterministic text form of a graph, used by
// `dlc inspect --graph` and by golden tests:
//
//	graph "main" {
//	  input %x: f32[N,4]
//	  init %w: f32[4,2] = [0.1 0.2 ... (8 values)]
//	  %y: f32[N,2] = MatMul(%x, %w)
//	  output %y
//	}
func (g *Graph) Text() string {
	var b strings.Builder
	writeGraph(&b, g, "")
	return b.String()
}

func writeGraph(b *strings.Builder, g *Graph, indent string) {
	fmt.Fprintf(b, "graph %q {\n", g.Name)
	in := indent + "  "
	for _, v := range g.Inputs {
		fmt.Fprintf(b, "%sinput %s: %s", in, v, v.Type)
		if v.Init != nil {
			fmt.Fprintf(b, " = %s", TensorSummary(v.Init, 8))
		}
		b.WriteString("\n")
	}
	for _, v := range g.Inits {
		if isInput(g, v) {
			continue
		}
		fmt.Fprintf(b, "%sinit %s: %s = %s\n", in, v, v.Type, TensorSummary(v.Init, 8))
	}
	for _, n := range g.Nodes {
		b.WriteString(in)
		outs := make([]string, len(n.Outputs))
		for i, v := range n.Outputs {
			if v == nil {
				outs[i] = "_"
			} else {
				outs[i] = fmt.Sprintf("%s: %s", v, v.Type)
			}
		}
		ins := make([]string, len(n.Inputs))
		for i, v := range n.Inputs {
			if v == nil {
				ins[i] = "_"
			} else {
				ins[i] = v.String()
			}
		}
		fmt.Fprintf(b, "%s = %s(%s)", strings.Join(outs, ", "), OpKey(n.Domain, n.Op), strings.Join(ins, ", "))
		if len(n.Attrs) > 0 {
			b.WriteString(" {")
			for i, name := range n.AttrNames() {
				if i > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(b, "%s=", name)
				writeAttr(b, n.Attrs[name], in)
			}
			b.WriteString("}")
		}
		if n.Name != "" {
			fmt.Fprintf(b, "  # %s", n.Name)
		}
		b.WriteString("\n")
	}
	outs := make([]string, len(g.Outputs))
	for i, v := range g.Outputs {
		outs[i] = v.String()
	}
	fmt.Fprintf(b, "%soutput %s\n%s}", in, strings.Join(outs, ", "), indent)
}

func isInput(g *Graph, v *Value) bool {
	for _, in := range g.Inputs {
		if in == v {
			return true
		}
	}
	return false
}

func writeAttr(b *strings.Builder, a *Attr, indent string) {
	switch a.Kind {
	case AttrFloat:
		b.WriteString(strconv.FormatFloat(float64(a.F), 'g', -1, 32))
	case AttrInt:
		b.WriteString(strconv.FormatInt(a.I, 10))
	case AttrString:
		b.WriteString(strconv.Quote(a.S))
	case AttrTensor:
		b.WriteString(TensorSummary(a.T, 8))
	case AttrGraph:
		writeGraph(b, a.G, indent)
	case AttrFloats:
		parts := make([]string, len(a.Floats))
		for i, f := range a.Floats {
			parts[i] = strconv.FormatFloat(float64(f), 'g', -1, 32)
		}
		fmt.Fprintf(b, "[%s]", strings.Join(parts, ","))
	case AttrInts:
		parts := make([]string, len(a.Ints))
		for i, v := range a.Ints {
			parts[i] = strconv.FormatInt(v, 10)
		}
		fmt.Fprintf(b, "[%s]", strings.Join(parts, ","))
	case AttrStrings:
		parts := make([]string, len(a.Strings))
		for i, s := range a.Strings {
			parts[i] = strconv.Quote(s)
		}
		fmt.Fprintf(b, "[%s]", strings.Join(parts, ","))
	case AttrTensors:
		parts := make([]string, len(a.Tensors))
		for i, t := range a.Tensors {
			parts[i] = TensorSummary(t, 4)
		}
		fmt.Fprintf(b, "[%s]", strings.Join(parts, ", "))
	case AttrGraphs:
		b.WriteString("[")
		for i, g := range a.Graphs {
			if i > 0 {
				b.WriteString(", ")
			}
			writeGraph(b, g, indent)
		}
		b.WriteString("]")
	case AttrType:
		b.WriteString(a.Type.String())
	case AttrTypes:
		parts := make([]string, len(a.Types))
		for i, t := range a.Types {
			parts[i] = t.String()
		}
		fmt.Fprintf(b, "[%s]", strings.Join(parts, ","))
	default:
		b.WriteString("?")
	}
}

// TensorSummary prints a tensor's type and up to max leading values.
func TensorSummary(t *Tensor, max int) string {
	n := t.Len()
	parts := make([]string, 0, min(n, max))
	for i := 0; i < n && i < max; i++ {
		parts = append(parts, t.ElemString(i))
	}
	s := fmt.Sprintf("%s%v[%s", t.DType, t.Shape, strings.Join(parts, " "))
	if n > max {
		s += fmt.Sprintf(" ... (%d values)", n)
	}
	return s + "]"
}

// ElemString formats element i the way the text form prints it.
func (t *Tensor) ElemString(i int) string {
	switch d := t.Data.(type) {
	case []string:
		return strconv.Quote(d[i])
	case []bool:
		return strconv.FormatBool(d[i])
	}
	if t.DType.IsFloat() {
		return strconv.FormatFloat(t.Float64At(i), 'g', 6, 64)
	}
	return strconv.FormatInt(t.Int64At(i), 10)
}
