//go:build race

package cpu

// raceOn skips the allocation checks of checkElem: the race detector's
// instrumentation of the pool's synchronization allocates now and then.
const raceOn = true
