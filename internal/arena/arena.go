// Package arena lays typed tensors over one aligned byte buffer: the
// memory of an execution context, shared by the runtime's plans and the
// code dlc compile generates.
package arena

import (
	"fmt"
	"unsafe"

	"github.com/dlc-go/dlc/ir"
)

// Align is the alignment of an arena and of every buffer in it: one cache
// line, and the width of an AVX-512 register, so vector kernels may use
// aligned loads on any buffer start.
const Align = 64

// Holds reports whether tensors of dt may live in a byte arena:
// fixed-size elements with no pointers (strings hold pointers the garbage
// collector must see, so they get their own slices).
func Holds(dt ir.DType) bool {
	switch dt {
	case ir.Float32, ir.Float64, ir.Float16, ir.BFloat16, ir.Uint16, ir.Int8, ir.Uint8,
		ir.Int16, ir.Int32, ir.Int64, ir.Uint32, ir.Uint64, ir.Bool:
		return true
	}
	return false
}

// New returns a zeroed byte slice of n bytes whose first byte is
// Align-aligned. It is allocated as []uint64 so the memory is typed
// pointer-free for the garbage collector.
func New(n int64) []byte {
	if n == 0 {
		return nil
	}
	words := make([]uint64, (n+2*Align)/8)
	b := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), len(words)*8)
	skip := int((Align - uintptr(unsafe.Pointer(&b[0]))%Align) % Align)
	return b[skip : skip+int(n) : skip+int(n)]
}

// View returns the n-element slice of dt's Go element type starting at
// buf[off]. Every type Holds accepts is pointer-free, so reinterpreting
// the bytes is safe for the garbage collector; the caller guarantees that
// &buf[off] is aligned for dt (arena offsets are multiples of Align).
func View(buf []byte, off int64, dt ir.DType, n int) any {
	if n == 0 {
		return ir.Zeros(dt, []int{0}).Data
	}
	size := int64(dt.Size())
	if off < 0 || off+int64(n)*size > int64(len(buf)) {
		panic(fmt.Sprintf("arena: buffer [%d,+%d) outside the %d-byte arena", off, int64(n)*size, len(buf)))
	}
	p := unsafe.Pointer(&buf[off])
	switch dt {
	case ir.Float32:
		return unsafe.Slice((*float32)(p), n)
	case ir.Float64:
		return unsafe.Slice((*float64)(p), n)
	case ir.Float16, ir.BFloat16, ir.Uint16:
		return unsafe.Slice((*uint16)(p), n)
	case ir.Int8:
		return unsafe.Slice((*int8)(p), n)
	case ir.Uint8:
		return unsafe.Slice((*uint8)(p), n)
	case ir.Int16:
		return unsafe.Slice((*int16)(p), n)
	case ir.Int32:
		return unsafe.Slice((*int32)(p), n)
	case ir.Int64:
		return unsafe.Slice((*int64)(p), n)
	case ir.Uint32:
		return unsafe.Slice((*uint32)(p), n)
	case ir.Uint64:
		return unsafe.Slice((*uint64)(p), n)
	case ir.Bool:
		return unsafe.Slice((*bool)(p), n)
	}
	panic("arena: dtype " + dt.String() + " cannot live in an arena")
}

// AlignUp rounds n up to a multiple of Align.
func AlignUp(n int64) int64 { return (n + Align - 1) &^ (Align - 1) }
