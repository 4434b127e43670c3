// Package parallel is dlc's intra-op worker pool: a fixed set of goroutines
// started once, which kernels hand index ranges to. No goroutine is spawned
// per op call and, in steady state, For allocates nothing.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Pool runs loop bodies on a fixed number of threads: the calling goroutine
// plus Threads()-1 workers. It is safe for concurrent use by several
// callers; their loops share the workers.
type Pool struct {
	threads int
	jobs    chan *job
	free    sync.Pool
}

// job is one For call: workers and the caller take indices from next until
// n is reached; done counts finished indices. held counts workers that were
// handed the job and have not let go of it: the job is recycled only when
// that reaches zero, so a late worker never sees the next call's fields.
type job struct {
	fn   func(i int)
	n    int64
	next atomic.Int64
	done atomic.Int64
	held atomic.Int64
	wake chan struct{}
	// panicked holds the first panic raised by fn on a worker, re-raised
	// on the caller so that the runtime's recover sees it.
	panicked atomic.Pointer[workerPanic]
}

type workerPanic struct{ v any }

// New starts a pool of threads threads (≤0: one per CPU). A pool of one
// thread runs every loop on the caller and starts no goroutine.
func New(threads int) *Pool {
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	p := &Pool{threads: threads, jobs: make(chan *job, 64)}
	p.free.New = func() any { return &job{wake: make(chan struct{}, 1)} }
	for i := 1; i < threads; i++ {
		go p.worker()
	}
	return p
}

// Serial is a pool of one thread, for callers that want no parallelism.
var Serial = New(1)

// Threads is the number of threads a loop may run on.
func (p *Pool) Threads() int {
	if p == nil {
		return 1
	}
	return p.threads
}

// For calls fn(i) for every i in [0, n), spread over the pool's threads,
// and returns when all calls have returned. Calls may run concurrently and
// in any order. fn should be created once (not per call) by callers that
// must not allocate: a closure that escapes here is heap-allocated.
func (p *Pool) For(n int, fn func(i int)) {
	if n <= 0 {
		return
	}
	if p == nil || p.threads == 1 || n == 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	j := p.free.Get().(*job)
	j.fn, j.n = fn, int64(n)
	j.next.Store(0)
	j.done.Store(0)
	helpers := min(p.threads-1, n-1)
	for h := 0; h < helpers; h++ {
		j.held.Add(1)
		select {
		case p.jobs <- j:
		default: // workers busy with other callers: run more of it here
			j.held.Add(-1)
		}
	}
	p.workGuarded(j) // a panic here too waits for the workers to let go
	p.await(j)
	j.fn = nil
	select {
	case <-j.wake:
	default:
	}
	if wp := j.panicked.Swap(nil); wp != nil {
		p.free.Put(j)
		panic(wp.v)
	}
	p.free.Put(j)
}

func (j *job) signal() {
	select {
	case j.wake <- struct{}{}:
	default: // a wake-up is already pending; the caller re-checks
	}
}

// work takes indices until none are left; the one that finishes the last
// index wakes the caller.
func (j *job) work() {
	for {
		i := j.next.Add(1) - 1
		if i >= j.n {
			return
		}
		j.fn(int(i))
		if j.done.Add(1) == j.n {
			j.signal()
		}
	}
}

// spinTime is how long an idle worker polls for the next job, and a caller
// for its loop's end, before parking. Waking a parked goroutine costs tens
// of microseconds on Linux, more than a typical kernel's loop takes, while
// the next job usually arrives within microseconds: inference issues loops
// back to back.
const spinTime = 100 * time.Microsecond

func (p *Pool) worker() {
	for {
		j := p.nextJob()
		if j == nil {
			return
		}
		p.runHeld(j)
	}
}

// nextJob polls the queue for spinTime, then blocks; nil once it is closed.
func (p *Pool) nextJob() *job {
	var deadline time.Time
	for i := 1; ; i++ {
		select {
		case j := <-p.jobs:
			return j
		default:
		}
		if i%64 == 0 {
			now := time.Now()
			if deadline.IsZero() {
				deadline = now.Add(spinTime)
			} else if now.After(deadline) {
				break
			}
			runtime.Gosched()
		}
	}
	return <-p.jobs
}

// finished reports whether every index ran and no worker holds j.
func (j *job) finished() bool { return j.done.Load() >= j.n && j.held.Load() == 0 }

// await spins for spinTime, then blocks, until j is finished. While it
// waits, the caller runs any queued job, its own included: a loop body
// that calls For hands off jobs that no other thread may be free to take.
func (p *Pool) await(j *job) {
	var deadline time.Time
	for i := 1; !j.finished(); i++ {
		select {
		case other := <-p.jobs:
			p.runHeld(other)
			continue
		default:
		}
		if i%64 != 0 {
			continue
		}
		now := time.Now()
		if deadline.IsZero() {
			deadline = now.Add(spinTime)
		} else if now.After(deadline) {
			for !j.finished() {
				select {
				case <-j.wake:
				case other := <-p.jobs:
					p.runHeld(other)
				}
			}
			return
		}
		runtime.Gosched()
	}
}

// runHeld runs a job taken from the queue, as a worker does.
func (p *Pool) runHeld(j *job) {
	p.workGuarded(j)
	if j.held.Add(-1) == 0 {
		j.signal()
	}
}

// workGuarded runs j's indices on a thread until none are left. A panic
// in fn is kept for the caller, the index it stopped on counts as done, and
// the thread goes on with the remaining indices so that the loop finishes.
func (p *Pool) workGuarded(j *job) {
	for !j.workRecovering() {
	}
}

// workRecovering runs work and reports whether it returned normally.
func (j *job) workRecovering() (finished bool) {
	defer func() {
		if r := recover(); r != nil {
			j.panicked.CompareAndSwap(nil, &workerPanic{r})
			if j.done.Add(1) == j.n {
				j.signal()
			}
		}
	}()
	j.work()
	return true
}
