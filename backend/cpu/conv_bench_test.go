package cpu

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/dlc-go/dlc/backend/cpu/parallel"
	"github.com/dlc-go/dlc/ir"
)

// kernelFor builds c's node and its cpu kernel, with outputs allocated.
func kernelFor(t testing.TB, c refCase) (Kernel, []*ir.Tensor) {
	t.Helper()
	n := buildRefNode(t, c)
	k := Build(n, testEnv())
	if k == nil {
		t.Fatalf("%s: no cpu kernel", c.Op)
	}
	return k, newOutputs(t, n)
}

func TestKernelsDoNotAllocate(t *testing.T) {
	if raceOn {
		t.Skip("the race detector makes sync.Pool (the thread pool's job list) drop items on purpose")
	}
	rng := rand.New(rand.NewPCG(71, 72))
	cases := map[string]refCase{
		"conv3x3": convCase{n: 1, c: 8, m: 16, h: 14, w: 14, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1,
			pads: [4]int64{1, 1, 1, 1}, group: 1, bias: true, constW: true}.refCase(rng),
		"conv3x3_7x7": convCase{n: 1, c: 16, m: 32, h: 7, w: 7, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1,
			pads: [4]int64{1, 1, 1, 1}, group: 1, bias: true, constW: true}.refCase(rng),
		"conv3x3s2": convCase{n: 1, c: 8, m: 16, h: 15, w: 15, kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1,
			pads: [4]int64{1, 1, 1, 1}, group: 1, bias: true, constW: true}.refCase(rng),
		"conv1x1s2": convCase{n: 2, c: 16, m: 8, h: 7, w: 9, kh: 1, kw: 1, sh: 2, sw: 2, dh: 1, dw: 1,
			group: 1, bias: true, constW: true}.refCase(rng),
		"conv1x1": convCase{n: 2, c: 16, m: 8, h: 7, w: 7, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1,
			group: 1, bias: true, constW: true}.refCase(rng),
		"depthwise": convCase{n: 1, c: 16, m: 16, h: 14, w: 14, kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1,
			pads: [4]int64{1, 1, 1, 1}, group: 16, bias: true, constW: true}.refCase(rng),
		"matmul": {Op: "MatMul", Inputs: []*ir.Tensor{randTensor(rng, 3, 17, 32), randTensor(rng, 32, 40)}, Const: []bool{false, true}},
		"bmm":    {Op: "MatMul", Inputs: []*ir.Tensor{randTensor(rng, 6, 17, 32), randTensor(rng, 6, 32, 40)}},
		"gemm": {Op: "Gemm", Attrs: map[string]*ir.Attr{"transB": ir.IntAttr(1)},
			Inputs: []*ir.Tensor{randTensor(rng, 4, 32), randTensor(rng, 40, 32), randTensor(rng, 40)}, Const: []bool{false, true, true}},
		"maxpool": {Op: "MaxPool", Attrs: map[string]*ir.Attr{"kernel_shape": ints(3, 3), "strides": ints(2, 2), "pads": ints(1, 1, 1, 1)},
			Inputs: []*ir.Tensor{randTensor(rng, 1, 8, 15, 15)}},
		"attention": {Op: "Attention", Domain: "dlc", Inputs: []*ir.Tensor{randTensor(rng, 1, 4, 9, 16),
			randTensor(rng, 1, 4, 9, 16), randTensor(rng, 1, 4, 9, 16), randTensor(rng, 9, 9)}},
		"lstm": {Op: "LSTM", Outputs: 3, Inputs: []*ir.Tensor{randTensor(rng, 4, 1, 8), randTensor(rng, 1, 64, 8), randTensor(rng, 1, 64, 16)},
			Const: []bool{false, true, true}},
		"batchnorm": {Op: "BatchNormalization", Inputs: []*ir.Tensor{randTensor(rng, 1, 4, 5, 5), randTensor(rng, 4),
			randTensor(rng, 4), randTensor(rng, 4), ir.FromSlice([]int{4}, []float32{1, 2, 3, 4})}, Const: []bool{false, true, true, true, true}},
	}
	for name, c := range cases {
		k, out := kernelFor(t, c)
		if a := testing.AllocsPerRun(20, func() { k.Run(c.Inputs, out) }); a != 0 {
			t.Errorf("%s: %v allocations per Run, want 0", name, a)
		}
	}
}

// benchPool has one thread per CPU, as a session would use.
var benchPool = parallel.New(benchThreads())

