package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/reg"
)

// genCPUID emits the two instructions feature detection needs, so the
// package does not depend on golang.org/x/sys/cpu.
func genCPUID() {
	TEXT("cpuid", NOSPLIT, "func(leaf, sub uint32) (a, b, c, d uint32)")
	Load(Param("leaf"), EAX)
	Load(Param("sub"), ECX)
	CPUID()
	Store(EAX, Return("a"))
	Store(EBX, Return("b"))
	Store(ECX, Return("c"))
	Store(EDX, Return("d"))
	RET()

	TEXT("xgetbv0", NOSPLIT, "func() (a, d uint32)")
	XORL(ECX, ECX)
	XGETBV()
	Store(EAX, Return("a"))
	Store(EDX, Return("d"))
	RET()
}
