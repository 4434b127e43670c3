// Command dsl builds a Fashion-MNIST model in Go with frontend/dsl, trains
// it with package train, evaluates it and exports it as ONNX: what
// `dlc train examples/train/fashion-*.yaml` does, written as code.
//
//	go run ./examples/dsl                          # the MLP, one epoch
//	go run ./examples/dsl -model cnn -epochs 3 -o cnn.onnx
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dlc-go/dlc/frontend/dsl"
	"github.com/dlc-go/dlc/train"
	"github.com/dlc-go/dlc/train/data"
	"github.com/dlc-go/dlc/train/loss"
	"github.com/dlc-go/dlc/train/optim"
)

func main() {
	model := flag.String("model", "mlp", "mlp or cnn")
	epochs := flag.Int("epochs", 1, "epochs")
	limit := flag.Int("limit", 0, "train on the first N images only (0: all 60,000)")
	dir := flag.String("data", "/usr/share/datasets/fashion-mnist", "Fashion-MNIST IDX files (Debian: dataset-fashion-mnist)")
	out := flag.String("o", "", "ONNX file to write (default: a temporary folder)")
	flag.Parse()
	if _, err := run(*model, *dir, *out, *epochs, *limit); err != nil {
		fmt.Fprintln(os.Stderr, "dsl:", err)
		os.Exit(1)
	}
}

// definition is the network, in the DSL.
func definition(model string) (dsl.Def, error) {
	switch model {
	case "mlp":
		return dsl.Sequential("mlp", []int{1, 28, 28},
			dsl.Flatten(),
			dsl.Dense(256), dsl.ReLU(),
			dsl.Dense(256), dsl.ReLU(),
			dsl.Dense(10)), nil
	case "cnn":
		return dsl.Sequential("cnn", []int{1, 28, 28},
			dsl.Conv2D(32, 3, dsl.Padding(dsl.Same)), dsl.BatchNorm(), dsl.ReLU(), dsl.MaxPool2D(2),
			dsl.Conv2D(64, 3, dsl.Padding(dsl.Same)), dsl.BatchNorm(), dsl.ReLU(), dsl.MaxPool2D(2),
			dsl.Flatten(),
			dsl.Dense(128), dsl.ReLU(), dsl.Dropout(0.3),
			dsl.Dense(10)), nil
	}
	return dsl.Def{}, fmt.Errorf("-model %q: want mlp or cnn", model)
}

// run trains and returns the test accuracy.
func run(model, dir, out string, epochs, limit int) (float64, error) {
	def, err := definition(model)
	if err != nil {
		return 0, err
	}
	net, err := def.Build(1)
	if err != nil {
		return 0, err
	}
	fmt.Print(net.Summary())

	// Data: bytes scaled to [0, 1], then standardized as is usual for
	// Fashion-MNIST.
	norm := data.Norm{Scale: data.ByteScale, Mean: []float32{0.2860}, Std: []float32{0.3530}}
	load := func(part string) (data.Dataset, error) {
		m, err := data.LoadMNIST(dir, part)
		if err != nil {
			return nil, err
		}
		ds, err := data.Reshape(m, []int{1, 28, 28})
		if err != nil {
			return nil, err
		}
		return data.Normalize(ds, norm)
	}
	trainSet, err := load("train")
	if err != nil {
		return 0, err
	}
	if limit > 0 {
		trainSet = data.Subset(trainSet, min(limit, trainSet.Len()))
	}
	testSet, err := load("t10k")
	if err != nil {
		return 0, err
	}

	// The training step: cross-entropy, Adam, batches of 64.
	m, err := train.FromDSL(net)
	if err != nil {
		return 0, err
	}
	tr, err := train.New(m, train.Config{Seed: 1, StepConfig: train.StepConfig{
		Loss: loss.CrossEntropy{}, Optimizer: optim.NewAdam(), Batch: 64}})
	if err != nil {
		return 0, err
	}
	_, err = tr.Fit(train.FitConfig{
		Epochs: epochs, Train: trainSet, Val: testSet,
		Loader:   data.LoaderOptions{Shuffle: true, Seed: 1, Prefetch: 2},
		Schedule: &train.Schedule{Kind: "cosine", Base: 1e-3, Epochs: epochs},
		OnEpoch: func(e train.EpochResult) error {
			fmt.Printf("epoch %d/%d: train loss %.4f acc %.4f, test acc %.4f, %.0f samples/s\n",
				e.Epoch, e.Epochs, e.Train.Loss, e.Train.Accuracy, e.Val.Accuracy, e.SamplesPerSec)
			return nil
		},
	})
	if err != nil {
		return 0, err
	}
	test, err := tr.Evaluate(testSet)
	if err != nil {
		return 0, err
	}

	// Export the inference form: dropout removed, BatchNorm with its
	// running statistics.
	if err := tr.ToDSL(net); err != nil {
		return 0, err
	}
	if out == "" {
		tmp, err := os.MkdirTemp("", "dlc-dsl-")
		if err != nil {
			return 0, err
		}
		defer os.RemoveAll(tmp)
		out = filepath.Join(tmp, model+".onnx")
	}
	if err := net.Export(out); err != nil {
		return 0, err
	}
	fmt.Printf("test accuracy %.4f; exported %s\n", test.Accuracy, out)
	return test.Accuracy, nil
}
