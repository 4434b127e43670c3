package dsl

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
)

// Summary describes the model as a table: each layer of the Train graph
// with its kind, output shape (batch dim first, as "N", or second for a
// sequence-first output) and parameter count, then the totals.
func (m *Model) Summary() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "model %q, input [N %s]\n", m.def.Name, dims(m.def.Input))
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "layer\tkind\toutput\tparams")
	for _, l := range m.layers {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", l.Name, l.Kind, layerShape(l), group(l.Params))
	}
	tw.Flush()
	fmt.Fprintf(&sb, "total parameters: %s (trainable %s, frozen %s)\n",
		group(m.NumParams()), group(m.NumTrainable()), group(m.NumParams()-m.NumTrainable()))
	state := 0
	for _, p := range m.store.state {
		state += p.Value.Len()
	}
	if state > 0 {
		fmt.Fprintf(&sb, "state (not trained): %s\n", group(state))
	}
	return sb.String()
}

// layerShape prints a layer's output with the batch dim N in its place.
func layerShape(l LayerInfo) string {
	parts := make([]string, 0, len(l.Output)+1)
	for _, d := range l.Output {
		parts = append(parts, fmt.Sprint(d))
	}
	at := 0
	if l.SeqFirst && len(parts) > 0 {
		at = 1
	}
	return "[" + strings.Join(slices.Insert(parts, at, "N"), " ") + "]"
}

func dims(d []int) string {
	s := make([]string, len(d))
	for i, x := range d {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, " ")
}

// group writes n with thousands separators: 269,322.
func group(n int) string {
	s := fmt.Sprint(n)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
