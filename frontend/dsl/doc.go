// Package dsl builds trainable models as dlc IR graphs.
//
// # Functional core
//
// A model is defined by a function from its input Value to its output
// Value. Layers (Dense, Conv2D, BatchNorm, ReLU, ...) are configured by
// their constructors and applied to values with Apply; functions such as
// Add combine values. Every application adds IR nodes to the graph being
// built and checks shapes on the spot: a shape that does not fit panics
// with a *LayerError naming the layer, which Def.Build and Model.Graph
// recover into an ordinary error. Values carry their shape with the batch
// dim first; the batch may be symbolic ("batch") or fixed. The one
// exception is a sequence-first value ([tokens, batch, features]) made by
// ToSequenceFirst or a recurrent layer built with SequenceFirst, which only
// recurrent layers and ToBatchFirst read.
//
// # Parameters and names
//
// A layer without an explicit name gets its kind and a per-kind counter:
// dense_1, dense_2, conv2d_1. Its parameters are "<layer>.weight" and
// "<layer>.bias", in PyTorch's layouts (Dense weight [out, in], Conv2D
// weight [out, in/groups, kh, kw]), so parameter counts and checkpoints
// line up with PyTorch. Initial values come from an Initializer and a
// seed: each tensor draws from its own PCG stream keyed by the seed and
// its name, so values do not depend on the order layers are built in.
// BatchNorm adds "<layer>.running_mean" and "<layer>.running_var" as
// non-trainable state.
//
// # Train and Eval graphs
//
// Model.Graph emits either mode. In Train mode BatchNorm is an ONNX
// BatchNormalization with training_mode=1 whose updated running statistics
// are extra graph outputs named "<state>:new", and Dropout multiplies by a
// graph input "<layer>.mask" that the trainer fills each step with values
// Bernoulli(1-p)/(1-p). In Eval mode BatchNorm uses the running statistics
// and Dropout disappears. Both modes emit parameters and state as
// initializers holding copies of the model's current values; a trainer
// that differentiates with respect to the parameters turns the trainable
// ones into graph inputs itself.
//
// # Sequences, attention and upsampling
//
// Sequence layers take [tokens, features] values: Embedding turns int
// token ids (Def.InputDType Int64) into vectors, SinusoidalPositional and
// LearnedPositional add positions, Linear and LayerNorm act on the last
// dim, MultiHeadAttention, CrossAttention, TransformerEncoderLayer and
// TransformerDecoderLayer follow torch.nn's formulas and parameter names,
// and MeanTokens pools. A model keeps its one input: a causal mask is a
// constant (Causal), a padding mask is computed in the graph from the ids
// (PaddingMask, passed with AttnMask). ConvTranspose2D and Upsample
// enlarge images, and Residual adds a skip connection around layers.
//
// # Sequential and presets
//
// Sequential chains layers; MLP, FashionCNN and Preset (by name, for
// configuration files) build common architectures on top of it.
package dsl
