package dsl

// Layer is one step of a model: it maps a value to a value, adding nodes
// (and parameters) to the value's graph.
type Layer interface {
	Apply(x *Value) *Value
}

// LayerFunc makes a function a Layer, for use in Sequential.
type LayerFunc func(x *Value) *Value

// Apply calls f.
func (f LayerFunc) Apply(x *Value) *Value { return f(x) }

// LayerInfo describes one applied layer, for Summary.
type LayerInfo struct {
	Name   string
	Kind   string
	Output []int // dims after the batch dim
	// SeqFirst marks an output laid out [tokens, batch, features]
	// (SequenceFirst, ToSequenceFirst): Output is still [tokens, features].
	SeqFirst bool
	Params   int // learnable parameter elements
}

// layer is a built-in Layer: its kind, the options it takes, and how it
// builds its nodes.
type layer struct {
	kind    string
	allowed []string
	opts    []Option
	build   func(b *Builder, name string, c *config, x *Value) *Value
}

// Apply names the layer, checks its options and builds it.
func (l *layer) Apply(x *Value) *Value {
	c, bad := configure(l.allowed, l.opts)
	if x == nil {
		fail(c.name, "%s applied to a nil value", l.kind)
	}
	b := x.b
	name := b.begin(l.kind, c.name)
	if bad != "" {
		fail(name, "option %s does not apply to %s", bad, l.kind)
	}
	if !acceptsSeqFirst(l.kind, l.allowed) {
		checkBatchFirst(name, x)
	}
	y := l.build(b, name, &c, x)
	b.end(name, l.kind, y)
	return y
}

// newLayer declares a built-in layer.
func newLayer(kind string, allowed []string, opts []Option, build func(*Builder, string, *config, *Value) *Value) Layer {
	return &layer{kind: kind, allowed: allowed, opts: opts, build: build}
}

// numel is the element count of dims after the batch.
func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
