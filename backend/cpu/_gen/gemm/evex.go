package main

import (
	"fmt"
	"strings"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/ir"
	"github.com/mmcloughlin/avo/reg"
)

// Neither avo v0.5.0 nor the Go assembler knows the AVX512_BF16
// instructions, so they are emitted as BYTE lines by a small EVEX encoder
// (Intel SDM vol. 2, 2.7). It covers what the kernels need: 512-bit
// forms of opcode map 0F38 with zmm operands, a memory operand [base +
// disp] with an optional {1to16} dword broadcast, and an opmask. Their
// operands are physical registers: the allocator cannot see inside BYTE
// lines, so functions using them allocate no virtual registers.

// evexOp is an opcode of map 0F38 with its implied prefix (pp: 0 none,
// 1 66, 2 F3, 3 F2) and EVEX.W.
type evexOp struct {
	name   string
	pp, w  byte
	opcode byte
	noVVVV bool // one-source form: EVEX.vvvv is 1111
}

var (
	// VDPBF16PS zmm1{k}, zmm2, zmm3/m512/m32bcst: for each dword lane j,
	// zmm1[j] += zmm2.hi·zmm3.hi, then += zmm2.lo·zmm3.lo (bf16 halves).
	opVDPBF16PS = evexOp{name: "VDPBF16PS", pp: 2, opcode: 0x52}
	// VCVTNE2PS2BF16 zmm1{k}, zmm2, zmm3/m512/m32bcst: words 0–15 of zmm1
	// from zmm3, 16–31 from zmm2.
	opVCVTNE2PS2BF16 = evexOp{name: "VCVTNE2PS2BF16", pp: 3, opcode: 0x72}
	// VCVTNEPS2BF16 ymm1{k}, zmm2/m512/m32bcst.
	opVCVTNEPS2BF16 = evexOp{name: "VCVTNEPS2BF16", pp: 2, opcode: 0x72, noVVVV: true}
)

// evexRM is the ModRM.rm operand: vector register reg, or (mem) the
// memory at [base + disp], broadcast from one dword when bcst.
type evexRM struct {
	mem  bool
	reg  int // vector register 0–31 (mem false)
	base int // general register 0–15 (mem true)
	disp int32
	bcst bool
}

func zmmRM(r int) evexRM { return evexRM{reg: r} }

func memRM(base int, disp int32, bcst bool) evexRM {
	return evexRM{mem: true, base: base, disp: disp, bcst: bcst}
}

// evexEncode returns the bytes of op dst{k}, src1, rm (src1 is ignored by
// one-source ops); k = 0 means no opmask. All operands are 512 bits.
func evexEncode(op evexOp, dst, src1 int, rm evexRM, k int) []byte {
	if dst < 0 || dst > 31 || src1 < 0 || src1 > 31 || k < 0 || k > 7 {
		panic(fmt.Sprintf("evex: %s: register out of range", op.name))
	}
	inv := func(bit int) byte { return byte(^bit & 1) }
	var x, b, vvvv, v int
	if !op.noVVVV {
		vvvv, v = src1&15, src1>>4
	}
	var rmBits byte
	if rm.mem {
		if rm.base < 0 || rm.base > 15 {
			panic("evex: base register out of range")
		}
		b = rm.base >> 3
		rmBits = byte(rm.base & 7)
	} else {
		if rm.reg < 0 || rm.reg > 31 {
			panic("evex: register out of range")
		}
		b, x = rm.reg>>3&1, rm.reg>>4
		rmBits = byte(rm.reg & 7)
	}
	p0 := inv(dst>>3&1)<<7 | inv(x)<<6 | inv(b)<<5 | inv(dst>>4)<<4 | 2 // mmm = 0F38
	p1 := op.w<<7 | byte(^vvvv&15)<<3 | 1<<2 | op.pp
	p2 := byte(2)<<5 | inv(v)<<3 | byte(k) // L'L = 10: 512 bits
	if rm.mem && rm.bcst {
		p2 |= 1 << 4
	}
	out := []byte{0x62, p0, p1, p2, op.opcode}
	reg := byte(dst&7) << 3
	if !rm.mem {
		return append(out, 3<<6|reg|rmBits)
	}
	// Displacements are disp8·N where they fit: N is the memory operand's
	// size, 4 for a dword broadcast, 64 for a full vector.
	n := int32(64)
	if rm.bcst {
		n = 4
	}
	var mod byte
	var disp []byte
	switch {
	case rm.disp == 0 && rmBits != 5: // [rbp]/[r13] need a displacement
	case rm.disp%n == 0 && rm.disp/n >= -128 && rm.disp/n <= 127:
		mod, disp = 1, []byte{byte(int8(rm.disp / n))}
	default:
		d := uint32(rm.disp)
		mod, disp = 2, []byte{byte(d), byte(d >> 8), byte(d >> 16), byte(d >> 24)}
	}
	out = append(out, mod<<6|reg|rmBits)
	if rmBits == 4 { // [rsp]/[r12] need a SIB byte
		out = append(out, 0x24)
	}
	return append(out, disp...)
}

// evexIntel is the instruction in Intel syntax, for the comment above its
// bytes.
func evexIntel(op evexOp, dst, src1 int, rm evexRM, k int) string {
	var s strings.Builder
	if op.noVVVV {
		fmt.Fprintf(&s, "%s ymm%d", strings.ToLower(op.name), dst)
	} else {
		fmt.Fprintf(&s, "%s zmm%d", strings.ToLower(op.name), dst)
	}
	if k != 0 {
		fmt.Fprintf(&s, "{k%d}", k)
	}
	if !op.noVVVV {
		fmt.Fprintf(&s, ", zmm%d", src1)
	}
	if !rm.mem {
		fmt.Fprintf(&s, ", zmm%d", rm.reg)
		return s.String()
	}
	size := "zmmword"
	if rm.bcst {
		size = "dword"
	}
	fmt.Fprintf(&s, ", %s ptr [%s", size, gpr64Intel[rm.base])
	if rm.disp != 0 {
		fmt.Fprintf(&s, "%+d", rm.disp)
	}
	s.WriteString("]")
	if rm.bcst {
		s.WriteString("{1to16}")
	}
	return s.String()
}

var gpr64Intel = [16]string{"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"}

// rawEVEX emits op as a commented line of BYTE directives. The operands
// are avo physical registers: zmm for dst, src1 and rm.reg, a 64-bit
// general register for rm's base (pass rm.base as gpr).
func rawEVEX(op evexOp, dst, src1 reg.VecPhysical, rm evexRM, k reg.Physical) {
	kn := 0
	if k != nil {
		kn = int(k.PhysicalIndex())
	}
	s1 := 0
	if src1 != nil {
		s1 = int(src1.PhysicalIndex())
	}
	d := int(dst.PhysicalIndex())
	code := evexEncode(op, d, s1, rm, kn)
	bs := make([]string, len(code))
	for i, c := range code {
		bs[i] = fmt.Sprintf("BYTE $0x%02x", c)
	}
	Comment(evexIntel(op, d, s1, rm, kn))
	// One line; avo prints an operand-less instruction's opcode verbatim.
	Instruction(&ir.Instruction{Opcode: strings.Join(bs, "; ")})
}

// gpr is the encoding number of a physical general register.
func gpr(r reg.Register) int { return int(r.(reg.Physical).PhysicalIndex()) }
