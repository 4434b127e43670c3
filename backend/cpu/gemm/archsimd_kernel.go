//go:build goexperiment.simd && amd64

package gemm

import (
	"simd/archsimd"
	"unsafe"
)

// kernSimd14x32 is kern_avx512_14 written with Go 1.26's experimental
// simd/archsimd instead of avo assembly, kept to compare the two (see the
// package doc and BenchmarkMicroKernel). Accumulators are separate locals:
// vectors kept in an array spill to memory. Same meaning as kernelGeneric
// with r = 14, nr = 32, packed B (row stride 32).
func kernSimd14x32(k int, a, b []float32, c []float32, ldc int, alpha, beta float32) {
	var (
		c00, c01   archsimd.Float32x16
		c10, c11   archsimd.Float32x16
		c20, c21   archsimd.Float32x16
		c30, c31   archsimd.Float32x16
		c40, c41   archsimd.Float32x16
		c50, c51   archsimd.Float32x16
		c60, c61   archsimd.Float32x16
		c70, c71   archsimd.Float32x16
		c80, c81   archsimd.Float32x16
		c90, c91   archsimd.Float32x16
		c100, c101 archsimd.Float32x16
		c110, c111 archsimd.Float32x16
		c120, c121 archsimd.Float32x16
		c130, c131 archsimd.Float32x16
	)
	a = a[:k*14]
	b = b[:k*32]
	for p := 0; p < k; p++ {
		b0 := archsimd.LoadFloat32x16((*[16]float32)(unsafe.Pointer(&b[p*32])))
		b1 := archsimd.LoadFloat32x16((*[16]float32)(unsafe.Pointer(&b[p*32+16])))
		ap := (*[14]float32)(unsafe.Pointer(&a[p*14]))
		x0 := archsimd.BroadcastFloat32x16(ap[0])
		c00 = x0.MulAdd(b0, c00)
		c01 = x0.MulAdd(b1, c01)
		x1 := archsimd.BroadcastFloat32x16(ap[1])
		c10 = x1.MulAdd(b0, c10)
		c11 = x1.MulAdd(b1, c11)
		x2 := archsimd.BroadcastFloat32x16(ap[2])
		c20 = x2.MulAdd(b0, c20)
		c21 = x2.MulAdd(b1, c21)
		x3 := archsimd.BroadcastFloat32x16(ap[3])
		c30 = x3.MulAdd(b0, c30)
		c31 = x3.MulAdd(b1, c31)
		x4 := archsimd.BroadcastFloat32x16(ap[4])
		c40 = x4.MulAdd(b0, c40)
		c41 = x4.MulAdd(b1, c41)
		x5 := archsimd.BroadcastFloat32x16(ap[5])
		c50 = x5.MulAdd(b0, c50)
		c51 = x5.MulAdd(b1, c51)
		x6 := archsimd.BroadcastFloat32x16(ap[6])
		c60 = x6.MulAdd(b0, c60)
		c61 = x6.MulAdd(b1, c61)
		x7 := archsimd.BroadcastFloat32x16(ap[7])
		c70 = x7.MulAdd(b0, c70)
		c71 = x7.MulAdd(b1, c71)
		x8 := archsimd.BroadcastFloat32x16(ap[8])
		c80 = x8.MulAdd(b0, c80)
		c81 = x8.MulAdd(b1, c81)
		x9 := archsimd.BroadcastFloat32x16(ap[9])
		c90 = x9.MulAdd(b0, c90)
		c91 = x9.MulAdd(b1, c91)
		x10 := archsimd.BroadcastFloat32x16(ap[10])
		c100 = x10.MulAdd(b0, c100)
		c101 = x10.MulAdd(b1, c101)
		x11 := archsimd.BroadcastFloat32x16(ap[11])
		c110 = x11.MulAdd(b0, c110)
		c111 = x11.MulAdd(b1, c111)
		x12 := archsimd.BroadcastFloat32x16(ap[12])
		c120 = x12.MulAdd(b0, c120)
		c121 = x12.MulAdd(b1, c121)
		x13 := archsimd.BroadcastFloat32x16(ap[13])
		c130 = x13.MulAdd(b0, c130)
		c131 = x13.MulAdd(b1, c131)
	}
	va, vb := archsimd.BroadcastFloat32x16(alpha), archsimd.BroadcastFloat32x16(beta)
	c = c[:13*ldc+32]
	storeTile(c[0*ldc+0:], c00, va, vb, beta)
	storeTile(c[0*ldc+16:], c01, va, vb, beta)
	storeTile(c[1*ldc+0:], c10, va, vb, beta)
	storeTile(c[1*ldc+16:], c11, va, vb, beta)
	storeTile(c[2*ldc+0:], c20, va, vb, beta)
	storeTile(c[2*ldc+16:], c21, va, vb, beta)
	storeTile(c[3*ldc+0:], c30, va, vb, beta)
	storeTile(c[3*ldc+16:], c31, va, vb, beta)
	storeTile(c[4*ldc+0:], c40, va, vb, beta)
	storeTile(c[4*ldc+16:], c41, va, vb, beta)
	storeTile(c[5*ldc+0:], c50, va, vb, beta)
	storeTile(c[5*ldc+16:], c51, va, vb, beta)
	storeTile(c[6*ldc+0:], c60, va, vb, beta)
	storeTile(c[6*ldc+16:], c61, va, vb, beta)
	storeTile(c[7*ldc+0:], c70, va, vb, beta)
	storeTile(c[7*ldc+16:], c71, va, vb, beta)
	storeTile(c[8*ldc+0:], c80, va, vb, beta)
	storeTile(c[8*ldc+16:], c81, va, vb, beta)
	storeTile(c[9*ldc+0:], c90, va, vb, beta)
	storeTile(c[9*ldc+16:], c91, va, vb, beta)
	storeTile(c[10*ldc+0:], c100, va, vb, beta)
	storeTile(c[10*ldc+16:], c101, va, vb, beta)
	storeTile(c[11*ldc+0:], c110, va, vb, beta)
	storeTile(c[11*ldc+16:], c111, va, vb, beta)
	storeTile(c[12*ldc+0:], c120, va, vb, beta)
	storeTile(c[12*ldc+16:], c121, va, vb, beta)
	storeTile(c[13*ldc+0:], c130, va, vb, beta)
	storeTile(c[13*ldc+16:], c131, va, vb, beta)
}

