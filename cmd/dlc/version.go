package main

import (
	"fmt"
	"runtime/debug"

	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/spf13/cobra"
)

// version is set at release time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print dlc's version and the ONNX opsets it imports",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rev := ""
			if info, ok := debug.ReadBuildInfo(); ok {
				for _, s := range info.Settings {
					if s.Key == "vcs.revision" && len(s.Value) >= 12 {
						rev = " (" + s.Value[:12] + ")"
					}
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "dlc %s%s\nONNX opsets %d-%d\n", version, rev, onnx.MinOpset, onnx.MaxOpset)
			return nil
		},
	}
}
