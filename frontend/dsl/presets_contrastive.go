package dsl

// ContrastiveEncoder defines the encoder of contrastive training on
// [1, 28, 28] images: two 3×3 conv blocks (32 and 64 filters, BatchNorm,
// ReLU, 2×2 max pooling), then Dense 128 + ReLU, the representation. The
// contrastive loss compares a projection of it (a head the trainer adds
// for training only, as in SimCLR: the representation before the head
// keeps more of what k-NN and downstream tasks use).
func ContrastiveEncoder() Def {
	return Sequential("encoder", []int{1, 28, 28},
		Conv2D(32, 3, Padding(Same)), BatchNorm(), ReLU(), MaxPool2D(2),
		Conv2D(64, 3, Padding(Same)), BatchNorm(), ReLU(), MaxPool2D(2),
		Flatten(), Dense(128), ReLU())
}
