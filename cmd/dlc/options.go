package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/passes"
	"github.com/dlc-go/dlc/runtime"
	"github.com/spf13/cobra"
)

// engineFlags are the runtime options every command that builds a session
// takes.
type engineFlags struct {
	threads   int
	optLevel  int
	disable   []string
	reference bool
}

func (f *engineFlags) register(cmd *cobra.Command) {
	cmd.Flags().IntVar(&f.threads, "threads", 0, "threads kernels may use (0: one per core)")
	cmd.Flags().IntVar(&f.optLevel, "opt-level", runtime.DefaultOptions().OptLevel, "graph passes: 0 none, 1 exact rewrites, 2 adds fusion")
	cmd.Flags().StringArrayVar(&f.disable, "disable-pass", nil, "skip the named pass; repeatable")
	cmd.Flags().BoolVar(&f.reference, "reference", false, "run every node with its reference kernel, node by node (the oracle)")
}

// options checks the flags and turns them into session options.
func (f *engineFlags) options() (runtime.Options, error) {
	opt := runtime.DefaultOptions()
	if f.threads < 0 {
		return opt, fmt.Errorf("--threads %d: want 0 (one per core) or more", f.threads)
	}
	if f.optLevel < 0 || f.optLevel > 2 {
		return opt, fmt.Errorf("--opt-level %d: want 0, 1 or 2", f.optLevel)
	}
	names := passes.Names()
	for _, name := range f.disable {
		if !slices.Contains(names, name) {
			return opt, fmt.Errorf("--disable-pass %q: no such pass (passes: %s)", name, strings.Join(names, ", "))
		}
	}
	opt.Threads, opt.OptLevel, opt.DisablePasses, opt.Reference = f.threads, f.optLevel, f.disable, f.reference
	return opt, nil
}

// parseShapes reads --shape name=1x3x224x224 arguments.
func parseShapes(args []string) (map[string][]int, error) {
	out := map[string][]int{}
	for _, arg := range args {
		name, dims, ok := strings.Cut(arg, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("--shape %q: want name=DxDx...", arg)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("--shape: input %q is given twice", name)
		}
		shape := []int{}
		if dims != "" {
			for _, d := range strings.Split(dims, "x") {
				n, err := strconv.Atoi(d)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("--shape %q: %q is not a dimension", arg, d)
				}
				shape = append(shape, n)
			}
		}
		out[name] = shape
	}
	return out, nil
}

// concreteShapes gives every input of g without a default a concrete
// shape: the one given, else the declared one with symbolic dims set to 1.
func concreteShapes(g *ir.Graph, given map[string][]int) (map[string][]int, error) {
	out := map[string][]int{}
	for name, s := range given {
		if !slices.ContainsFunc(g.Inputs, func(v *ir.Value) bool { return v.Name == name }) {
			return nil, fmt.Errorf("--shape: the model has no input %q", name)
		}
		out[name] = s
	}
	for _, v := range g.Inputs {
		if _, ok := out[v.Name]; ok || v.Init != nil {
			continue
		}
		if v.Type.Kind != ir.TensorKind || !v.Type.Shape.Ranked {
			return nil, fmt.Errorf("input %q has type %s: give its shape with --shape", v.Name, v.Type)
		}
		s := make([]int, len(v.Type.Shape.Dims))
		for i, d := range v.Type.Shape.Dims {
			s[i] = 1
			if d.Known() {
				s[i] = int(d.Size)
			}
		}
		out[v.Name] = s
	}
	return out, nil
}
