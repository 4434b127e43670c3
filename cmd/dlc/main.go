// Command dlc imports, inspects and runs deep-learning models.
//
//	dlc run MODEL.onnx -i input_0.pb [-i name=input.npy ...] -o OUTDIR
//	dlc inspect MODEL.onnx [--graph]
//	dlc version
//
// Every failure prints one line naming what is at fault and exits 1.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	root := &cobra.Command{
		Use:           "dlc",
		Short:         "dlc: a deep-learning model compiler and runtime",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(runCmd(), inspectCmd(), versionCmd())
	if err := root.Execute(); err != nil {
		fmt.Fprintf(os.Stderr, "dlc: %v\n", err)
		os.Exit(1)
	}
}
