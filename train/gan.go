package train

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/dlc-go/dlc/backend/cpu/gemm"
	"github.com/dlc-go/dlc/frontend/dsl"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
	"github.com/dlc-go/dlc/train/loss"
	"github.com/dlc-go/dlc/train/optim"
)

// GAN trains a generator and a discriminator with alternating steps
// (Goodfellow et al. 2014, with the non-saturating generator loss): each
// Step first updates D on a batch of real images and as many generated
// ones, then updates G through D. Both steps are compiled graphs like any
// other training step: D's takes the real and generated images as one
// batch of 2B (a PairLoss of its halves); G's is G's training graph with
// D's inlined after it, D's parameters fed as inputs from D's trainer
// (not updated there).
type GAN struct {
	// G and D are the two trainers (their Values are the parameters).
	G, D          *Trainer
	Latent, Batch int

	gen     *runtime.Session // G's inference graph, parameters as inputs
	genIn   []string
	dPrefix string
	pcg     *rand.PCG
	rng     *rand.Rand
	z, zGen *ir.Tensor
	both    []float32
	fakeOut []*ir.Tensor
	genArgs []*ir.Tensor
}

// GANConfig configures NewGAN.
type GANConfig struct {
	Latent, Batch int
	// GOpt and DOpt are the two optimizers (Adam with β1 0.5 is usual).
	GOpt, DOpt optim.Optimizer
	Kind       loss.GANKind
	Threads    int
	Seed       uint64
	// Precision of both steps' matrix products (Config.Precision); fp16,
	// which needs loss scaling, is not offered for GANs.
	Precision gemm.Precision
}

// NewGAN compiles the two steps of g (latent [Latent] → sample) and d
// (sample → one logit).
func NewGAN(g, d *dsl.Model, cfg GANConfig) (*GAN, error) {
	if cfg.Latent < 1 || cfg.Batch < 1 {
		return nil, fmt.Errorf("GAN: latent size and batch must be positive")
	}
	if cfg.Precision == gemm.Float16 {
		return nil, fmt.Errorf("GAN: fp16 training (with its loss scaling) is not supported; use bf16 or float32")
	}
	dm, err := FromDSL(d)
	if err != nil {
		return nil, err
	}
	dt, err := New(dm, Config{StepConfig: StepConfig{Loss: PairLoss{Pair: loss.GANDiscriminator{Kind: cfg.Kind}, Half: cfg.Batch},
		Optimizer: cfg.DOpt, Batch: 2 * cfg.Batch, NoLabels: true}, Threads: cfg.Threads, Seed: cfg.Seed, Precision: cfg.Precision})
	if err != nil {
		return nil, fmt.Errorf("discriminator step: %w", err)
	}
	gm, prefix, err := generatorThroughD(g, d)
	if err != nil {
		return nil, err
	}
	gt, err := New(gm, Config{StepConfig: StepConfig{Loss: generatorLoss{loss.GANGenerator{Kind: cfg.Kind}},
		Optimizer: cfg.GOpt, Batch: cfg.Batch, NoLabels: true}, Threads: cfg.Threads, Seed: cfg.Seed + 1, Precision: cfg.Precision})
	if err != nil {
		return nil, fmt.Errorf("generator step: %w", err)
	}
	gan := &GAN{G: gt, D: dt, Latent: cfg.Latent, Batch: cfg.Batch, dPrefix: prefix, pcg: rand.NewPCG(cfg.Seed, 7)}
	gan.rng = rand.New(gan.pcg)
	genModel, err := evalGraph(gm)
	if err != nil {
		return nil, err
	}
	opt := runtime.DefaultOptions()
	opt.Threads = cfg.Threads
	if gan.gen, err = runtime.New(genModel, opt); err != nil {
		return nil, err
	}
	for _, v := range gan.gen.Inputs() {
		gan.genIn = append(gan.genIn, v.Name)
	}
	gan.z = ir.Zeros(ir.Float32, []int{cfg.Batch, cfg.Latent})
	gan.zGen = ir.Zeros(ir.Float32, []int{cfg.Batch, cfg.Latent})
	return gan, nil
}

// generatorThroughD is g's training graph followed by d's (its nodes
// renamed under a prefix, its parameters external inputs).
func generatorThroughD(g, d *dsl.Model) (*Model, string, error) {
	gm, err := FromDSL(g)
	if err != nil {
		return nil, "", err
	}
	dTrain, err := d.Graph(dsl.Train, 0)
	if err != nil {
		return nil, "", err
	}
	c := ir.CloneModel(gm.Train)
	const prefix = "D/"
	outs, inputs, inits, err := inline(c.Graph, dTrain.Graph, c.Graph.Outputs[0], prefix)
	if err != nil {
		return nil, "", fmt.Errorf("generator through discriminator: %w", err)
	}
	c.Graph.Outputs = append([]*ir.Value{outs[0]}, c.Graph.Outputs[1:]...)
	m := &Model{Train: c, Eval: gm.Eval, Params: gm.Params, Stats: gm.Stats, Masks: gm.Masks, Aux: gm.Aux, Values: gm.Values}
	for _, mk := range d.Masks() {
		if slices.Contains(inputs, prefix+mk.Input) {
			m.Masks = append(m.Masks, Mask{Input: prefix + mk.Input, P: mk.P, Normal: mk.Normal})
		}
	}
	m.External = inits
	return m, prefix, nil
}

