//go:build !race

package realmodels

const raceEnabled = false
