package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"

	"github.com/dlc-go/dlc/frontend/dsl"
	"github.com/dlc-go/dlc/ir"
	"github.com/dlc-go/dlc/runtime"
	"github.com/dlc-go/dlc/train"
	"github.com/dlc-go/dlc/train/report"
)

// vaeImages writes what a trained VAE does: samples.png, 64 images
// decoded from the prior N(0, I), and reconstructions.png, test (or
// validation) images each beside its reconstruction from the mean of its
// code.
func vaeImages(tm *trainModel, tr *train.Trainer, ds *datasets, out string, seed uint64) error {
	if err := tr.ToDSL(tm.dsl); err != nil {
		return err
	}
	latent := 0
	for _, p := range tm.dsl.Params() {
		if p.Name == "dec_dense.weight" {
			latent = p.Value.Shape[1]
		}
	}
	dd, err := dsl.VAEDecoder(latent)
	if err != nil {
		return err
	}
	dec, err := dd.Build(seed)
	if err != nil {
		return err
	}
	for _, p := range dec.Params() {
		v, err := tm.dsl.Param(p.Name)
		if err != nil {
			return err
		}
		if err := dec.SetParam(p.Name, v); err != nil {
			return err
		}
	}
	r := rand.New(rand.NewPCG(seed, 99))
	z := ir.Zeros(ir.Float32, []int{64, latent})
	for i := range z.Len() {
		z.SetFloat64At(i, r.NormFloat64())
	}
	samples, err := runEval(dec, z)
	if err != nil {
		return err
	}
	if err := report.ImageGrid(filepath.Join(out, "samples.png"), sigmoidImages(samples), 28, 28, 8, 2); err != nil {
		return err
	}
	src := ds.test
	if src == nil {
		src = ds.val
	}
	if src == nil {
		src = ds.train
	}
	n := min(32, src.Len())
	x := make([]float32, n*28*28)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	var classes []int64
	var targets []float32
	if src.Labels().Regression {
		targets = make([]float32, n*src.Labels().Size())
	} else {
		classes = make([]int64, n)
	}
	src.Fill(idx, x, classes, targets)
	recon, err := runEval(tm.dsl, ir.FromSlice([]int{n, 1, 28, 28}, x))
	if err != nil {
		return err
	}
	rec := sigmoidImages(recon)
	var pairs [][]float32
	for i := range n {
		pairs = append(pairs, x[i*784:(i+1)*784], rec[i])
	}
	return report.ImageGrid(filepath.Join(out, "reconstructions.png"), pairs, 28, 28, 16, 2)
}

// runEval runs a DSL model's inference graph on x.
func runEval(m *dsl.Model, x *ir.Tensor) (*ir.Tensor, error) {
	g, err := m.Graph(dsl.Eval, 0)
	if err != nil {
		return nil, err
	}
	s, err := runtime.New(g, runtime.DefaultOptions())
	if err != nil {
		return nil, err
	}
	res, err := s.Run(map[string]ir.Data{dsl.InputName: x})
	if err != nil {
		return nil, err
	}
	t, ok := res[0].(*ir.Tensor)
	if !ok {
		return nil, fmt.Errorf("the model returned %T", res[0])
	}
	return t, nil
}

// sigmoidImages turns [N, 1, 28, 28] logits into N images of pixel
// probabilities.
func sigmoidImages(t *ir.Tensor) [][]float32 {
	n := t.Shape[0]
	per := t.Len() / n
	out := make([][]float32, n)
	for i := range n {
		im := make([]float32, per)
		for j := range im {
			im[j] = float32(1 / (1 + math.Exp(-t.Float64At(i*per+j))))
		}
		out[i] = im
	}
	return out
}
