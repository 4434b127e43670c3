package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
	"github.com/spf13/cobra"
)

func inspectCmd() *cobra.Command {
	var graph, showPlan, steps bool
	var shapes []string
	var ef engineFlags
	cmd := &cobra.Command{
		Use:   "inspect MODEL.onnx",
		Short: "Describe a model: opsets, inputs, outputs, ops and parameters",
		Long: `Describe a model. With --plan, also compile it as dlc run would (same engine
flags) and print the passes report and the execution plan's memory summary for
inputs of the declared shapes (symbolic dims 1, or as --shape sets them).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opt, err := ef.options()
			if err != nil {
				return err
			}
			given, err := parseShapes(shapes)
			if err != nil {
				return err
			}
			m, err := onnx.Load(args[0])
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			summarize(w, args[0], m)
			if graph {
				fmt.Fprintf(w, "\n%s\n", m.Graph.Text())
			}
			if !showPlan {
				return nil
			}
			s, err := runtime.New(m, opt)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			concrete, err := concreteShapes(m.Graph, given)
			if err != nil {
				return err
			}
			info, err := s.Plan(concrete)
			if err != nil {
				return err
			}
			printPlan(w, info, steps)
			return nil
		},
	}
	cmd.Flags().BoolVar(&graph, "graph", false, "also print the imported IR as text")
	cmd.Flags().BoolVar(&showPlan, "plan", false, "also print the passes report and the execution plan summary")
	cmd.Flags().BoolVar(&steps, "steps", false, "with --plan, list every step")
	cmd.Flags().StringArrayVar(&shapes, "shape", nil, "with --plan, an input's shape, name=1x3x224x224; repeatable")
	ef.register(cmd)
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

func printPlan(w io.Writer, p *runtime.PlanInfo, steps bool) {
	names := make([]string, 0, len(p.InputShapes))
	for name := range p.InputShapes {
		names = append(names, name)
	}
	sort.Strings(names)
	var shapes []string
	for _, name := range names {
		shapes = append(shapes, fmt.Sprintf("%s=%v", name, p.InputShapes[name]))
	}
	fmt.Fprintf(w, "\nplan for:  %s\n", strings.Join(shapes, " "))
	if p.Passes == nil || len(p.Passes.Passes) == 0 {
		fmt.Fprintf(w, "passes:    none ran\n")
	} else {
		fmt.Fprintf(w, "passes:\n")
		for _, r := range p.Passes.Passes {
			fmt.Fprintf(w, "  %-24s changed=%-5v %v\n", r.Name, r.Changed, r.Time)
		}
	}
	if p.Interpreted != "" {
		fmt.Fprintf(w, "engine:    interpreter (%s)\n", p.Interpreted)
		return
	}
	fmt.Fprintf(w, "steps:     %d: %d fast, %d ref, %d views (%d of them concatenations placed in their output); %d in place\n", p.Steps, p.Fast, p.Ref, p.Views, p.Concats, p.InPlace)
	fmt.Fprintf(w, "arena:     %s peak (%d bytes, %d buffers)\n", humanBytes(p.ArenaBytes), p.ArenaBytes, p.Buffers)
	fmt.Fprintf(w, "naive:     %s (%d bytes, every step output kept)\n", humanBytes(p.NaiveBytes), p.NaiveBytes)
	fmt.Fprintf(w, "live max:  %s (%d bytes, lower bound)\n", humanBytes(p.LowerBoundBytes), p.LowerBoundBytes)
	refOps := map[string]int{}
	for _, st := range p.StepList {
		if st.Kernel == "ref" {
			refOps[st.Op]++
		}
	}
	if len(refOps) > 0 {
		ops := make([]string, 0, len(refOps))
		for op, n := range refOps {
			ops = append(ops, fmt.Sprintf("%s×%d", op, n))
		}
		sort.Strings(ops)
		fmt.Fprintf(w, "ref ops:   %s\n", strings.Join(ops, ", "))
	}
	if steps {
		fmt.Fprintf(w, "steps:\n")
		for i, st := range p.StepList {
			off := "-"
			if st.Offset >= 0 {
				off = fmt.Sprint(st.Offset)
			}
			ip := ""
			if st.InPlace {
				ip = " (in place)"
			}
			fmt.Fprintf(w, "  %4d %-5s %10d B @ %-10s %s%s\n", i, st.Kernel, st.Bytes, off, st.Node, ip)
		}
	}
}
