package data

import (
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"
)

// snapshot is a deep copy of a batch, which the Loader will reuse.
type snapshot struct {
	x       []float32
	shape   []int
	classes []int64
	targets []float32
	indices []int
	epoch   int
	index   int
}

func snap(b *Batch) snapshot {
	return snapshot{slices.Clone(b.X), slices.Clone(b.Shape), slices.Clone(b.Classes), slices.Clone(b.Targets), slices.Clone(b.Indices), b.Epoch, b.Index}
}

// epochBatches starts epoch e and copies every batch.
func epochBatches(t *testing.T, l *Loader, e int) []snapshot {
	t.Helper()
	l.Epoch(e)
	var out []snapshot
	for b, ok := l.Next(); ok; b, ok = l.Next() {
		if b.N != len(b.Indices) || b.Shape[0] != b.N || len(b.X) != b.N*numel(b.Shape[1:]) {
			t.Fatalf("inconsistent batch: N %d, shape %v, %d values, %d indices", b.N, b.Shape, len(b.X), len(b.Indices))
		}
		out = append(out, snap(b))
	}
	return out
}

func equalSnaps(a, b []snapshot) bool {
	return slices.EqualFunc(a, b, func(p, q snapshot) bool {
		return slices.Equal(p.x, q.x) && slices.Equal(p.shape, q.shape) && slices.Equal(p.classes, q.classes) &&
			slices.Equal(p.targets, q.targets) && slices.Equal(p.indices, q.indices) && p.epoch == q.epoch && p.index == q.index
	})
}

func order(s []snapshot) []int {
	var o []int
	for _, b := range s {
		o = append(o, b.indices...)
	}
	return o
}

