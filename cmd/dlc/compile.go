package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dlc-go/dlc/backend/gogen"
	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/internal/atomicfile"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
	"github.com/spf13/cobra"
)

// compileFlags are what compile and build share.
type compileFlags struct {
	shapes  []string
	target  string
	weights string
	ef      engineFlags
}

func (f *compileFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.shapes, "shape", nil, "fix an input's shape, name=1x3x224x224; repeatable (symbolic dims left out become 1)")
	cmd.Flags().StringVar(&f.target, "target", "cpu", "what the code runs on (cpu)")
	cmd.Flags().StringVar(&f.weights, "weights", "weights.bin", "file name of the embedded weights")
	cmd.Flags().IntVar(&f.ef.optLevel, "opt-level", runtime.DefaultOptions().OptLevel, "graph passes: 0 none, 1 exact rewrites, 2 adds fusion")
	cmd.Flags().StringArrayVar(&f.ef.disable, "disable-pass", nil, "skip the named pass; repeatable")
}

func compileCmd() *cobra.Command {
	var f compileFlags
	var out, pkg string
	var asMain bool
	cmd := &cobra.Command{
		Use:   "compile MODEL.onnx -o DIR [--pkg NAME] [--shape name=1x3x224x224 ...] [--main]",
		Short: "Compile a model ahead of time into a Go package",
		Long: `Compile a model into a Go package in DIR: NAME.go, straight-line calls into
dlc's kernels with every shape and arena offset fixed, and the weights in
weights.bin, embedded with go:embed. The package has New() and
(*Model).Run(inputs...) (outputs..., error), safe for concurrent use.

Symbolic input dims take the sizes --shape gives, else 1; the compiled code
checks shapes at run time and names the dim that differs. With --main the
package is a command (package main) that runs the model like dlc run; see
dlc build. In a go:generate line:

  //go:generate go run github.com/dlc-go/dlc/cmd/dlc compile model.onnx -o . --pkg mymodel`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if pkg == "" && !asMain {
				pkg = defaultPackage(out)
			}
			res, err := compileModel(args[0], &f, gogen.Options{Package: pkg, Main: asMain}, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if err := writePackage(out, res); err != nil {
				return err
			}
			printCompiled(cmd.OutOrStdout(), out, res)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", ".", "folder to write the package into")
	cmd.Flags().StringVar(&pkg, "pkg", "", "Go package name (default: the folder's name)")
	cmd.Flags().BoolVar(&asMain, "main", false, "emit a command (package main) instead of a library")
	f.register(cmd)
	return cmd
}

// compileModel loads, optimizes and plans the model and generates Go.
func compileModel(path string, f *compileFlags, opt gogen.Options, notes io.Writer) (*gogen.Result, error) {
	if f.target != "cpu" {
		return nil, fmt.Errorf("--target %q: the only target is cpu", f.target)
	}
	f.ef.threads = 1
	ropt, err := f.ef.options()
	if err != nil {
		return nil, err
	}
	given, err := parseShapes(f.shapes)
	if err != nil {
		return nil, err
	}
	m, err := onnx.Load(path)
	if err != nil {
		return nil, err
	}
	shapes, err := concreteShapes(m.Graph, given)
	if err != nil {
		return nil, err
	}
	opt.DimNames = map[string][]string{}
	var msgs []string // printed once the model compiled
	for _, v := range m.Graph.Inputs {
		if v.Type.Kind != ir.TensorKind || !v.Type.Shape.Ranked {
			continue
		}
		names := make([]string, len(v.Type.Shape.Dims))
		for i, d := range v.Type.Shape.Dims {
			if !d.Known() {
				names[i] = d.Sym
				if names[i] == "" {
					names[i] = "?"
				}
				if _, ok := given[v.Name]; !ok && v.Init == nil {
					msgs = append(msgs, fmt.Sprintf("note: input %q dim %d (%s) compiled as %d; --shape %s=... chooses another size", v.Name, i, names[i], shapes[v.Name][i], v.Name))
				}
			}
		}
		opt.DimNames[v.Name] = names
	}
	s, err := runtime.New(m, ropt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	prog, err := s.Program(shapes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	opt.Source, opt.Weights = filepath.Base(path), f.weights
	res, err := gogen.Generate(prog, opt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, m := range msgs {
		fmt.Fprintln(notes, m)
	}
	return res, nil
}

// defaultPackage names the package after its folder.
func defaultPackage(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "model"
	}
	var b strings.Builder
	for _, r := range strings.ToLower(filepath.Base(abs)) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' && b.Len() > 0 {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "model"
	}
	return b.String()
}

// writePackage writes every file of the result, each atomically.
func writePackage(dir string, res *gogen.Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("output folder: %w", err)
	}
	names := make([]string, 0, len(res.Files))
	for name := range res.Files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := atomicfile.Write(filepath.Join(dir, name), res.Files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}

func printCompiled(w io.Writer, dir string, res *gogen.Result) {
	fmt.Fprintf(w, "wrote %s: %d lines of Go, %d steps (%d fast, %d reference, %d in place already)\n",
		filepath.Join(dir, res.Source), res.Lines, res.Fast+res.Ref+res.Nothing, res.Fast, res.Ref, res.Nothing)
	for name, b := range res.Files {
		if name != res.Source {
			fmt.Fprintf(w, "wrote %s: %s of weights\n", filepath.Join(dir, name), humanBytes(int64(len(b))))
		}
	}
	fmt.Fprintf(w, "arena: %s per concurrent run\n", humanBytes(res.ArenaBytes))
}
