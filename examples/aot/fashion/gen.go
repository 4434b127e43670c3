// Package fashion is the Fashion-MNIST CNN of ../model, compiled ahead of
// time by dlc compile (fashion.go and weights.bin are generated; run go
// generate after changing the model).
package fashion

//go:generate go run github.com/dlc-go/dlc/cmd/dlc compile ../model/fashion_cnn.onnx -o . --pkg fashion --shape image=1x1x28x28
