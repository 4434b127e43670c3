package cpu

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// convCase is one Conv configuration to check against the reference.
type convCase struct {
	n, c, m, h, w  int
	kh, kw         int
	sh, sw, dh, dw int
	pads           [4]int64
	group          int
	autoPad        string
	bias, constW   bool
}

func (cc convCase) String() string {
	return fmt.Sprintf("n%d_c%d_m%d_%dx%d_k%dx%d_s%d,%d_d%d,%d_p%v_g%d%s", cc.n, cc.c, cc.m, cc.h, cc.w,
		cc.kh, cc.kw, cc.sh, cc.sw, cc.dh, cc.dw, cc.pads, cc.group, cc.autoPad)
}

func (cc convCase) refCase(rng *rand.Rand) refCase {
	attrs := map[string]*ir.Attr{
		"strides":   ints(int64(cc.sh), int64(cc.sw)),
		"dilations": ints(int64(cc.dh), int64(cc.dw)),
		"group":     ir.IntAttr(int64(cc.group)),
	}
	if cc.autoPad != "" {
		attrs["auto_pad"] = ir.StringAttr(cc.autoPad)
	} else {
		attrs["pads"] = ints(cc.pads[:]...)
	}
	in := []*ir.Tensor{randTensor(rng, cc.n, cc.c, cc.h, cc.w), randTensor(rng, cc.m, cc.c/cc.group, cc.kh, cc.kw), nil}
	if cc.bias {
		in[2] = randTensor(rng, cc.m)
	}
	return refCase{Op: "Conv", Attrs: attrs, Inputs: in, Const: []bool{false, cc.constW, cc.constW}}
}

func TestConvMatchesRef(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var cases []convCase
	for _, k := range []int{1, 3, 5, 7} {
		for _, s := range []int{1, 2} {
			for _, p := range []int64{0, 1, int64(k / 2)} {
				cases = append(cases,
					convCase{n: 1, c: 3, m: 5, h: 7, w: 13, kh: k, kw: k, sh: s, sw: s, dh: 1, dw: 1, pads: [4]int64{p, p, p, p}, group: 1, bias: true, constW: true},
					convCase{n: 2, c: 4, m: 6, h: 9, w: 8, kh: k, kw: k, sh: s, sw: s, dh: 1, dw: 1, pads: [4]int64{p, 0, 0, p}, group: 2, bias: s == 1, constW: s == 2},
					convCase{n: 2, c: 5, m: 5, h: 7, w: 13, kh: k, kw: k, sh: s, sw: s, dh: 1, dw: 1, pads: [4]int64{p, p, p, p}, group: 5, bias: true, constW: true},
				)
			}
		}
	}
	cases = append(cases,
		convCase{n: 1, c: 3, m: 5, h: 13, w: 7, kh: 3, kw: 2, sh: 2, sw: 1, dh: 2, dw: 3, pads: [4]int64{1, 2, 0, 1}, group: 1, bias: true, constW: true},
		convCase{n: 1, c: 6, m: 6, h: 11, w: 12, kh: 3, kw: 3, sh: 1, sw: 2, dh: 2, dw: 1, pads: [4]int64{2, 1, 2, 1}, group: 6, bias: false, constW: false},
		convCase{n: 1, c: 4, m: 8, h: 7, w: 7, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pads: [4]int64{1, 1, 1, 1}, group: 4, bias: true, constW: true}, // multiplier 2
		convCase{n: 2, c: 5, m: 3, h: 7, w: 13, kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1, group: 1, autoPad: "SAME_UPPER", bias: true, constW: true},
		convCase{n: 1, c: 5, m: 5, h: 7, w: 13, kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1, group: 5, autoPad: "SAME_LOWER", bias: true, constW: true},
		convCase{n: 1, c: 5, m: 3, h: 8, w: 9, kh: 2, kw: 2, sh: 1, sw: 1, dh: 1, dw: 1, group: 1, autoPad: "VALID", constW: true},
		convCase{n: 1, c: 3, m: 4, h: 2, w: 3, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pads: [4]int64{1, 1, 1, 1}, group: 1},
		convCase{n: 1, c: 2, m: 2, h: 1, w: 2, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pads: [4]int64{1, 1, 1, 1}, group: 2},
		convCase{n: 1, c: 2, m: 2, h: 3, w: 1, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pads: [4]int64{3, 3, 3, 3}, group: 2},
	)
	for _, cc := range cases {
		c := cc.refCase(rng)
		forConvPaths(t, cc.String(), func(t *testing.T) { checkRef(t, c) })
	}
}

