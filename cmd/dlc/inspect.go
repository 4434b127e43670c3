package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/ir"
	"github.com/spf13/cobra"
)

func inspectCmd() *cobra.Command {
	var graph bool
	cmd := &cobra.Command{
		Use:   "inspect MODEL.onnx",
		Short: "Describe a model: opsets, inputs, outputs, ops and parameters",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := onnx.Load(args[0])
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			summarize(w, args[0], m)
			if graph {
				fmt.Fprintf(w, "\n%s\n", m.Graph.Text())
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&graph, "graph", false, "also print the imported IR as text")
	return cmd
}

func summarize(w io.Writer, path string, m *ir.Model) {
	fmt.Fprintf(w, "model:     %s\n", path)
	fmt.Fprintf(w, "ir:        version %d\n", m.IRVersion)
	domains := make([]string, 0, len(m.Opsets))
	for d := range m.Opsets {
		domains = append(domains, d)
	}
	sort.Strings(domains)
	var ops []string
	for _, d := range domains {
		name := d
		if name == "" {
			name = "ai.onnx"
		}
		ops = append(ops, fmt.Sprintf("%s %d", name, m.Opsets[d]))
	}
	fmt.Fprintf(w, "opsets:    %s\n", strings.Join(ops, ", "))
	producer := strings.TrimSpace(m.ProducerName + " " + m.ProducerVersion)
	if producer == "" {
		producer = "(none)"
	}
	fmt.Fprintf(w, "producer:  %s\n", producer)
	g := m.Graph
	fmt.Fprintf(w, "inputs:\n")
	for _, v := range g.Inputs {
		def := ""
		if v.Init != nil {
			def = "  (has a default)"
		}
		fmt.Fprintf(w, "  %-24s %s%s\n", v.Name, v.Type, def)
	}
	fmt.Fprintf(w, "outputs:\n")
	for _, v := range g.Outputs {
		fmt.Fprintf(w, "  %-24s %s\n", v.Name, v.Type)
	}
	hist := map[string]int{}
	nodes := 0
	g.Walk(func(n *ir.Node) {
		hist[ir.OpKey(n.Domain, n.Op)]++
		nodes++
	})
	keys := make([]string, 0, len(hist))
	for k := range hist {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if hist[keys[i]] != hist[keys[j]] {
			return hist[keys[i]] > hist[keys[j]]
		}
		return keys[i] < keys[j]
	})
	fmt.Fprintf(w, "ops:       %d nodes, %d kinds\n", nodes, len(keys))
	for _, k := range keys {
		fmt.Fprintf(w, "  %-24s %d\n", k, hist[k])
	}
	params, bytes := int64(0), int64(0)
	for _, v := range g.Inits {
		params += int64(v.Init.Len())
		bytes += v.Init.Bytes()
	}
	fmt.Fprintf(w, "params:    %d in %d initializers, %s\n", params, len(g.Inits), humanBytes(bytes))
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.2f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