// benchKernel runs c's kernel b.N times on benchPool and reports GFLOP/s
// for flops per run.
func benchKernel(b *testing.B, c refCase, flops float64) {
	n := buildRefNode(b, c)
	k := Build(n, &Env{Pool: benchPool, Shared: NewShared()})
	if k == nil {
		b.Fatalf("%s: no cpu kernel", c.Op)
	}
	out := newOutputs(b, n)
	k.Run(c.Inputs, out)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k.Run(c.Inputs, out)
	}
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkConv covers the conv paths on ResNet-50 and MobileNetV2 layer
// shapes (batch 1).
//
// DLC_CONV_FILLED=-1|1 forces the implicit im2col path off or on (see
// convFilledMode), DLC_CONV_TRANSPOSED=-1|1 its transposed form, for
// before/after comparisons.
func BenchmarkConv(b *testing.B) {
	if v := os.Getenv("DLC_CONV_FILLED"); v != "" {
		convFilledMode, _ = strconv.Atoi(v)
		defer func() { convFilledMode = 0 }()
	}
	if v := os.Getenv("DLC_CONV_TRANSPOSED"); v != "" {
		convTransposedMode, _ = strconv.Atoi(v)
		defer func() { convTransposedMode = 0 }()
	}
	rng := rand.New(rand.NewPCG(81, 82))
	layers := []struct {
		name string
		cc   convCase
	}{
		{"resnet_stem_7x7s2_3to64_224", convCase{n: 1, c: 3, m: 64, h: 224, w: 224, kh: 7, kw: 7, sh: 2, sw: 2, dh: 1, dw: 1, pads: [4]int64{3, 3, 3, 3}, group: 1}},
		{"resnet_3x3_64to64_56", convCase{n: 1, c: 64, m: 64, h: 56, w: 56, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pads: [4]int64{1, 1, 1, 1}, group: 1}},
		{"resnet_1x1_256to64_56", convCase{n: 1, c: 256, m: 64, h: 56, w: 56, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, group: 1}},
		{"resnet_1x1_64to256_56", convCase{n: 1, c: 64, m: 256, h: 56, w: 56, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, group: 1}},
		{"resnet_3x3_256to256_14", convCase{n: 1, c: 256, m: 256, h: 14, w: 14, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pads: [4]int64{1, 1, 1, 1}, group: 1}},
		{"mbv2_dw3x3_144_56", convCase{n: 1, c: 144, m: 144, h: 56, w: 56, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pads: [4]int64{1, 1, 1, 1}, group: 144}},
		{"mbv2_dw3x3s2_144_56", convCase{n: 1, c: 144, m: 144, h: 56, w: 56, kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1, pads: [4]int64{1, 1, 1, 1}, group: 144}},
		{"mbv2_dw3x3_576_14", convCase{n: 1, c: 576, m: 576, h: 14, w: 14, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pads: [4]int64{1, 1, 1, 1}, group: 576}},
		{"mbv2_1x1_24to144_56", convCase{n: 1, c: 24, m: 144, h: 56, w: 56, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, group: 1}},
		{"mbv2_1x1_16to96_112", convCase{n: 1, c: 16, m: 96, h: 112, w: 112, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, group: 1}},
		{"resnet_3x3_128to128_28", convCase{n: 1, c: 128, m: 128, h: 28, w: 28, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pads: [4]int64{1, 1, 1, 1}, group: 1}},
		{"resnet_3x3_512to512_7", convCase{n: 1, c: 512, m: 512, h: 7, w: 7, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pads: [4]int64{1, 1, 1, 1}, group: 1}},
		{"resnet_3x3s2_64to128_56", convCase{n: 1, c: 64, m: 128, h: 56, w: 56, kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1, pads: [4]int64{1, 1, 1, 1}, group: 1}},
		{"resnet_1x1s2_64to128_56", convCase{n: 1, c: 64, m: 128, h: 56, w: 56, kh: 1, kw: 1, sh: 2, sw: 2, dh: 1, dw: 1, group: 1}},
		{"resnet_1x1s2_256to512_56", convCase{n: 1, c: 256, m: 512, h: 56, w: 56, kh: 1, kw: 1, sh: 2, sw: 2, dh: 1, dw: 1, group: 1}},
		{"resnet_1x1_256to512_28", convCase{n: 1, c: 256, m: 512, h: 28, w: 28, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, group: 1}},
		{"resnet_1x1s2_1024to2048_14", convCase{n: 1, c: 1024, m: 2048, h: 14, w: 14, kh: 1, kw: 1, sh: 2, sw: 2, dh: 1, dw: 1, group: 1}},
		{"resnet_1x1_1024to2048_7", convCase{n: 1, c: 1024, m: 2048, h: 7, w: 7, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, group: 1}},
		{"mbv2_3x3s2_3to32_224", convCase{n: 1, c: 3, m: 32, h: 224, w: 224, kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1, pads: [4]int64{1, 1, 1, 1}, group: 1}},
		{"mbv2_1x1_320to1280_7", convCase{n: 1, c: 320, m: 1280, h: 7, w: 7, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, group: 1}},
		{"sqz_3x3_16to64_55", convCase{n: 1, c: 16, m: 64, h: 55, w: 55, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pads: [4]int64{1, 1, 1, 1}, group: 1}},
		{"mbv2_1x1_64to384_14", convCase{n: 1, c: 64, m: 384, h: 14, w: 14, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, group: 1}},
		{"sqz_1x1_512to1000_13", convCase{n: 1, c: 512, m: 1000, h: 13, w: 13, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, group: 1}},
		{"sqz_1x1_384to48_13", convCase{n: 1, c: 384, m: 48, h: 13, w: 13, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, group: 1}},
		{"sqz_1x1_512to64_13", convCase{n: 1, c: 512, m: 64, h: 13, w: 13, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, group: 1}},
		{"sqz_3x3s2_3to64_224", convCase{n: 1, c: 3, m: 64, h: 224, w: 224, kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1, group: 1}},
		{"sqz_1x1_64to16_55", convCase{n: 1, c: 64, m: 16, h: 55, w: 55, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, group: 1}},
	}
	for i, l := range layers {
		cc := l.cc
		cc.bias, cc.constW = true, true
		c := cc.refCase(rng)
		if i%2 == 1 { // odd layers as the passes leave them: fused with ReLU6
			c.Op, c.Domain = "FusedConv", "dlc"
			c.Attrs = actAttrs(2, c.Attrs)
			l.name += "_clip"
		}
		oh := (cc.h+int(cc.pads[0]+cc.pads[2])-cc.kh)/cc.sh + 1
		ow := (cc.w+int(cc.pads[1]+cc.pads[3])-cc.kw)/cc.sw + 1
		flops := 2 * float64(cc.n*cc.m*oh*ow*(cc.c/cc.group)*cc.kh*cc.kw)
		b.Run(l.name, func(b *testing.B) { benchKernel(b, c, flops) })
	}
}

