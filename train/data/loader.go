package data

import (
	"fmt"
	"math/rand/v2"
	"sync"
)

// LoaderOptions configures a Loader.
type LoaderOptions struct {
	// BatchSize is the number of samples per batch (> 0).
	BatchSize int
	// Shuffle visits samples in a random order each epoch; otherwise in
	// index order.
	Shuffle bool
	// Seed determines the shuffle and augmentation of every epoch.
	Seed uint64
	// DropLast drops a last batch smaller than BatchSize; otherwise it is
	// yielded with fewer samples.
	DropLast bool
	// Prefetch is the number of batches a background goroutine prepares
	// ahead of the caller; 0 fills each batch inside Next. 1 or 2 is
	// enough to hide loading behind a training step.
	Prefetch int
	// Augment, if set, transforms every sample after it is filled.
	Augment Augmenter
}

// Batch is one batch of samples. X holds N samples of the dataset's sample
// shape back to back; Shape is [N, sample shape...]. Classes (classification)
// or Targets (regression) hold the labels; the other is nil. Indices are the
// dataset indices of the samples. A Batch belongs to the Loader and is valid
// until the next call to Next, Epoch or Close.
type Batch struct {
	X       []float32
	Shape   []int
	Classes []int64
	Targets []float32
	Indices []int
	N       int
	// Epoch and Index place the batch: the Index-th batch of epoch Epoch.
	Epoch, Index int
}

// Loader yields the batches of a Dataset epoch by epoch. Call Epoch(e) to
// start epoch e (Next starts epoch 0 if no epoch was started), then Next
// until it returns false; Close when done. The order and augmentation of
// epoch e depend only on (Seed, e): a resumed run that starts at Epoch(e)
// sees exactly the batches an uninterrupted run would, with or without
// prefetching. A Loader is used by one goroutine; only its internal
// prefetch goroutine runs beside it, and that only reads the Dataset.
type Loader struct {
	ds     Dataset
	opt    LoaderOptions
	sample int // features per sample
	target int // target values per sample (regression)

	perm  []int // this epoch's sample order
	nb    int   // batches per epoch
	epoch int
	next  int // batches Next has returned this epoch

	bufs  []*Batch    // the ring: Prefetch+1 reusable batches
	free  chan *Batch // buffers the producer may fill
	ready chan *Batch // filled buffers in batch order
	done  chan struct{}
	wg    sync.WaitGroup
	cur   *Batch // the batch the caller holds
	fault any    // a panic in the prefetch goroutine, re-raised by Next

	pcg *rand.PCG // the producer's generator, reseeded per batch
	rng *rand.Rand

	started, closed bool
}

// NewLoader checks the options against ds and allocates the batch buffers.
func NewLoader(ds Dataset, opt LoaderOptions) (*Loader, error) {
	if opt.BatchSize <= 0 {
		return nil, fmt.Errorf("batch size %d must be positive", opt.BatchSize)
	}
	if opt.Prefetch < 0 {
		return nil, fmt.Errorf("prefetch %d must not be negative", opt.Prefetch)
	}
	n := ds.Len()
	if n == 0 {
		return nil, fmt.Errorf("data set is empty")
	}
	nb := (n + opt.BatchSize - 1) / opt.BatchSize
	if opt.DropLast {
		nb = n / opt.BatchSize
	}
	if nb == 0 {
		return nil, fmt.Errorf("data set has %d samples, fewer than one batch of %d, and the partial batch is dropped", n, opt.BatchSize)
	}
	if opt.Augment != nil {
		if err := opt.Augment.Check(ds.SampleShape()); err != nil {
			return nil, err
		}
	}
	l := &Loader{
		ds: ds, opt: opt, nb: nb,
		sample: numel(ds.SampleShape()),
		target: ds.Labels().Size(),
		perm:   make([]int, n),
		pcg:    rand.NewPCG(0, 0),
	}
	l.rng = rand.New(l.pcg)
	nbuf := opt.Prefetch + 1
	l.free = make(chan *Batch, nbuf)
	l.ready = make(chan *Batch, nbuf)
	for range nbuf {
		b := &Batch{
			X:       make([]float32, opt.BatchSize*l.sample),
			Shape:   append([]int{opt.BatchSize}, ds.SampleShape()...),
			Indices: make([]int, opt.BatchSize),
		}
		if ds.Labels().Regression {
			b.Targets = make([]float32, opt.BatchSize*l.target)
		} else {
			b.Classes = make([]int64, opt.BatchSize)
		}
		l.bufs = append(l.bufs, b)
		l.free <- b
	}
	return l, nil
}

