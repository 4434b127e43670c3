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
