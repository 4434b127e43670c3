package gogen

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dlc-go/dlc/backend/gogen/aot"
	"github.com/dlc-go/dlc/ir"
)

// program writes the aot.Spec literal: every value with its place, every
// step with its node's op, attributes and arguments.
func (g *gen) program() error {
	s := g.s
	g.printf("// program is the optimized model as tables: values (index: name, dtype,\n")
	g.printf("// shape, where the data lives) and steps (the nodes run writes out).\n")
	g.printf("var program = aot.Spec{\n\tModel: %s,\n\tArenaBytes: %d,\n\tValues: []aot.Value{\n", strconv.Quote(s.Model), s.ArenaBytes)
	for k, v := range s.Values {
		var place string
		switch v.Kind {
		case aot.Arena:
			place = fmt.Sprintf("Kind: aot.Arena, Offset: %d", v.Offset)
		case aot.Input:
			place = fmt.Sprintf("Kind: aot.Input, Index: %d", v.Index)
			if len(v.Dims) > 0 {
				place += ", Dims: " + sliceLit("string", len(v.Dims), func(i int) string { return strconv.Quote(v.Dims[i]) })
			}
		case aot.Const:
			place = fmt.Sprintf("Kind: aot.Const, Offset: %d", v.Offset)
			if v.Init != nil {
				lit, err := tensorLit(v.Init)
				if err != nil {
					return fmt.Errorf("constant %q: %w", v.Name, err)
				}
				place = "Kind: aot.Const, Init: " + lit
			}
		case aot.Alias:
			place = fmt.Sprintf("Kind: aot.Alias, Index: %d", v.Index)
		case aot.Own:
			place = "Kind: aot.Own"
		}
		g.printf("\t\t%d: {Name: %s, DType: %s, Shape: %s, %s},\n", k, strconv.Quote(v.Name), dtypeLit(v.DType), intsLit(v.Shape), place)
	}
	g.printf("\t},\n\tSteps: []aot.Step{\n")
	for i, st := range s.Steps {
		attrs, err := attrsLit(st.Attrs)
		if err != nil {
			return fmt.Errorf("%s: %w", ir.DescribeNode(st.Name, ir.OpKey(st.Domain, st.Op), g.firstOut(st)), err)
		}
		kind := [...]string{"aot.Fast", "aot.Ref", "aot.Nothing"}[st.Kind]
		var extra string
		if st.Name != "" {
			extra += ", Name: " + strconv.Quote(st.Name)
		}
		if st.Domain != "" {
			extra += ", Domain: " + strconv.Quote(st.Domain)
		}
		if len(st.InPlace) == 2 {
			extra += fmt.Sprintf(", InPlace: []int{%d, %d}", st.InPlace[0], st.InPlace[1])
		}
		if attrs != "nil" {
			extra += ", Attrs: " + attrs
		}
		g.printf("\t\t%d: {Op: %s, In: %s, Out: %s, Kind: %s%s},\n", i, strconv.Quote(st.Op), intsLit(st.In), intsLit(st.Out), kind, extra)
	}
	g.printf("\t},\n\tInputs: %s,\n\tOutputs: %s,\n\tRun: run,\n}\n\n", intsLit(s.Inputs), intsLit(s.Outputs))
	return nil
}

func (g *gen) firstOut(st aot.Step) string {
	for _, k := range st.Out {
		if k >= 0 {
			return g.s.Values[k].Name
		}
	}
	return ""
}

// runFunc writes the model's computation: one line per step, commented
// with the node it runs, its arguments and where its outputs go.
func (g *gen) runFunc() {
	g.printf("// run is the model's computation, one step per node of the optimized\n")
	g.printf("// graph in the order of the memory plan; @N is a byte offset in the arena.\n")
	g.printf("func run(c *aot.Context) error {\n")
	for i, st := range g.s.Steps {
		g.printf("\t// %s\n", comment(g.describeStep(st)))
		switch st.Kind {
		case aot.Fast:
			g.printf("\tc.Fast(%d)\n", i)
		case aot.Ref:
			g.printf("\tif err := c.Ref(%d); err != nil { // reference kernel: no fast one covers %s\n\t\treturn err\n\t}\n", i, ir.OpKey(st.Domain, st.Op))
		default:
			g.printf("\t// (nothing to run: the output is already in place)\n")
		}
	}
	g.printf("\treturn nil\n}\n")
}

// describeStep is "name: Op+act {program}(in [shape], ...) -> out [shape] @offset".
func (g *gen) describeStep(st aot.Step) string {
	var b strings.Builder
	if st.Name != "" {
		fmt.Fprintf(&b, "%s: ", st.Name)
	}
	b.WriteString(ir.OpKey(st.Domain, st.Op))
	if a := st.Attrs["activation"]; a != nil && a.Kind == ir.AttrString && a.S != "" {
		fmt.Fprintf(&b, "+%s", a.S)
	}
	if prog := st.Attrs["program"]; prog != nil && prog.Kind == ir.AttrStrings {
		fmt.Fprintf(&b, " {%s}", strings.Join(prog.Strings, "; "))
	}
	b.WriteString("(")
	for j, k := range st.In {
		if j > 0 {
			b.WriteString(", ")
		}
		if k < 0 {
			b.WriteString("-")
			continue
		}
		b.WriteString(g.describeValue(k))
	}
	b.WriteString(") -> ")
	for j, k := range st.Out {
		if j > 0 {
			b.WriteString(", ")
		}
		if k < 0 {
			b.WriteString("-")
			continue
		}
		b.WriteString(g.describeValue(k))
		if v := g.s.Values[k]; v.Kind == aot.Arena {
			fmt.Fprintf(&b, " @%d", v.Offset)
		}
	}
	if len(st.InPlace) == 2 {
		b.WriteString(", in place")
	}
	return b.String()
}

func (g *gen) describeValue(k int) string {
	v := g.s.Values[k]
	return fmt.Sprintf("%s %v", v.Name, v.Shape)
}
