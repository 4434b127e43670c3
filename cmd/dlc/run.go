package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dlc-go/dlc/frontend/npy"
	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"
)

func runCmd() *cobra.Command {
	var inputs []string
	var outDir string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "run MODEL.onnx -i INPUT [-i INPUT ...] -o OUTDIR",
		Short: "Run a model on inputs and write its outputs",
		Long: `Run a model. Inputs are ONNX TensorProto files (.pb) or NumPy arrays (.npy),
given in graph-input order (-i input_0.pb -i input_1.pb) or by name
(-i name=path). Outputs are written as OUTDIR/output_0.pb, output_1.pb, ...
(TensorProto, graph-output order, each carrying its output's name).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := onnx.Load(args[0])
			if err != nil {
				return err
			}
			s, err := runtime.New(m, runtime.Options{})
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
	return cmd
}

// readInputs maps -i arguments to graph inputs: name=path names one,
// anything else takes the next input the caller must provide.
func readInputs(s *runtime.Session, args []string) (map[string]ir.Data, error) {
	byName := map[string]*ir.Value{}
	for _, v := range s.Model.Graph.Inputs {
		byName[v.Name] = v
	}
	free := s.Inputs()
	feeds := map[string]ir.Data{}
	pos := 0
	for _, arg := range args {
		var target *ir.Value
		path := arg
		if name, p, ok := strings.Cut(arg, "="); ok && byName[name] != nil {
			target, path = byName[name], p
		} else {
			if pos >= len(free) {
				return nil, fmt.Errorf("input %q: the model takes only %d input(s)", arg, len(free))
			}
			target = free[pos]
			pos++
		}
		if _, dup := feeds[target.Name]; dup {
			return nil, fmt.Errorf("input %q is given twice", target.Name)
		}
		d, err := readData(path, target.Type)
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
		if err := writeAtomic(path, b); err != nil {
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

// writeAtomic writes a file through a temporary name and a rename, so a
// reader never sees half an output and an old file survives a failure.
func writeAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}