// convPathModes are the settings of convFilledMode and convTransposedMode
// under which the conv tests run: the explicit im2col path, the implicit
// one (scalar segment packing where the machine has no SIMD form), and
// the transposed implicit one.
var convPathModes = []struct {
	name               string
	filled, transposed int
}{{"im2col", -1, 0}, {"implicit", 1, -1}, {"transposed", 1, 1}}

// forConvPaths runs f as subtests named name/<path> under each of
// convPathModes.
func forConvPaths(t *testing.T, name string, f func(t *testing.T)) {
	t.Helper()
	defer func() { convFilledMode, convTransposedMode = 0, 0 }()
	for _, m := range convPathModes {
		convFilledMode, convTransposedMode = m.filled, m.transposed
		t.Run(name+"/"+m.name, f)
	}
}

// TestConvImplicitShapes covers what the small reference cases do not
// reach in the implicit paths: depths over one kc slice, outputs over
// several column chunks and row panels, partial panels, strides and
// dilations, groups, and the fused residual and activation.
func TestConvImplicitShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	cases := []convCase{
		{n: 1, c: 48, m: 20, h: 9, w: 11, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pads: [4]int64{1, 1, 1, 1}, group: 1, bias: true, constW: true},
		{n: 2, c: 8, m: 30, h: 41, w: 40, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pads: [4]int64{1, 1, 1, 1}, group: 1, bias: true, constW: true},
		{n: 1, c: 3, m: 33, h: 47, w: 45, kh: 7, kw: 7, sh: 2, sw: 2, dh: 1, dw: 1, pads: [4]int64{3, 3, 3, 3}, group: 1, bias: true, constW: true},
		{n: 1, c: 100, m: 29, h: 7, w: 7, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, group: 1, bias: true, constW: true},
		{n: 1, c: 40, m: 16, h: 15, w: 13, kh: 1, kw: 1, sh: 2, sw: 2, dh: 1, dw: 1, group: 1, bias: true, constW: true},
		{n: 1, c: 64, m: 32, h: 8, w: 9, kh: 3, kw: 2, sh: 1, sw: 2, dh: 2, dw: 1, pads: [4]int64{2, 0, 1, 1}, group: 2, bias: true, constW: true},
		{n: 1, c: 12, m: 18, h: 6, w: 37, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, group: 3, bias: false, constW: true},
		// Strided 1×1 convs (subsampled, then pointwise), uneven strides.
		{n: 2, c: 40, m: 70, h: 14, w: 13, kh: 1, kw: 1, sh: 2, sw: 3, dh: 1, dw: 1, group: 1, bias: true, constW: true},
		{n: 1, c: 20, m: 24, h: 9, w: 10, kh: 1, kw: 1, sh: 3, sw: 1, dh: 2, dw: 2, group: 2, bias: true, constW: true},
		{n: 1, c: 36, m: 64, h: 29, w: 29, kh: 1, kw: 1, sh: 2, sw: 2, dh: 1, dw: 1, group: 1, bias: false, constW: false},
	}
	for i, cc := range cases {
		c := cc.refCase(rng)
		forConvPaths(t, cc.String(), func(t *testing.T) { checkRef(t, c) })
		// The fused form, with a residual and an activation.
		oh := (cc.h+int(cc.pads[0]+cc.pads[2])-(cc.kh-1)*cc.dh-1)/cc.sh + 1
		ow := (cc.w+int(cc.pads[1]+cc.pads[3])-(cc.kw-1)*cc.dw-1)/cc.sw + 1
		f := c
		f.Op, f.Domain = "FusedConv", "dlc"
		f.Attrs = actAttrs(i+1, maps.Clone(c.Attrs))
		f.Inputs = append(slices.Clone(c.Inputs), randTensor(rng, cc.n, cc.m, oh, ow))
		f.Const = append(slices.Clone(c.Const), false)
		forConvPaths(t, cc.String()+"_fused", func(t *testing.T) { checkRef(t, f) })
	}
}

func TestConv1D(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, k := range []int{1, 3} {
		for _, s := range []int64{1, 2} {
			c := refCase{Op: "Conv",
				Attrs:  map[string]*ir.Attr{"pads": ints(1, 2), "strides": ints(s)},
				Inputs: []*ir.Tensor{randTensor(rng, 2, 3, 47), randTensor(rng, 4, 3, k), randTensor(rng, 4)},
				Const:  []bool{false, true, true}}
			forConvPaths(t, fmt.Sprintf("k%d_s%d", k, s), func(t *testing.T) { checkRef(t, c) })
		}
	}
}

