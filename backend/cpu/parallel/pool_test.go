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
