//go:build amd64 && !noasm && gc

package cpu

import "github.com/dlc-go/dlc/backend/cpu/vec"

// recurPanelSIMD runs recurPanelGo's assembly loop for level l and reports
// whether there is one. len(g) is a panel width, len(x) = k ≥ 1 and
// len(r) = k·len(g) (checked by the caller).
func recurPanelSIMD(l vec.Level, x, r, g []float32) bool {
	switch l {
	case vec.AVX512:
		recurPanelAVX512(len(x), &x[0], &r[0], &g[0], len(g))
	case vec.AVX2:
		recurPanelAVX2(len(x), &x[0], &r[0], &g[0], len(g))
	default:
		return false
	}
	return true
}