// Len is the number of batches per epoch.
func (l *Loader) Len() int { return l.nb }

// Epoch starts epoch e, abandoning what is left of the current one. It
// invalidates the batch last returned by Next.
func (l *Loader) Epoch(e int) {
	if l.closed {
		return
	}
	l.stop()
	l.started, l.epoch, l.next = true, e, 0
	for i := range l.perm {
		l.perm[i] = i
	}
	if l.opt.Shuffle {
		l.pcg.Seed(epochSeed(l.opt.Seed, e), shuffleStream)
		shuffle(l.perm, l.rng)
	}
	if l.opt.Prefetch > 0 {
		l.done = make(chan struct{})
		l.wg.Add(1)
		go l.produce(e, l.done)
	}
}

// Next returns the next batch of the current epoch, or false when the epoch
// is over (or the Loader is closed). The batch is valid until the next call
// to Next, Epoch or Close; copy what must outlive it.
func (l *Loader) Next() (*Batch, bool) {
	if l.closed {
		return nil, false
	}
	if !l.started {
		l.Epoch(0)
	}
	if l.cur != nil && l.opt.Prefetch > 0 {
		l.free <- l.cur // never blocks: free has room for every buffer
	}
	l.cur = nil
	if l.next >= l.nb {
		return nil, false
	}
	var b *Batch
	if l.opt.Prefetch > 0 {
		b = <-l.ready
		if b == nil {
			panic(l.fault)
		}
	} else {
		b = l.bufs[0]
		l.fill(b, l.epoch, l.next)
	}
	l.cur = b
	l.next++
	return b, true
}

// Close stops the prefetch goroutine and waits for it to exit. Batches
// returned earlier become invalid. Close is idempotent.
func (l *Loader) Close() {
	if l.closed {
		return
	}
	l.stop()
	l.closed = true
}

// produce fills the batches of one epoch in order; it runs on the prefetch
// goroutine and exits after the last batch or when done closes.
func (l *Loader) produce(epoch int, done <-chan struct{}) {
	defer l.wg.Done()
	defer func() {
		if r := recover(); r != nil {
			// A panicking Dataset or Augmenter is a bug; hand it to
			// the caller's goroutine instead of crashing this one.
			// ready has room: this goroutine holds a buffer.
			l.fault = r
			l.ready <- nil
		}
	}()
	for k := range l.nb {
		var b *Batch
		select {
		case b = <-l.free:
		case <-done:
			return
		}
		l.fill(b, epoch, k)
		l.ready <- b // never blocks: ready has room for every buffer
	}
}

// fill prepares batch k of an epoch into b.
func (l *Loader) fill(b *Batch, epoch, k int) {
	bs := l.opt.BatchSize
	idx := l.perm[k*bs : min((k+1)*bs, len(l.perm))]
	n := len(idx)
	b.N, b.Epoch, b.Index = n, epoch, k
	b.Shape[0] = n
	b.X = b.X[:n*l.sample]
	b.Indices = append(b.Indices[:0], idx...)
	if b.Classes != nil {
		b.Classes = b.Classes[:n]
	}
	if b.Targets != nil {
		b.Targets = b.Targets[:n*l.target]
	}
	l.ds.Fill(idx, b.X, b.Classes, b.Targets)
	if l.opt.Augment == nil {
		return
	}
	// Seeding per batch keeps batch k's augmentation independent of
	// which goroutine fills it and of whether earlier batches were drawn.
	l.pcg.Seed(mix(epochSeed(l.opt.Seed, epoch), augmentStream), uint64(k))
	shape := l.ds.SampleShape()
	for i := range n {
		l.opt.Augment.Augment(b.X[i*l.sample:(i+1)*l.sample], shape, l.rng)
	}
}

// stop ends the prefetch goroutine, if any, and returns every buffer to
// the free list.
func (l *Loader) stop() {
	if l.done != nil {
		close(l.done)
		l.wg.Wait()
		l.done = nil
	}
	for len(l.ready) > 0 {
		<-l.ready
	}
	for len(l.free) > 0 {
		<-l.free
	}
	for _, b := range l.bufs {
		l.free <- b
	}
	l.cur = nil
}

// BatchShape is the shape of a full batch: [BatchSize, sample shape...].
func (l *Loader) BatchShape() []int {
	return append([]int{l.opt.BatchSize}, l.ds.SampleShape()...)
}