// BenchmarkConvResidual covers ResNet-50's bottleneck expansions as the
// passes leave them: 1×1 convs fused with the residual add and ReLU.
func BenchmarkConvResidual(b *testing.B) {
	if v := os.Getenv("DLC_CONV_TRANSPOSED"); v != "" {
		convTransposedMode, _ = strconv.Atoi(v)
		defer func() { convTransposedMode = 0 }()
	}
	rng := rand.New(rand.NewPCG(91, 92))
	for _, l := range []struct{ c, m, hw int }{{64, 256, 56}, {128, 512, 28}, {256, 1024, 14}, {512, 2048, 7}, {1024, 256, 14}, {2048, 512, 7}} {
		attrs := actAttrs(1, map[string]*ir.Attr{"pads": ints(0, 0, 0, 0), "strides": ints(1, 1), "group": ir.IntAttr(1)})
		c := refCase{Op: "FusedConv", Domain: "dlc", Attrs: attrs, Const: []bool{false, true, true, false},
			Inputs: []*ir.Tensor{randTensor(rng, 1, l.c, l.hw, l.hw), randTensor(rng, l.m, l.c, 1, 1), randTensor(rng, l.m),
				randTensor(rng, 1, l.m, l.hw, l.hw)}}
		flops := 2 * float64(l.c*l.m*l.hw*l.hw)
		b.Run(fmt.Sprintf("1x1_%dto%d_%d_res_relu", l.c, l.m, l.hw), func(b *testing.B) { benchKernel(b, c, flops) })
		c.Inputs = c.Inputs[:3]
		c.Const = c.Const[:3]
		b.Run(fmt.Sprintf("1x1_%dto%d_%d_relu", l.c, l.m, l.hw), func(b *testing.B) { benchKernel(b, c, flops) })
	}
}

