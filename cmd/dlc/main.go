// Command dlc imports, inspects and runs deep-learning models.
//
//	dlc run MODEL.onnx -i input_0.pb [-i name=input.npy ...] -o OUTDIR
//	dlc inspect MODEL.onnx [--graph] [--plan [--steps]] [--shape name=1x3x8x8]
//	dlc bench MODEL.onnx [--threads N] [--runs K] [--warmup W] [--json] [--profile]
//	dlc version
//
// run, inspect --plan and bench take the engine flags --threads N,
// --opt-level 0|1|2, --disable-pass NAME (repeatable) and --reference.
//
// Every failure prints one line naming what is at fault and exits 1.
package main

import (
	"fmt"
	"os"

	"github.com/dlc-go/dlc/ir"
	"github.com/spf13/cobra"
)

func main() {
	var maxMem string
	root := &cobra.Command{
		Use:           "dlc",
		Short:         "dlc: a deep-learning model compiler and runtime",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			if maxMem == "" {
				return nil
			}
			n, err := parseBytes(maxMem)
			if err != nil {
				return fmt.Errorf("--max-memory: %w", err)
			}
			ir.SetTensorLimit(n)
			return nil
		},
	}
	root.PersistentFlags().StringVar(&maxMem, "max-memory", "",
		"largest single tensor a model may hold or allocate, e.g. 2GiB (default 16GiB)")
	root.AddCommand(runCmd(), inspectCmd(), benchCmd(), compileCmd(), buildCmd(), trainCmd(), versionCmd())
	if err := root.Execute(); err != nil {
		fmt.Fprintf(os.Stderr, "dlc: %v\n", err)
		os.Exit(1)
	}
}
