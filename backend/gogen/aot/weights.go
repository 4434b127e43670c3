package aot

import (
	"encoding/binary"
	"fmt"
	"unsafe"

	"github.com/dlc-go/dlc/internal/arena"
	"github.com/dlc-go/dlc/ir"
)

// maxElemAlign is the largest element size: with the blob's start aligned
// to it, every constant (at a multiple of arena.Align in the blob) is
// naturally aligned. Go does not align go:embed data further, and kernels
// ask no more of constants than natural alignment (only arena buffers are
// cache-line aligned).
const maxElemAlign = 8

// loadConsts returns a tensor per Const value, indexed like spec.Values
// (nil elsewhere). The blob holds each constant's little-endian bytes at
// its Offset, a multiple of arena.Align. When the embedded bytes are
// aligned and the machine is little-endian, the tensors are views of them
// — no copy, and read-only memory, which kernels never write (inputs are
// never modified). Otherwise the blob is copied once into an aligned
// buffer, byte-swapped on a big-endian machine.
func loadConsts(spec *Spec, weights string) (consts []*ir.Tensor, copied bool, err error) {
	var blob []byte
	if len(weights) > 0 {
		blob = unsafe.Slice(unsafe.StringData(weights), len(weights))
	}
	littleEndian := binary.NativeEndian.Uint16([]byte{1, 0}) == 1
	if len(blob) > 0 && (!littleEndian || uintptr(unsafe.Pointer(&blob[0]))%maxElemAlign != 0) {
		buf := arena.New(int64(len(blob)))
		copy(buf, blob)
		blob, copied = buf, true
		if !littleEndian {
			swapConsts(spec, blob)
		}
	}
	out := make([]*ir.Tensor, len(spec.Values))
	for i, v := range spec.Values {
		if v.Kind != Const {
			continue
		}
		if v.Init != nil {
			out[i] = v.Init
			continue
		}
		n, ok := ir.NumElements(v.Shape)
		if !ok || v.Offset%arena.Align != 0 || v.Offset+int64(n)*int64(v.DType.Size()) > int64(len(blob)) {
			return nil, false, fmt.Errorf("%s: constant %q: [%d,+%d×%d) is outside the %d-byte weights", spec.Model, v.Name, v.Offset, n, v.DType.Size(), len(blob))
		}
		out[i] = &ir.Tensor{DType: v.DType, Shape: v.Shape, Data: arena.View(blob, v.Offset, v.DType, n)}
	}
	return out, copied, nil
}

// swapConsts reverses the bytes of every element of every constant.
func swapConsts(spec *Spec, blob []byte) {
	for _, v := range spec.Values {
		size := v.DType.Size()
		if v.Kind != Const || v.Init != nil || size < 2 {
			continue
		}
		n, _ := ir.NumElements(v.Shape)
		b := blob[v.Offset : v.Offset+int64(n*size)]
		for e := 0; e < len(b); e += size {
			for i, j := e, e+size-1; i < j; i, j = i+1, j-1 {
				b[i], b[j] = b[j], b[i]
			}
		}
	}
}
