package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dlc-go/dlc/frontend/npy"
	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/internal/atomicfile"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"
)

func runCmd() *cobra.Command {
	var inputs []string
	var outDir string
	var quiet bool
	var ef engineFlags
	cmd := &cobra.Command{
		Use:   "run MODEL.onnx -i INPUT [-i INPUT ...] -o OUTDIR",
		Short: "Run a model on inputs and write its outputs",
		Long: `Run a model. Inputs are ONNX TensorProto files (.pb) or NumPy arrays (.npy),
given in graph-input order (-i input_0.pb -i input_1.pb) or by name
(-i name=path). Outputs are written as OUTDIR/output_0.pb, output_1.pb, ...
(TensorProto, graph-output order, each carrying its output's name).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opt, err := ef.options()
			if err != nil {
				return err
			}
			m, err := onnx.Load(args[0])
			if err != nil {
				return err
			}
			s, err := runtime.New(m, opt)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			feeds, err := readInputs(s, inputs)
			if err != nil {
				return err
			}
			outs, err := s.Run(feeds)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			return writeOutputs(cmd, s, outs, outDir, quiet)
		},
	}
	cmd.Flags().StringArrayVarP(&inputs, "input", "i", nil, "input file (.pb or .npy), positional or name=path; repeatable")
	cmd.Flags().StringVarP(&outDir, "out", "o", ".", "folder for output_N.pb files")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "do not print an output summary")
	ef.register(cmd)
	return cmd
}

// readInputs maps -i arguments to graph inputs: name=path names one,
// anything else takes the next input the caller must provide.
func readInputs(s *runtime.Session, args []string) (map[string]ir.Data, error) {
	byName := map[string]*ir.Value{}
	for _, v := range s.Model.Graph.Inputs {
		byName[v.Name] = v
	}
	// Named inputs first, so positional ones fill the inputs left over
	// whatever the order of the flags.
	targets := make([]*ir.Value, len(args))
	paths := make([]string, len(args))
	named := map[string]bool{}
	for i, arg := range args {
		paths[i] = arg
		if name, p, ok := strings.Cut(arg, "="); ok && byName[name] != nil {
			if named[name] {
				return nil, fmt.Errorf("input %q is given twice", name)
			}
			targets[i], paths[i], named[name] = byName[name], p, true
		}
	}
	var free []*ir.Value
	for _, v := range s.Inputs() {
		if !named[v.Name] {
			free = append(free, v)
		}
	}
	for i := range args {
		if targets[i] != nil {
			continue
		}
		if len(free) == 0 {
			return nil, fmt.Errorf("input %q: the model takes only %d input(s)", args[i], len(s.Inputs()))
		}
		targets[i], free = free[0], free[1:]
	}
	feeds := map[string]ir.Data{}
	for i, target := range targets {
		d, err := readData(paths[i], target.Type)
		if err != nil {
			return nil, fmt.Errorf("input %q: %w", target.Name, err)
		}
		feeds[target.Name] = d
	}
	return feeds, nil
}

func readData(path string, t ir.Type) (ir.Data, error) {
	if strings.EqualFold(filepath.Ext(path), ".npy") {
		return npy.ReadFile(path)
	}
	d, _, err := onnx.ReadDataFile(path, t)
	return d, err
}

func writeOutputs(cmd *cobra.Command, s *runtime.Session, outs []ir.Data, dir string, quiet bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("output folder: %w", err)
	}
	for i, d := range outs {
		name := s.Outputs()[i].Name
		msg, err := onnx.DataToProto(d, name)
		if err != nil {
			return fmt.Errorf("output %q: %w", name, err)
		}
		b, err := proto.Marshal(msg)
		if err != nil {
			return fmt.Errorf("output %q: %w", name, err)
		}
		path := filepath.Join(dir, fmt.Sprintf("output_%d.pb", i))
		if err := atomicfile.Write(path, b, 0o644); err != nil {
			return fmt.Errorf("output %q: %w", name, err)
		}
		if !quiet {
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s = %s\n", path, name, describe(d))
		}
	}
	return nil
}

func describe(d ir.Data) string {
	switch x := d.(type) {
	case *ir.Tensor:
		return ir.TensorSummary(x, 10)
	case *ir.Sequence:
		return fmt.Sprintf("sequence of %d tensors", len(x.Items))
	case *ir.Optional:
		if x.Value == nil {
			return "empty optional"
		}
		return "optional " + describe(x.Value)
	}
	return fmt.Sprintf("%T", d)
}
