package dsl

import "fmt"

// VAE defines a convolutional variational autoencoder of [1, 28, 28]
// images (pixels in [0, 1]): two stride-2 4×4 convolutions (32, 64
// filters) and a Dense layer to the mean and log-variance of a latent of
// the given size, GaussianSample (with beta times the KL term), then the
// decoder of VAEDecoder, which outputs the logits of the pixels.
func VAE(latent int, beta float64) (Def, error) {
	if latent < 1 {
		return Def{}, fmt.Errorf("vae: latent size must be positive, got %d", latent)
	}
	return New("vae", []int{1, 28, 28}, func(x *Value) *Value {
		h := Conv2D(32, 4, Stride(2), Padding(PadN(1)), Name("enc_conv1")).Apply(x)
		h = ReLU().Apply(h)
		h = Conv2D(64, 4, Stride(2), Padding(PadN(1)), Name("enc_conv2")).Apply(h)
		h = ReLU().Apply(h)
		h = Flatten().Apply(h)
		parts := SplitLast(Dense(2*latent, Name("enc_dense")).Apply(h), latent, latent)
		z := GaussianSample(parts[0], parts[1], beta, Name("sample"))
		return decode(z)
	}), nil
}

// VAEDecoder defines the decoder of VAE alone, from a latent vector to
// the logits of a [1, 28, 28] image; its layers have the VAE's names, so
// a trained VAE's values carry over with SetParam (sampling from the
// prior).
func VAEDecoder(latent int) (Def, error) {
	if latent < 1 {
		return Def{}, fmt.Errorf("vae: latent size must be positive, got %d", latent)
	}
	return New("vae_decoder", []int{latent}, decode), nil
}

func decode(z *Value) *Value {
	h := Dense(64*7*7, Name("dec_dense")).Apply(z)
	h = ReLU().Apply(h)
	h = Reshape([]int{64, 7, 7}).Apply(h)
	h = ConvTranspose2D(32, 4, Stride(2), Padding(PadN(1)), Name("dec_convt1")).Apply(h)
	h = ReLU().Apply(h)
	return ConvTranspose2D(1, 4, Stride(2), Padding(PadN(1)), Name("dec_convt2")).Apply(h)
}