// kernSimd6x32 is the same loop on a 6×32 tile (12 accumulators), to see
// whether register pressure is what separates archsimd from avo.
func kernSimd6x32(k int, a, b []float32, c []float32, ldc int, alpha, beta float32) {
	var (
		c00, c01 archsimd.Float32x16
		c10, c11 archsimd.Float32x16
		c20, c21 archsimd.Float32x16
		c30, c31 archsimd.Float32x16
		c40, c41 archsimd.Float32x16
		c50, c51 archsimd.Float32x16
	)
	a = a[:k*6]
	b = b[:k*32]
	for p := 0; p < k; p++ {
		b0 := archsimd.LoadFloat32x16((*[16]float32)(unsafe.Pointer(&b[p*32])))
		b1 := archsimd.LoadFloat32x16((*[16]float32)(unsafe.Pointer(&b[p*32+16])))
		ap := (*[6]float32)(unsafe.Pointer(&a[p*6]))
		x0 := archsimd.BroadcastFloat32x16(ap[0])
		c00 = x0.MulAdd(b0, c00)
		c01 = x0.MulAdd(b1, c01)
		x1 := archsimd.BroadcastFloat32x16(ap[1])
		c10 = x1.MulAdd(b0, c10)
		c11 = x1.MulAdd(b1, c11)
		x2 := archsimd.BroadcastFloat32x16(ap[2])
		c20 = x2.MulAdd(b0, c20)
		c21 = x2.MulAdd(b1, c21)
		x3 := archsimd.BroadcastFloat32x16(ap[3])
		c30 = x3.MulAdd(b0, c30)
		c31 = x3.MulAdd(b1, c31)
		x4 := archsimd.BroadcastFloat32x16(ap[4])
		c40 = x4.MulAdd(b0, c40)
		c41 = x4.MulAdd(b1, c41)
		x5 := archsimd.BroadcastFloat32x16(ap[5])
		c50 = x5.MulAdd(b0, c50)
		c51 = x5.MulAdd(b1, c51)
	}
	va, vb := archsimd.BroadcastFloat32x16(alpha), archsimd.BroadcastFloat32x16(beta)
	c = c[:5*ldc+32]
	storeTile(c[0*ldc+0:], c00, va, vb, beta)
	storeTile(c[0*ldc+16:], c01, va, vb, beta)
	storeTile(c[1*ldc+0:], c10, va, vb, beta)
	storeTile(c[1*ldc+16:], c11, va, vb, beta)
	storeTile(c[2*ldc+0:], c20, va, vb, beta)
	storeTile(c[2*ldc+16:], c21, va, vb, beta)
	storeTile(c[3*ldc+0:], c30, va, vb, beta)
	storeTile(c[3*ldc+16:], c31, va, vb, beta)
	storeTile(c[4*ldc+0:], c40, va, vb, beta)
	storeTile(c[4*ldc+16:], c41, va, vb, beta)
	storeTile(c[5*ldc+0:], c50, va, vb, beta)
	storeTile(c[5*ldc+16:], c51, va, vb, beta)
}

// storeTile writes alpha·acc (+ beta·C) to 16 floats of C.
func storeTile(c []float32, acc, va, vb archsimd.Float32x16, beta float32) {
	p := (*[16]float32)(unsafe.Pointer(&c[:16][0]))
	if beta == 0 {
		acc.Mul(va).Store(p)
		return
	}
	acc.MulAdd(va, archsimd.LoadFloat32x16(p).Mul(vb)).Store(p)
}
