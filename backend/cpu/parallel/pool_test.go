package parallel

import (
	"sync"
	"sync/atomic"
	"testing"
)

func TestForVisitsEveryIndexOnce(t *testing.T) {
	for _, threads := range []int{1, 2, 3, 8} {
		p := New(threads)
		for _, n := range []int{0, 1, 2, 7, 100, 1000} {
			counts := make([]atomic.Int32, n)
			p.For(n, func(i int) { counts[i].Add(1) })
			for i := range counts {
				if c := counts[i].Load(); c != 1 {
					t.Fatalf("threads %d n %d: index %d ran %d times", threads, n, i, c)
				}
			}
		}
	}
}

func TestForConcurrentCallers(t *testing.T) {
	p := New(4)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < 200; r++ {
				var sum atomic.Int64
				p.For(37, func(i int) { sum.Add(int64(i)) })
				if s := sum.Load(); s != 37*36/2 {
					t.Errorf("sum %d", s)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestForDoesNotAllocate(t *testing.T) {
	p := New(2)
	var sum atomic.Int64
	fn := func(i int) { sum.Add(int64(i)) }
	p.For(16, fn) // warm the job pool
	if a := testing.AllocsPerRun(100, func() { p.For(16, fn) }); a != 0 {
		t.Errorf("For allocates %.1f times per call", a)
	}
}

func TestWorkerPanicReachesCaller(t *testing.T) {
	p := New(2)
	for r := 0; r < 50; r++ {
		func() {
			defer func() {
				if v := recover(); v != "boom" {
					t.Fatalf("recovered %v, want boom", v)
				}
			}()
			p.For(8, func(i int) {
				if i%2 == 1 {
					panic("boom")
				}
			})
			t.Fatal("For returned without panicking")
		}()
	}
	// The pool still works afterwards.
	var n atomic.Int32
	p.For(10, func(int) { n.Add(1) })
	if n.Load() != 10 {
		t.Fatalf("after panics: %d calls, want 10", n.Load())
	}
}

func TestCallerPanicWaitsForWorkers(t *testing.T) {
	p := New(2)
	var running atomic.Int32
	func() {
		defer func() { recover() }()
		p.For(64, func(i int) {
			running.Add(1)
			defer running.Add(-1)
			if i == 0 {
				panic("first")
			}
		})
	}()
	if r := running.Load(); r != 0 {
		t.Fatalf("%d calls still running after For panicked", r)
	}
}

// A loop body may itself call For on the same pool: the inner loop's
// queued hand-offs are taken by whichever thread waits, so it cannot
// deadlock with every thread busy in the outer loop.
func TestNestedFor(t *testing.T) {
	for _, threads := range []int{2, 3} {
		p := New(threads)
		for r := 0; r < 200; r++ {
			var sum atomic.Int64
			p.For(4, func(i int) {
				p.For(5, func(k int) { sum.Add(int64(i*10 + k)) })
			})
			if s := sum.Load(); s != 4*(0+1+2+3+4)+10*5*(0+1+2+3) {
				t.Fatalf("threads %d: sum %d", threads, s)
			}
		}
	}
}
