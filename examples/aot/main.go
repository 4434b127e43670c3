// Command aot classifies Fashion-MNIST test images with a CNN compiled
// ahead of time into package fashion: no ONNX file is read at run time,
// the weights are inside the binary.
//
//	go run ./examples/aot                 # the whole test set: accuracy and speed
//	go run ./examples/aot -n 5 -show      # five images, with their predictions
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/dlc-go/dlc/backend/gogen/aot"
	"github.com/dlc-go/dlc/examples/aot/fashion"
	"github.com/dlc-go/dlc/train/data"
)

var classes = [10]string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

func main() {
	dir := flag.String("data", "/usr/share/datasets/fashion-mnist", "folder of the Fashion-MNIST IDX files (Debian package dataset-fashion-mnist)")
	n := flag.Int("n", 10000, "test images to classify")
	show := flag.Bool("show", false, "print each image's prediction")
	flag.Parse()
	if _, err := classify(*dir, *n, *show); err != nil {
		fmt.Fprintln(os.Stderr, "aot:", err)
		os.Exit(1)
	}
}

// classify runs the first n test images and returns the accuracy.
func classify(dir string, n int, show bool) (float64, error) {
	start := time.Now()
	m, err := fashion.NewWithOptions(aot.Options{Threads: 1})
	if err != nil {
		return 0, err
	}
	ready := time.Since(start)
	test, err := data.LoadMNIST(dir, "t10k")
	if err != nil {
		return 0, err
	}
	n = min(n, test.Len())
	image := make([]float32, 28*28)
	logits := make([]float32, 10)
	label := make([]int64, 1)
	correct := 0
	t0 := time.Now()
	for i := range n {
		test.Fill([]int{i}, image, label, nil)
		for j := range image {
			image[j] /= 255 // the model was trained on pixels in [0, 1]
		}
		if err := m.RunInto(image, logits); err != nil {
			return 0, err
		}
		best := 0
		for c := range logits {
			if logits[c] > logits[best] {
				best = c
			}
		}
		if int64(best) == label[0] {
			correct++
		}
		if show {
			fmt.Printf("image %d: %-12s (label %s)\n", i, classes[best], classes[label[0]])
		}
	}
	per := time.Since(t0) / time.Duration(max(n, 1))
	acc := float64(correct) / float64(max(n, 1))
	fmt.Printf("%d images: accuracy %.2f%%, %v per image on one thread; model ready in %v\n",
		n, 100*acc, per, ready.Round(time.Microsecond))
	return acc, nil
}