// BenchmarkMatMul covers a BERT-base Linear layer, its batched attention
// products and the Gemm op of a classifier head.
func BenchmarkMatMul(b *testing.B) {
	rng := rand.New(rand.NewPCG(83, 84))
	cases := []struct {
		name  string
		c     refCase
		flops float64
	}{
		{"linear_128x768x768", refCase{Op: "MatMul", Inputs: []*ir.Tensor{randTensor(rng, 1, 128, 768), randTensor(rng, 768, 768)},
			Const: []bool{false, true}}, 2 * 128 * 768 * 768},
		{"linear_1x768x3072", refCase{Op: "MatMul", Inputs: []*ir.Tensor{randTensor(rng, 1, 1, 768), randTensor(rng, 768, 3072)},
			Const: []bool{false, true}}, 2 * 768 * 3072},
		{"ff1_gelu_128x768x3072", refCase{Op: "FusedMatMul", Domain: "dlc", Attrs: actAttrs(7, map[string]*ir.Attr{}),
			Inputs: []*ir.Tensor{randTensor(rng, 1, 128, 768), randTensor(rng, 768, 3072), randTensor(rng, 3072)},
			Const:  []bool{false, true, true}}, 2 * 128 * 768 * 3072},
		{"tiny_ff1_gelu_32x128x512", refCase{Op: "FusedMatMul", Domain: "dlc", Attrs: actAttrs(7, map[string]*ir.Attr{}),
			Inputs: []*ir.Tensor{randTensor(rng, 1, 32, 128), randTensor(rng, 128, 512), randTensor(rng, 512)},
			Const:  []bool{false, true, true}}, 2 * 32 * 128 * 512},
		{"bmm_12x128x64x128", refCase{Op: "MatMul", Inputs: []*ir.Tensor{randTensor(rng, 1, 12, 128, 64), randTensor(rng, 1, 12, 64, 128)}},
			2 * 12 * 128 * 64 * 128},
		{"gemm_1x2048x1000", refCase{Op: "Gemm", Attrs: map[string]*ir.Attr{"transB": ir.IntAttr(1)},
			Inputs: []*ir.Tensor{randTensor(rng, 1, 2048), randTensor(rng, 1000, 2048), randTensor(rng, 1000)},
			Const:  []bool{false, true, true}}, 2 * 2048 * 1000},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) { benchKernel(b, c.c, c.flops) })
	}
}

// BenchmarkAttention is one BERT-base self-attention (12 heads, 128
// tokens, head size 64) with an additive padding mask.
func BenchmarkAttention(b *testing.B) {
	rng := rand.New(rand.NewPCG(85, 86))
	for _, s := range []int{128, 384} {
		q := []int{1, 12, s, 64}
		c := refCase{Op: "Attention", Domain: "dlc", Inputs: []*ir.Tensor{randTensor(rng, q...), randTensor(rng, q...),
			randTensor(rng, q...), randTensor(rng, 1, 1, 1, s)}}
		b.Run(fmt.Sprintf("bert_s%d", s), func(b *testing.B) { benchKernel(b, c, 4*12*float64(s*s*64)) })
	}
}

// BenchmarkPool is ResNet's stem max pool and final global average pool,
// and the Fashion-MNIST CNN's first 2×2 max pool (batch 64).
func BenchmarkPool(b *testing.B) {
	rng := rand.New(rand.NewPCG(87, 88))
	mp := refCase{Op: "MaxPool", Attrs: map[string]*ir.Attr{"kernel_shape": ints(3, 3), "strides": ints(2, 2), "pads": ints(1, 1, 1, 1)},
		Inputs: []*ir.Tensor{randTensor(rng, 1, 64, 112, 112)}}
	b.Run("maxpool3x3s2_64_112", func(b *testing.B) { benchKernel(b, mp, 9*64*56*56) })
	mp2 := refCase{Op: "MaxPool", Attrs: map[string]*ir.Attr{"kernel_shape": ints(2, 2), "strides": ints(2, 2)},
		Inputs: []*ir.Tensor{randTensor(rng, 64, 32, 28, 28)}}
	b.Run("maxpool2x2s2_fashion_cnn", func(b *testing.B) { benchKernel(b, mp2, 4*64*32*14*14) })
	gp := refCase{Op: "GlobalAveragePool", Inputs: []*ir.Tensor{randTensor(rng, 1, 2048, 7, 7)}}
	b.Run("gap_2048_7", func(b *testing.B) { benchKernel(b, gp, 2048*49) })
}

// BenchmarkLSTM is a one-layer LSTM, batch 1, 64 steps, 256 inputs and
// 512 hidden units.
func BenchmarkLSTM(b *testing.B) {
	rng := rand.New(rand.NewPCG(89, 90))
	const seq, in, h = 64, 256, 512
	c := refCase{Op: "LSTM", Outputs: 3, Inputs: []*ir.Tensor{randTensor(rng, seq, 1, in), randTensor(rng, 1, 4*h, in),
		randTensor(rng, 1, 4*h, h), randTensor(rng, 1, 8*h)}, Const: []bool{false, true, true, true}}
	benchKernel(b, c, 2*seq*4*h*float64(in+h))
}

// benchThreads is DLC_BENCH_THREADS, or 0 (every core).
func benchThreads() int {
	n, _ := strconv.Atoi(os.Getenv("DLC_BENCH_THREADS"))
	return n
}