func TestConvDeclines(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	c3 := refCase{Op: "Conv", Inputs: []*ir.Tensor{randTensor(rng, 1, 2, 3, 3, 3), randTensor(rng, 2, 2, 1, 1, 1)}}
	if !buildsNil(t, c3) {
		t.Errorf("3-D conv should be left to the reference kernel")
	}
}

// TestConvSharesPackedWeights checks that two kernels of one node (two
// execution contexts of a session) pack the weights once.
func TestConvSharesPackedWeights(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	c := convCase{n: 1, c: 4, m: 6, h: 5, w: 5, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, group: 2, constW: true}.refCase(rng)
	n := buildRefNode(t, c)
	defer func() { convFilledMode, convTransposedMode = 0, 0 }()
	for _, mode := range []int{-1, 1} { // weights packed as A, then as B
		convFilledMode, convTransposedMode = mode, mode
		env := testEnv()
		k1, k2, k3 := Build(n, env).(*convKernel), Build(n, env).(*convKernel), Build(n, testEnv()).(*convKernel)
		p1, p2, p3 := []any{}, []any{}, []any{}
		for grp := range 2 {
			if mode < 0 {
				p1, p2, p3 = append(p1, k1.packed[grp]), append(p2, k2.packed[grp]), append(p3, k3.packed[grp])
			} else {
				p1, p2, p3 = append(p1, k1.packedT[grp]), append(p2, k2.packedT[grp]), append(p3, k3.packedT[grp])
			}
		}
		if p1[0] != p2[0] || p1[1] != p2[1] || p1[0] == p1[1] {
			t.Errorf("mode %d: packed weights not shared per group across kernels: %v %v", mode, p1, p2)
		}
		if p3[0] == p1[0] {
			t.Errorf("mode %d: another session's cache returned the same packing", mode)
		}
	}
}

// TestConvTiledIm2col forces one output row per im2col tile, with the
// residual and bias epilogue that must follow the tile's columns.
func TestConvTiledIm2col(t *testing.T) {
	defer func(b int) { convColBudget = b }(convColBudget)
	convColBudget = 1
	rng := rand.New(rand.NewPCG(17, 18))
	for _, s := range []int64{1, 2} {
		for _, k := range []int{3, 5} {
			p := int64(k / 2)
			oh, ow := (9+2*int(p)-k)/int(s)+1, (13+2*int(p)-k)/int(s)+1
			rc := refCase{Op: "FusedConv", Domain: "dlc", Attrs: actAttrs(k, map[string]*ir.Attr{
				"pads": ints(p, p, p, p), "strides": ints(s, s)}),
				Inputs: []*ir.Tensor{randTensor(rng, 2, 3, 9, 13), randTensor(rng, 4, 3, k, k), randTensor(rng, 4),
					randTensor(rng, 2, 4, oh, ow)},
				Const: []bool{false, s == 1, true, false}}
			checkRef(t, rc)
			rc.Op, rc.Domain, rc.Inputs, rc.Attrs = "Conv", "", rc.Inputs[:3], map[string]*ir.Attr{"strides": ints(s, s)}
			checkRef(t, rc)
		}
	}
}

// TestUseTransposed pins the measured choices between the direct and the
// transposed implicit product on the 14×32 tile (see useTransposed).
func TestUseTransposed(t *testing.T) {
	cases := []struct {
		name            string
		n, kdim, m      int
		pointwise, want bool
	}{
		{"resnet 3x3 512 at 7x7", 49, 4608, 512, false, true},
		{"resnet 3x3 256 at 14x14", 196, 2304, 256, false, true},
		{"mbv2 1x1 320->1280 at 7x7", 49, 320, 1280, true, true},
		{"sqz 1x1 512->1000 at 13x13", 169, 512, 1000, true, true},
		{"mbv2 1x1 64->384 at 14x14", 196, 64, 384, true, false},
		{"sqz 1x1 384->48 at 13x13", 169, 384, 48, true, false},
		{"sqz 1x1 512->64 at 13x13", 169, 512, 64, true, false},
		{"resnet 3x3 64 at 56x56", 3136, 576, 64, false, false},
	}
	for _, c := range cases {
		if got := useTransposed(c.n, c.kdim, c.m, 14, 32, c.pointwise); got != c.want {
			t.Errorf("%s: useTransposed = %v, want %v", c.name, got, c.want)
		}
	}
}
