package main

import (
	"bytes"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

type evexCase struct {
	op        evexOp
	dst, src1 int
	rm        evexRM
	k         int
}

// evexKnown are encodings produced by GNU as 2.42 (objdump -d) for the
// Intel-syntax lines in the comments.
var evexKnown = []struct {
	c     evexCase
	bytes string
}{
	// vdpbf16ps zmm0, zmm28, dword ptr [rsi]{1to16}
	{evexCase{opVDPBF16PS, 0, 28, memRM(6, 0, true), 0}, "62f21e505206"},
	// vdpbf16ps zmm27{k1}, zmm29, dword ptr [rsi+220]{1to16}
	{evexCase{opVDPBF16PS, 27, 29, memRM(6, 220, true), 1}, "62621651525e37"},
	// vdpbf16ps zmm13, zmm17, zmmword ptr [r12+64]
	{evexCase{opVDPBF16PS, 13, 17, memRM(12, 64, false), 0}, "62527640526c2401"},
	// vdpbf16ps zmm8, zmm9, zmmword ptr [r13]
	{evexCase{opVDPBF16PS, 8, 9, memRM(13, 0, false), 0}, "62523648524500"},
	// vdpbf16ps zmm31, zmm31, zmm31
	{evexCase{opVDPBF16PS, 31, 31, zmmRM(31), 0}, "6202064052ff"},
	// vdpbf16ps zmm1, zmm2, dword ptr [rax+1024]{1to16}
	{evexCase{opVDPBF16PS, 1, 2, memRM(0, 1024, true), 0}, "62f26e58528800040000"},
	// vcvtne2ps2bf16 zmm3{k2}, zmm18, zmm9
	{evexCase{opVCVTNE2PS2BF16, 3, 18, zmmRM(9), 2}, "62d26f4272d9"},
	// vcvtne2ps2bf16 zmm4, zmm5, zmmword ptr [rdi-8192]
	{evexCase{opVCVTNE2PS2BF16, 4, 5, memRM(7, -8192, false), 0}, "62f25748726780"},
	// vcvtneps2bf16 ymm7, zmm20
	{evexCase{opVCVTNEPS2BF16, 7, 0, zmmRM(20), 0}, "62b27e4872fc"},
	// vcvtneps2bf16 ymm25{k7}, dword ptr [r15+4]{1to16}
	{evexCase{opVCVTNEPS2BF16, 25, 0, memRM(15, 4, true), 7}, "62427e5f724f01"},
}

func TestEVEXKnown(t *testing.T) {
	for _, kc := range evexKnown {
		c := kc.c
		got := hex.EncodeToString(evexEncode(c.op, c.dst, c.src1, c.rm, c.k))
		if got != kc.bytes {
			t.Errorf("%s: got %s, want %s", evexIntel(c.op, c.dst, c.src1, c.rm, c.k), got, kc.bytes)
		}
	}
}

// TestEVEXAgainstGNUAs assembles a sweep of operands with GNU as (when
// installed) and compares every encoding.
func TestEVEXAgainstGNUAs(t *testing.T) {
	as, err1 := exec.LookPath("as")
	objdump, err2 := exec.LookPath("objdump")
	if err1 != nil || err2 != nil {
		t.Skip("GNU as or objdump not installed; TestEVEXKnown covers a fixed table")
	}
	var cases []evexCase
	for _, op := range []evexOp{opVDPBF16PS, opVCVTNE2PS2BF16, opVCVTNEPS2BF16} {
		for i := 0; i < 32; i++ {
			j, l, k := (i*7+3)%32, (i*13+5)%32, i%8
			cases = append(cases, evexCase{op, i, j, zmmRM(l), k})
			for _, disp := range []int32{0, 4, -4, 64, 220, 508, 512, -512, 4096, 1 << 20, -3} {
				for _, bcst := range []bool{false, true} {
					base := (i + int(disp&15)) % 16
					cases = append(cases, evexCase{op, i, j, memRM(base, disp, bcst), k})
				}
			}
		}
	}
	dir := t.TempDir()
	var src strings.Builder
	src.WriteString(".intel_syntax noprefix\n")
	for _, c := range cases {
		src.WriteString(evexIntel(c.op, c.dst, c.src1, c.rm, c.k) + "\n")
	}
	s, o := filepath.Join(dir, "t.s"), filepath.Join(dir, "t.o")
	if err := os.WriteFile(s, []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(as, "--64", "-o", o, s).CombinedOutput(); err != nil {
		t.Fatalf("as: %v\n%s", err, out)
	}
	out, err := exec.Command(objdump, "-d", "-w", o).Output()
	if err != nil {
		t.Fatalf("objdump: %v", err)
	}
	// Lines "   0:\t62 f2 1e 50 52 06 \tvdpbf16ps ..." (-w: one line each).
	line := regexp.MustCompile(`(?m)^\s*[0-9a-f]+:\t((?:[0-9a-f]{2} )+)\s*\t`)
	ms := line.FindAllStringSubmatch(string(out), -1)
	if len(ms) != len(cases) {
		t.Fatalf("objdump listed %d instructions, want %d", len(ms), len(cases))
	}
	for i, c := range cases {
		want, _ := hex.DecodeString(strings.ReplaceAll(ms[i][1], " ", ""))
		got := evexEncode(c.op, c.dst, c.src1, c.rm, c.k)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: got % x, as gives % x", evexIntel(c.op, c.dst, c.src1, c.rm, c.k), got, want)
		}
	}
	t.Logf("compared %d encodings with %s", len(cases), as)
}
