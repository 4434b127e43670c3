package spec

import (
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Stats is a normalization mean or std: a list of numbers (one, or one
// per channel), a single number, or the word auto, which asks the trainer
// to measure it on the training split.
type Stats struct {
	Auto   bool
	Values []float64
}

// decodeNode implements nodeDecoder.
func (s *Stats) decodeNode(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.ScalarNode && n.Tag == "!!str" && n.Value == "auto":
		*s = Stats{Auto: true}
		return ""
	case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
		*s = Stats{}
		return ""
	case n.Kind == yaml.ScalarNode:
		v, ok := number(n)
		if !ok {
			return "want auto or a list of numbers, got " + describe(n)
		}
		*s = Stats{Values: []float64{v}}
		return ""
	case n.Kind == yaml.SequenceNode:
		vals := make([]float64, len(n.Content))
		for i, c := range n.Content {
			v, ok := number(resolveAlias(c))
			if !ok {
				return "item " + strconv.Itoa(i) + ": want a number, got " + describe(c)
			}
			vals[i] = v
		}
		*s = Stats{Values: vals}
		return ""
	}
	return "want auto or a list of numbers, got " + describe(n)
}

// MarshalYAML writes auto or the list, so a Spec marshals back to a
// spec file that Parse reads.
func (s Stats) MarshalYAML() (any, error) {
	if s.Auto {
		return "auto", nil
	}
	return s.Values, nil
}
