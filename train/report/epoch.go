package report

// Epoch is what one epoch of training measured. NaN marks a value that was
// not measured: the validation pair without a validation split, the
// accuracies for a loss that has none (mse, l1, huber).
type Epoch struct {
	// Epoch counts from 1.
	Epoch int
	// Step is the number of optimizer steps taken in the run so far.
	Step int
	// LR is the learning rate used during the epoch.
	LR float64

	TrainLoss, TrainAccuracy float64
	ValLoss, ValAccuracy     float64

	// Seconds is the epoch's wall time; SamplesPerSec its training
	// throughput.
	Seconds, SamplesPerSec float64
}
