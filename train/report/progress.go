package report

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// Progress shows training progress on w, one epoch at a time. On a
// terminal it redraws a single bar line in place:
//
//	epoch 3/10 [=========>      ] 412/844 loss 0.4123 acc 0.853 1,532 samples/s ETA 0:12
//
// Anywhere else (a log file, a pipe) it prints that line without the bar
// at most once per tenth of the epoch, always including the last step.
// Either way [Progress.EndEpoch] ends the epoch with a summary line:
//
//	epoch 3/10: train loss 0.41 acc 0.853 | val loss 0.39 acc 0.861 | 14.2 s, 1,540 samples/s | lr 0.001
//
// A Progress is used from one goroutine. Write errors are ignored: the
// display must not stop training.
type Progress struct {
	w      io.Writer
	now    func() time.Time
	tty    bool
	epochs int

	epoch, steps int
	start        time.Time
	samples      int
	drawn        time.Time // TTY: when the bar was last drawn
	width        int       // TTY: length of the bar line on screen
	nextTenth    int       // not TTY: the tenth of the epoch to print at next
}

// Options adjusts a Progress.
type Options struct {
	// Now is the clock; nil means time.Now. Tests pass a fake one.
	Now func() time.Time
}

// redrawEvery limits how often a terminal bar is redrawn.
const redrawEvery = 100 * time.Millisecond

// barWidth is the number of characters between the bar's brackets.
const barWidth = 30

// NewProgress returns a display on w for a run of epochs epochs. It
// redraws in place when w is an *os.File on a character device.
func NewProgress(w io.Writer, epochs int, opt Options) *Progress {
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	return &Progress{w: w, now: now, tty: isTerminal(w), epochs: epochs}
}

// StartEpoch begins epoch (counting from 1), which has steps batches,
// and starts its clock.
func (p *Progress) StartEpoch(epoch, steps int) {
	p.epoch, p.steps = epoch, steps
	p.start = p.now()
	p.samples, p.width, p.nextTenth = 0, 0, 1
	p.drawn = time.Time{}
}

// Update reports that step batches and samples samples of the epoch are
// done, with the running mean loss and accuracy (NaN hides the accuracy).
func (p *Progress) Update(step, samples int, loss, acc float64) {
	p.samples = samples
	t := p.now()
	last := step >= p.steps
	if p.tty {
		if !last && !p.drawn.IsZero() && t.Sub(p.drawn) < redrawEvery {
			return
		}
		p.drawn = t
		line := p.status(step, loss, acc, t, true)
		pad := max(p.width-len(line), 0)
		p.width = len(line)
		fmt.Fprint(p.w, "\r"+line+strings.Repeat(" ", pad))
		return
	}
	if p.steps <= 0 || step*10 < p.nextTenth*p.steps {
		return
	}
	p.nextTenth = step*10/p.steps + 1
	fmt.Fprintln(p.w, p.status(step, loss, acc, t, false))
}

// status formats the progress line at time t.
func (p *Progress) status(step int, loss, acc float64, t time.Time, bar bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "epoch %d/%d ", p.epoch, p.epochs)
	if bar {
		b.WriteString("[" + drawBar(step, p.steps) + "] ")
	}
	fmt.Fprintf(&b, "%d/%d loss %.4f", step, p.steps, loss)
	if !math.IsNaN(acc) {
		fmt.Fprintf(&b, " acc %.3f", acc)
	}
	elapsed := t.Sub(p.start)
	if elapsed > 0 {
		fmt.Fprintf(&b, " %s samples/s", grouped(float64(p.samples)/elapsed.Seconds()))
	}
	if step > 0 {
		eta := time.Duration(float64(elapsed) * float64(p.steps-step) / float64(step))
		b.WriteString(" ETA " + clock(eta))
	}
	return b.String()
}

// drawBar fills barWidth characters in proportion to step/steps.
func drawBar(step, steps int) string {
	n := barWidth
	if steps > 0 && step < steps {
		n = barWidth * max(step, 0) / steps
	}
	if n >= barWidth {
		return strings.Repeat("=", barWidth)
	}
	return strings.Repeat("=", n) + ">" + strings.Repeat(" ", barWidth-n-1)
}

// EndEpoch prints e's summary line and returns e with Seconds and
// SamplesPerSec filled from the epoch's clock and the last Update where
// they are zero, so the caller can hand it on to [Metrics.Append].
func (p *Progress) EndEpoch(e Epoch) Epoch {
	if e.Seconds == 0 {
		e.Seconds = p.now().Sub(p.start).Seconds()
	}
	if e.SamplesPerSec == 0 && e.Seconds > 0 {
		e.SamplesPerSec = float64(p.samples) / e.Seconds
	}
	if p.tty && p.width > 0 {
		fmt.Fprintln(p.w)
	}
	fmt.Fprintln(p.w, summary(e, p.epochs))
	return e
}

// summary formats the end-of-epoch line.
func summary(e Epoch, epochs int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "epoch %d/%d: train %s", e.Epoch, epochs, lossAcc(e.TrainLoss, e.TrainAccuracy))
	if !math.IsNaN(e.ValLoss) || !math.IsNaN(e.ValAccuracy) {
		b.WriteString(" | val " + lossAcc(e.ValLoss, e.ValAccuracy))
	}
	fmt.Fprintf(&b, " | %.1f s, %s samples/s | lr %.4g", e.Seconds, grouped(e.SamplesPerSec), e.LR)
	return b.String()
}

// lossAcc formats "loss L acc A", leaving out an unmeasured accuracy.
func lossAcc(loss, acc float64) string {
	s := fmt.Sprintf("loss %.4g", loss)
	if !math.IsNaN(acc) {
		s += fmt.Sprintf(" acc %.3f", acc)
	}
	return s
}
