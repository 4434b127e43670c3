package cpu

import (
	"runtime"
	"sync/atomic"
	"time"

	"github.com/dlc-go/dlc/backend/cpu/parallel"
)

// recurSched runs the steps of a recurrence, each split into parts, on a
// pool with one pool.For for the whole sequence instead of one per step:
// a step is a few microseconds at batch 1, about what a For's hand-off
// costs. Threads claim parts of the current step (their own part first,
// so each core keeps streaming the same slice of the weights), and start
// on step s+1 only once every part of step s is done. A part goes to
// whichever thread claims it: a thread the OS has descheduled simply
// claims nothing, and the others finish its parts instead of waiting.
type recurSched struct {
	parts, steps int
	fn           func(part, step int) // run part of step (set once)
	body         func(t int)          // r.run, bound once for pool.For
	done         atomic.Int64         // parts finished, over all steps
	claims       []atomic.Int64       // claims[i]: steps of part i claimed
	// failed is set when a part panics, so that the other threads stop
	// waiting for a step that will never finish; the pool re-raises the
	// panic on the caller.
	failed atomic.Bool
}

// newRecurSched makes a scheduler of parts parts per step calling fn.
func newRecurSched(parts int, fn func(part, step int)) *recurSched {
	r := &recurSched{parts: parts, fn: fn, claims: make([]atomic.Int64, parts)}
	r.body = r.run
	return r
}

// runSteps runs fn(part, step) for every part of steps steps, step by
// step, and returns when all are done.
func (r *recurSched) runSteps(pool *parallel.Pool, steps int) {
	r.steps = steps
	r.done.Store(0)
	r.failed.Store(false)
	for i := range r.claims {
		r.claims[i].Store(0)
	}
	pool.For(min(r.parts, pool.Threads()), r.body)
}

// recurSpin is how long a thread polls for the previous step's end
// before it starts sleeping between polls: a part takes microseconds, so
// a longer wait means the thread running it was descheduled, and this
// one's CPU had better go to it (as parallel.Pool parks its waiters).
const recurSpin = 100 * time.Microsecond

// run is thread t's loop.
func (r *recurSched) run(t int) {
	defer func() {
		if v := recover(); v != nil {
			r.failed.Store(true)
			panic(v)
		}
	}()
	p := int64(r.parts)
	for s := int64(0); s < int64(r.steps); s++ {
		if !r.await(s * p) {
			return
		}
		for j := range r.parts {
			i := (t + j) % r.parts
			if r.claims[i].CompareAndSwap(s, s+1) {
				r.fn(i, int(s))
				r.done.Add(1)
			}
		}
	}
}

// await polls until n parts are done; false if a part failed instead.
func (r *recurSched) await(n int64) bool {
	var deadline time.Time
	for i := 1; r.done.Load() < n; i++ {
		if r.failed.Load() {
			return false
		}
		if i%256 != 0 {
			continue
		}
		now := time.Now()
		switch {
		case deadline.IsZero():
			deadline = now.Add(recurSpin)
		case now.After(deadline):
			time.Sleep(10 * time.Microsecond)
		default:
			runtime.Gosched()
		}
	}
	return true
}
