package gogen

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dlc-go/dlc/backend/gogen/aot"
)

// api writes the typed surface of the package: names, shapes, Model, New
// and Run with one Go slice per input and output.
func (g *gen) api() error {
	p := g.s
	ins, outs := p.Inputs, p.Outputs
	taken := map[string]bool{"m": true, "err": true, "ir": true, "aot": true, "weights": true, "program": true, "run": true, "math": true, "os": true}
	inArg := make([]string, len(ins))
	outArg := make([]string, len(outs))
	for i, k := range ins {
		inArg[i] = goName(p.Values[k].Name, true, taken)
	}
	for i, k := range outs {
		outArg[i] = goName(p.Values[k].Name, true, taken)
	}
	exported := map[string]bool{"Model": true, "New": true, "NewWithOptions": true}
	g.printf("// Names of the inputs and outputs, in the order Run takes and returns them.\nconst (\n")
	inConst := make([]string, len(ins))
	outConst := make([]string, len(outs))
	for i, k := range ins {
		inConst[i] = goName("Input "+p.Values[k].Name, false, exported)
		g.printf("\t%s = %s\n", inConst[i], strconv.Quote(p.Values[k].Name))
	}
	for i, k := range outs {
		outConst[i] = goName("Output "+p.Values[k].Name, false, exported)
		g.printf("\t%s = %s\n", outConst[i], strconv.Quote(p.Values[k].Name))
	}
	g.printf(")\n\n// Shapes of the inputs and outputs, fixed at compile time.\nvar (\n")
	for i, k := range ins {
		g.printf("\t%sShape = %s\n", inConst[i], intsLit(p.Values[k].Shape))
	}
	for i, k := range outs {
		g.printf("\t%sShape = %s\n", outConst[i], intsLit(p.Values[k].Shape))
	}
	g.printf(")\n\n")
	g.printf(`// Model is the compiled model. It is safe for concurrent use: each run
// takes an execution context (arena and kernels) from a free list.
type Model struct{ p *aot.Program }

// New loads the weights and builds the kernels, on one thread per core.
func New() (*Model, error) { return NewWithOptions(aot.Options{}) }

// NewWithOptions is New with options (the thread count).
func NewWithOptions(opt aot.Options) (*Model, error) {
	p, err := aot.New(&program, weights, opt)
	if err != nil {
		return nil, err
	}
	return &Model{p}, nil
}

// Program is the model's aot.Program: names, shapes, RunTensors.
func (m *Model) Program() *aot.Program { return m.p }

`)
	// Run and RunInto, typed.
	var doc, params, results, intoParams, makes, inT, outT []string
	for i, k := range ins {
		v := p.Values[k]
		doc = append(doc, fmt.Sprintf("%s (%s %v)", inArg[i], v.DType, v.Shape))
		params = append(params, fmt.Sprintf("%s []%s", inArg[i], goElem(v.DType)))
		inT = append(inT, fmt.Sprintf("{DType: %s, Shape: %sShape, Data: %s}", dtypeLit(v.DType), inConst[i], inArg[i]))
	}
	var outDoc []string
	for i, k := range outs {
		v := p.Values[k]
		outDoc = append(outDoc, fmt.Sprintf("%s (%s %v)", outArg[i], v.DType, v.Shape))
		results = append(results, fmt.Sprintf("%s []%s", outArg[i], goElem(v.DType)))
		intoParams = append(intoParams, fmt.Sprintf("%s []%s", outArg[i], goElem(v.DType)))
		makes = append(makes, fmt.Sprintf("\t%s = make([]%s, %d)\n", outArg[i], goElem(v.DType), numElems(v)))
		outT = append(outT, fmt.Sprintf("{DType: %s, Shape: %sShape, Data: %s}", dtypeLit(v.DType), outConst[i], outArg[i]))
	}
	g.printf("// Run runs the model on %s and returns %s.\n", joinOr(doc, "no inputs"), strings.Join(outDoc, ", "))
	g.printf("func (m *Model) Run(%s) (%s, err error) {\n", strings.Join(params, ", "), strings.Join(results, ", "))
	g.printf("%s", strings.Join(makes, ""))
	g.printf("\terr = m.RunInto(%s)\n\treturn\n}\n\n", strings.Join(append(append([]string{}, inArg...), outArg...), ", "))
	g.printf("// RunInto is Run writing into caller-allocated outputs of the output shapes.\n")
	g.printf("func (m *Model) RunInto(%s) error {\n", strings.Join(append(append([]string{}, params...), intoParams...), ", "))
	g.printf("\treturn m.p.Run([]*ir.Tensor{%s}, []*ir.Tensor{%s})\n}\n\n", strings.Join(inT, ", "), strings.Join(outT, ", "))
	if g.opt.Main {
		g.printf("func main() { os.Exit(aot.Main(os.Args[1:], &program, weights)) }\n\n")
	}
	return nil
}

func joinOr(s []string, none string) string {
	if len(s) == 0 {
		return none
	}
	return strings.Join(s, ", ")
}

func numElems(v aot.Value) int {
	n := 1
	for _, d := range v.Shape {
		n *= d
	}
	return n
}
