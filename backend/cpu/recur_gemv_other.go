//go:build !amd64 || noasm || !gc

package cpu

import "github.com/dlc-go/dlc/backend/cpu/vec"

// recurPanelSIMD reports that this build has no assembly panel loop.
func recurPanelSIMD(vec.Level, []float32, []float32, []float32) bool { return false }
