package dsl

import "fmt"

// DCGAN defines a small deep-convolutional GAN for [1, 28, 28] images in
// [-1, 1] (Radford et al. 2016, without BatchNorm): the generator maps a
// latent vector through Dense 128·7·7 and two stride-2 transposed
// convolutions to a tanh image; the discriminator maps an image through
// two stride-2 convolutions with LeakyReLU(0.2) to one logit.
func DCGAN(latent int) (generator, discriminator Def, err error) {
	if latent < 1 {
		return Def{}, Def{}, fmt.Errorf("dcgan: latent size must be positive, got %d", latent)
	}
	generator = Sequential("generator", []int{latent},
		Dense(128*7*7), ReLU(), Reshape([]int{128, 7, 7}),
		ConvTranspose2D(64, 4, Stride(2), Padding(PadN(1))), ReLU(),
		ConvTranspose2D(1, 4, Stride(2), Padding(PadN(1))), Tanh())
	discriminator = Sequential("discriminator", []int{1, 28, 28},
		Conv2D(64, 4, Stride(2), Padding(PadN(1))), LeakyReLU(Alpha(0.2)),
		Conv2D(128, 4, Stride(2), Padding(PadN(1))), LeakyReLU(Alpha(0.2)),
		Flatten(), Dense(1))
	return generator, discriminator, nil
}

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
