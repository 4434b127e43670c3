//go:build race

package runtime

// raceEnabled: the race detector adds allocations (and makes sync.Pool
// drop items), so allocation counts are not checked under it.
const raceEnabled = true
