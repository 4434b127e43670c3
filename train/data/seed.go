package data

import "math/rand/v2"

// Streams keep the random numbers of different uses of one seed apart.
const (
	shuffleStream uint64 = 0x5348554646 // "SHUFF"
	augmentStream uint64 = 0x4155474d   // "AUGM"
	splitStream   uint64 = 0x53504c4954 // "SPLIT"
)

// mix combines two 64-bit values into a well-spread seed with the
// SplitMix64 finalizer (Steele, Lea, Flood: "Fast splittable pseudorandom
// number generators", OOPSLA 2014), so nearby seeds and epochs give
// unrelated streams.
func mix(a, b uint64) uint64 {
	z := a ^ (b+0x9e3779b97f4a7c15)*0xbf58476d1ce4e5b9
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// epochSeed is the seed of epoch e's shuffle and augmentation: a function of
// the base seed and e only, so resuming at epoch e reproduces it.
func epochSeed(base uint64, epoch int) uint64 {
	return mix(base, uint64(epoch))
}

// shuffle permutes p uniformly (Fisher-Yates). It is written out rather than
// calling rand.Shuffle so the order stays fixed for a given PCG stream even
// if the standard library changes its algorithm.
func shuffle(p []int, r *rand.Rand) {
	for i := len(p) - 1; i > 0; i-- {
		j := int(r.Uint64N(uint64(i + 1)))
		p[i], p[j] = p[j], p[i]
	}
}