func newLoader(t *testing.T, ds Dataset, opt LoaderOptions) *Loader {
	t.Helper()
	l, err := NewLoader(ds, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

func TestLoaderBatchesAndEpochCoverage(t *testing.T) {
	m := toyImages(t, 10, []int{1, 2, 2}, 3)
	for _, drop := range []bool{false, true} {
		for _, pf := range []int{0, 2} {
			l := newLoader(t, m, LoaderOptions{BatchSize: 4, Shuffle: true, Seed: 9, DropLast: drop, Prefetch: pf})
			wantSizes := []int{4, 4, 2}
			if drop {
				wantSizes = wantSizes[:2]
			}
			if l.Len() != len(wantSizes) {
				t.Fatalf("drop=%v: Len %d", drop, l.Len())
			}
			for e := range 3 {
				bs := epochBatches(t, l, e)
				var sizes []int
				for k, b := range bs {
					sizes = append(sizes, len(b.indices))
					if b.epoch != e || b.index != k {
						t.Fatalf("batch %d of epoch %d labelled (%d, %d)", k, e, b.epoch, b.index)
					}
					for i, id := range b.indices {
						// toyImages: sample id's first value is 1000*id.
						if b.x[i*4] != float32(1000*id) || b.classes[i] != int64(id%3) {
							t.Fatalf("batch sample %d (index %d) has wrong features or label", i, id)
						}
					}
				}
				if !slices.Equal(sizes, wantSizes) {
					t.Fatalf("drop=%v epoch %d: batch sizes %v want %v", drop, e, sizes, wantSizes)
				}
				o := order(bs)
				slices.Sort(o)
				if !drop && !slices.Equal(o, identity(10)) {
					t.Fatalf("epoch %d did not visit every sample once: %v", e, o)
				}
				if drop && len(slices.Compact(o)) != 8 {
					t.Fatalf("epoch %d repeated samples: %v", e, o)
				}
			}
			if _, ok := l.Next(); ok {
				t.Fatal("Next after the end of an epoch returned a batch")
			}
		}
	}
}

func TestLoaderShuffleDeterminism(t *testing.T) {
	m := toyImages(t, 50, []int{1}, 5)
	orders := func(seed uint64, shuffle bool) [][]int {
		l := newLoader(t, m, LoaderOptions{BatchSize: 7, Shuffle: shuffle, Seed: seed})
		var out [][]int
		for e := range 3 {
			out = append(out, order(epochBatches(t, l, e)))
		}
		return out
	}
	a, b, c := orders(1, true), orders(1, true), orders(2, true)
	for e := range 3 {
		if !slices.Equal(a[e], b[e]) {
			t.Fatalf("epoch %d: same seed gave different orders", e)
		}
		if slices.Equal(a[e], c[e]) {
			t.Fatalf("epoch %d: seeds 1 and 2 gave the same order", e)
		}
		if slices.Equal(a[e], identity(50)) {
			t.Fatalf("epoch %d was not shuffled", e)
		}
	}
	if slices.Equal(a[0], a[1]) || slices.Equal(a[1], a[2]) {
		t.Fatal("consecutive epochs had the same order")
	}
	for e, o := range orders(1, false) {
		if !slices.Equal(o, identity(50)) {
			t.Fatalf("unshuffled epoch %d not in index order", e)
		}
	}
}

// pipeline is a realistic stack: split, normalize, CHW images, augmented.
func pipeline(t *testing.T) (Dataset, Augmenter) {
	m := toyImages(t, 203, []int{2, 4, 4}, 10)
	tr, _, err := Split(m, 0.1, 3)
	if err != nil {
		t.Fatal(err)
	}
	z, err := Normalize(tr, ComputeNorm(tr, 1e-3, true))
	if err != nil {
		t.Fatal(err)
	}
	return z, Compose{RandomCrop{Pad: 1}, RandomFlip{}}
}

func TestLoaderPrefetchMatchesSynchronousAndResume(t *testing.T) {
	ds, aug := pipeline(t)
	opt := LoaderOptions{BatchSize: 16, Shuffle: true, Seed: 77, Augment: aug}
	ref := newLoader(t, ds, opt)
	var want [][]snapshot
	for e := range 3 {
		want = append(want, epochBatches(t, ref, e))
	}
	if equalSnaps(want[1], want[2]) {
		t.Fatal("epochs 1 and 2 produced identical batches")
	}
	for _, pf := range []int{1, 2, 4} {
		opt.Prefetch = pf
		l := newLoader(t, ds, opt)
		for e := range 3 {
			if got := epochBatches(t, l, e); !equalSnaps(got, want[e]) {
				t.Fatalf("prefetch %d epoch %d differs from the synchronous loader", pf, e)
			}
		}
		// Resuming at epoch 2 in a fresh loader reproduces epoch 2.
		r := newLoader(t, ds, opt)
		if got := epochBatches(t, r, 2); !equalSnaps(got, want[2]) {
			t.Fatalf("prefetch %d: resumed epoch 2 differs", pf)
		}
		// Abandoning an epoch part way leaves the next one intact.
		r.Epoch(0)
		r.Next()
		r.Next()
		if got := epochBatches(t, r, 1); !equalSnaps(got, want[1]) {
			t.Fatalf("prefetch %d: epoch 1 after an abandoned epoch 0 differs", pf)
		}
		l.Close()
		if _, ok := l.Next(); ok {
			t.Fatal("Next after Close returned a batch")
		}
	}
}

func TestLoaderRegressionAndImplicitEpoch(t *testing.T) {
	x := []float32{0, 1, 2, 3, 4, 5}
	m, err := NewRegression("r", x, []int{2}, []float32{10, 11, 20, 21, 30, 31}, []int{2})
	if err != nil {
		t.Fatal(err)
	}
	l := newLoader(t, m, LoaderOptions{BatchSize: 2, Prefetch: 1})
	b, ok := l.Next() // starts epoch 0
	if !ok || b.Epoch != 0 || b.Classes != nil || !slices.Equal(b.Targets, []float32{10, 11, 20, 21}) || !slices.Equal(b.X, []float32{0, 1, 2, 3}) {
		t.Fatalf("first batch %+v", b)
	}
	b, _ = l.Next()
	if !slices.Equal(b.Targets, []float32{30, 31}) || !slices.Equal(b.Shape, []int{1, 2}) {
		t.Fatalf("last batch %+v", b)
	}
}

func TestLoaderCloseDoesNotLeak(t *testing.T) {
	ds, aug := pipeline(t)
	before := runtime.NumGoroutine()
	for range 20 {
		l, err := NewLoader(ds, LoaderOptions{BatchSize: 8, Shuffle: true, Prefetch: 2, Augment: aug})
		if err != nil {
			t.Fatal(err)
		}
		l.Next()
		l.Epoch(1) // restarts the producer
		l.Next()
		l.Close()
		l.Close() // idempotent
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines after Close, %d before", n, before)
	}
}

func TestLoaderSteadyStateDoesNotAllocate(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("allocation counts are not meaningful under -cover or -race")
	}
	m := toyImages(t, 4000, []int{1, 4, 4}, 10)
	tr, _, _ := Split(m, 0.1, 1)
	z, _ := Normalize(tr, Norm{Scale: ByteScale})
	for _, pf := range []int{0, 2} {
		l := newLoader(t, z, LoaderOptions{BatchSize: 4, Shuffle: true, Prefetch: pf, Augment: Compose{RandomCrop{Pad: 2}, RandomFlip{}}})
		l.Epoch(0)
		// 3600/4 = 900 batches: enough for the warm-up and 200 runs.
		if a := testing.AllocsPerRun(200, func() { l.Next() }); a != 0 {
			t.Errorf("prefetch %d: %v allocations per batch", pf, a)
		}
	}
}

// panicky is a Dataset whose Fill fails like a buggy implementation.
type panicky struct{ Dataset }

func (panicky) Fill([]int, []float32, []int64, []float32) { panic("broken dataset") }

func TestLoaderForwardsProducerPanic(t *testing.T) {
	l := newLoader(t, panicky{toyImages(t, 8, []int{2}, 2)}, LoaderOptions{BatchSize: 4, Prefetch: 1})
	defer func() {
		if r := recover(); r != "broken dataset" {
			t.Fatalf("recovered %v, want the producer's panic", r)
		}
	}()
	l.Next()
	t.Fatal("Next did not panic")
}

func TestLoaderOptionErrors(t *testing.T) {
	m := toyImages(t, 5, []int{6}, 2)
	cases := []struct {
		ds   Dataset
		opt  LoaderOptions
		frag string
	}{
		{m, LoaderOptions{}, "batch size 0"},
		{m, LoaderOptions{BatchSize: 2, Prefetch: -1}, "prefetch -1"},
		{m, LoaderOptions{BatchSize: 8, DropLast: true}, "5 samples, fewer than one batch of 8"},
		{m, LoaderOptions{BatchSize: 2, Augment: RandomFlip{}}, "random flip needs CHW or HW image samples, got shape 6"},
		{&view{m, nil}, LoaderOptions{BatchSize: 2}, "empty"},
	}
	for _, c := range cases {
		_, err := NewLoader(c.ds, c.opt)
		wantErr(t, err, c.frag)
	}
}

// BenchmarkLoader measures one batch of 64 Fashion-MNIST-sized images,
// normalized and augmented, with and without prefetching (the consumer does
// no work, so this is the loading cost alone).
func BenchmarkLoader(b *testing.B) {
	x := make([]float32, 4096*28*28)
	for i := range x {
		x[i] = float32(i % 256)
	}
	m, _ := NewClassification("bench", x, []int{28, 28}, make([]int64, 4096), 10)
	r, _ := Reshape(m, []int{1, 28, 28})
	z, _ := Normalize(r, Norm{Scale: ByteScale, Mean: []float32{0.286}, Std: []float32{0.353}})
	for _, pf := range []int{0, 2} {
		b.Run(fmt.Sprintf("prefetch=%d", pf), func(b *testing.B) {
			l, _ := NewLoader(z, LoaderOptions{BatchSize: 64, Shuffle: true, Prefetch: pf, Augment: Compose{RandomCrop{Pad: 2}, RandomFlip{}}})
			defer l.Close()
			e := 0
			for b.Loop() {
				if _, ok := l.Next(); !ok {
					e++
					l.Epoch(e)
				}
			}
		})
	}
}