// inline appends src's nodes to dst with src's data input bound to x:
// src's other inputs (masks) and initializers become dst inputs and
// initializers named prefix+name. It returns src's outputs in dst, the
// inputs and initializers it added.
func inline(dst, src *ir.Graph, x *ir.Value, prefix string) (outs []*ir.Value, inputs, inits []string, err error) {
	vals := map[*ir.Value]*ir.Value{}
	for i, v := range src.Inputs {
		if i == 0 {
			vals[v] = x
			continue
		}
		vals[v] = dst.AddInput(prefix+v.Name, v.Type)
		inputs = append(inputs, prefix+v.Name)
	}
	for _, v := range src.Inits {
		vals[v] = dst.AddInit(prefix+v.Name, v.Init)
		inits = append(inits, prefix+v.Name)
	}
	for _, n := range src.Nodes {
		spec := ir.NodeSpec{Op: n.Op, Domain: n.Domain, Name: prefix + n.Name, Attrs: n.Attrs}
		for _, in := range n.Inputs {
			if in == nil {
				spec.Inputs = append(spec.Inputs, nil)
				continue
			}
			mv, ok := vals[in]
			if !ok {
				return nil, nil, nil, fmt.Errorf("%s reads %q, which is not in the graph", n, in.Name)
			}
			spec.Inputs = append(spec.Inputs, mv)
		}
		for _, o := range n.Outputs {
			name := ""
			if o != nil {
				name = prefix + o.Name
			}
			spec.Outputs = append(spec.Outputs, name)
		}
		nn, err := dst.AddNode(spec)
		if err != nil {
			return nil, nil, nil, err
		}
		for j, o := range n.Outputs {
			if o != nil {
				vals[o] = nn.Outputs[j]
			}
		}
	}
	for _, o := range src.Outputs {
		outs = append(outs, vals[o])
	}
	return outs, inputs, inits, nil
}

// generatorLoss is the generator's GAN loss as the trainer's Loss: of
// D's logits for its samples, with no target. (The discriminator's is a
// PairLoss: its batch's first half real, second half generated.)
type generatorLoss struct{ g loss.GANGenerator }

func (l generatorLoss) Append(g *ir.Graph, pred, _ *ir.Value, fresh func(string) string) (*ir.Value, error) {
	return l.g.AppendFake(g, pred, fresh)
}

// Step runs one discriminator step on real (Batch samples) and as many
// generated from fresh noise, then one generator step; it returns both
// losses.
func (gan *GAN) Step(real []float32, lr float64) (dLoss, gLoss float64, err error) {
	fake, err := gan.Generate(gan.zGen, true)
	if err != nil {
		return 0, 0, err
	}
	fd := fake.Data.([]float32)
	gan.both = append(append(gan.both[:0], real...), fd...)
	rd, err := gan.D.Step(gan.both, nil, nil, lr)
	if err != nil {
		return 0, 0, fmt.Errorf("discriminator: %w", err)
	}
	ext := map[string]*ir.Tensor{}
	for name, v := range gan.D.Values() {
		if _, ok := gan.G.external[gan.dPrefix+name]; ok {
			ext[gan.dPrefix+name] = v
		}
	}
	if err := gan.G.SetExternal(ext); err != nil {
		return 0, 0, err
	}
	zd := gan.z.Data.([]float32)
	for i := range zd {
		zd[i] = float32(gan.rng.NormFloat64())
	}
	rg, err := gan.G.Step(zd, nil, nil, lr)
	if err != nil {
		return 0, 0, fmt.Errorf("generator: %w", err)
	}
	return rd.Loss, rg.Loss, nil
}

// Generate runs G's inference graph on z ([n, Latent]); with fresh, z is
// first filled with standard normal noise.
func (gan *GAN) Generate(z *ir.Tensor, fresh bool) (*ir.Tensor, error) {
	if fresh {
		for i := range z.Len() {
			z.SetFloat64At(i, gan.rng.NormFloat64())
		}
	}
	feeds := map[string]ir.Data{}
	vals := gan.G.Values()
	for i, name := range gan.genIn {
		if i == 0 && vals[name] == nil {
			feeds[name] = z
			continue
		}
		v := vals[name]
		if v == nil {
			return nil, fmt.Errorf("generator: no value for %q", name)
		}
		feeds[name] = v
	}
	res, err := gan.gen.Run(feeds)
	if err != nil {
		return nil, err
	}
	return res[0].(*ir.Tensor), nil
}

// Checkpoint captures both trainers' values (under "G/" and "D/"), their
// step counts and the noise generator's state, after epochs epochs.
func (gan *GAN) Checkpoint(epochs int) (*Checkpoint, error) {
	state, err := gan.pcg.MarshalBinary()
	if err != nil {
		return nil, err
	}
	ck := &Checkpoint{Epochs: epochs, Steps: gan.G.Steps, Values: map[string]*ir.Tensor{}, State: state}
	for name, v := range gan.G.Values() {
		ck.Values["G/"+name] = v
	}
	for name, v := range gan.D.Values() {
		ck.Values["D/"+name] = v
	}
	return ck, nil
}

// Restore continues from a checkpoint Checkpoint made.
func (gan *GAN) Restore(ck *Checkpoint) error {
	g, d := map[string]*ir.Tensor{}, map[string]*ir.Tensor{}
	for name, v := range ck.Values {
		switch {
		case len(name) > 2 && name[:2] == "G/":
			g[name[2:]] = v
		case len(name) > 2 && name[:2] == "D/":
			d[name[2:]] = v
		default:
			return fmt.Errorf("checkpoint value %q belongs to neither the generator nor the discriminator", name)
		}
	}
	if err := gan.G.SetValues(g); err != nil {
		return fmt.Errorf("generator: %w", err)
	}
	if err := gan.D.SetValues(d); err != nil {
		return fmt.Errorf("discriminator: %w", err)
	}
	gan.G.Steps, gan.D.Steps = ck.Steps, ck.Steps
	return gan.pcg.UnmarshalBinary(ck.State)
}
