//go:build !amd64 || noasm || !gc

package cpu

import "github.com/dlc-go/dlc/backend/cpu/vec"

// dwTapsSIMD reports that this build has no assembly tap loop.
func dwTapsSIMD(vec.Level, []float32, []float32, []int, []float32, float32) bool { return false }

// dwSplit2SIMD reports that this build has no assembly split loop.
func dwSplit2SIMD(vec.Level, []float32, []float32, []float32) bool { return false }

// dwPlanesSIMD reports that this build has no depthwise plane routine.
func (t *win3) dwPlanesSIMD(vec.Level, []float32, []float32, []float32, []float32, int, int, int, float32, float32) bool {
	return false
}

// maxPlanesSIMD reports that this build has no max pool plane routine.
func (t *win3) maxPlanesSIMD(vec.Level, []float32, []float32, int, int) bool { return false }
