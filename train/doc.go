// Package train trains models by compiling the training step into the IR:
// the forward graph, the loss (train/loss), the gradients (train/autodiff)
// and the optimizer update (train/optim) become one graph that a runtime
// session plans and runs like any other — same passes, same arena, same
// kernels. Parameters, optimizer state and running statistics are graph
// inputs whose updated values are graph outputs; the trainer keeps two
// buffers of each and swaps them after every step, so a step allocates
// nothing.
//
// # Pieces
//
// A Model (model.go) is what is trained: its training- and inference-mode
// graphs and the names of its parameters, running statistics and dropout
// masks; FromONNX and the DSL (frontend/dsl) make one. Trainer (trainer.go)
// builds the step and runs epochs; Schedule (schedule.go) sets the learning
// rate; checkpoints (checkpoint.go) save and restore everything a resumed
// run needs.
package train
