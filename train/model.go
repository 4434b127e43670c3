package train

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dlc-go/dlc/ir"
)

// Model is a network the trainer can train.
//
// Train and Eval are the training- and inference-mode forward graphs, both
// with one input (the batch, first dim the batch size) and the logits as
// first output. Parameters and running statistics are initializers of
// both, under the same names; the trainer feeds their current values as
// inputs, so the graphs are built once.
type Model struct {
	Train, Eval *ir.Model
	// Params names the trainable initializers, in a stable order.
	Params []string
	// Stats maps a running statistic's initializer name to the Train
	// graph output holding its updated value (BatchNormalization in
	// training mode).
	Stats map[string]string
	// Masks are the Train graph's dropout inputs, filled by the trainer
	// each step with Bernoulli(1-P)/(1-P), or with standard normal noise
	// (a VAE's eps) where Normal is set.
	Masks []Mask
	// Aux names Train graph outputs, scalars added to the loss (a VAE's
	// KL term).
	Aux []string
	// External names initializers of the Train graph fed each step from
	// values the trainer does not own or update (Trainer.SetExternal: a
	// GAN's discriminator inside the generator's step).
	External []string
	// Values holds the current value of every parameter and statistic.
	Values map[string]*ir.Tensor
}

// Mask is a dropout mask input of the training graph.
type Mask struct {
	Input  string
	P      float64
	Normal bool
}

// FromONNX makes a Model of an imported inference graph: every float
// initializer is a parameter unless a prefix in freeze matches its name;
// the graph serves as both the training and the inference form (ONNX
// BatchNormalization in inference form keeps its statistics fixed).
func FromONNX(m *ir.Model, freeze []string) (*Model, error) {
	g := m.Graph
	if len(g.Outputs) == 0 {
		return nil, fmt.Errorf("the model has no outputs")
	}
	var free []*ir.Value
	for _, v := range g.Inputs {
		if v.Init == nil {
			free = append(free, v)
		}
	}
	if len(free) != 1 {
		return nil, fmt.Errorf("training needs a model with one input, this one takes %d", len(free))
	}
	out := &Model{Train: m, Eval: m, Stats: map[string]string{}, Values: map[string]*ir.Tensor{}}
	for _, v := range g.Inits {
		if v.Init == nil || !v.Init.DType.IsFloat() || v.Init.Len() <= 1 {
			continue
		}
		if slices.ContainsFunc(freeze, func(p string) bool { return strings.HasPrefix(v.Name, p) }) {
			continue
		}
		out.Params = append(out.Params, v.Name)
		out.Values[v.Name] = v.Init
	}
	if len(out.Params) == 0 {
		return nil, fmt.Errorf("the model has no trainable float initializers")
	}
	return out, nil
}

// initValue returns the initializer named name in g.
func initValue(g *ir.Graph, name string) *ir.Value {
	for _, v := range g.Inits {
		if v.Name == name {
			return v
		}
	}
	return nil
}

// promote turns the initializers named by names into graph inputs (their
// values are fed each step), keeping their types.
func promote(g *ir.Graph, names []string) ([]*ir.Value, error) {
	out := make([]*ir.Value, len(names))
	for i, name := range names {
		v := initValue(g, name)
		if v == nil {
			return nil, fmt.Errorf("the graph has no initializer %q", name)
		}
		g.Inits = slices.DeleteFunc(g.Inits, func(x *ir.Value) bool { return x == v })
		v.Type = ir.TensorType(v.Init.DType, ir.ShapeOf(v.Init.Shape...))
		v.Init = nil
		g.Inputs = append(g.Inputs, v)
		out[i] = v
	}
	return out, nil
}
