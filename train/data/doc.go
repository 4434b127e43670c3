// Package data feeds training: it reads data sets from IDX, CSV and NPY
// files, splits and normalizes them, augments images, and batches them with
// a Loader that prepares the next batch while the caller trains on the
// current one.
//
// # Datasets
//
// A Dataset is an indexable set of samples. Every sample has the same
// feature shape (SampleShape) and one label, described by a LabelSpec:
// a class index (int64 in [0, NumClasses)) for classification, or a float32
// target tensor for regression. Features are always float32; readers convert
// the stored element type. Memory holds a whole data set in RAM; Subset,
// Split, Reshape and Normalize return views over another Dataset and copy
// nothing.
//
// Dataset.Fill copies a list of samples into caller-provided slices, so a
// training loop reuses the same buffers for every batch.
//
// # Readers
//
// LoadIDX reads an images file and a labels file in the IDX format of
// MNIST and Fashion-MNIST, gzip-compressed or plain (detected from the magic
// bytes). LoadCSV reads numeric columns with one label column. LoadNPY reads a
// features array and a labels array written by NumPy. Errors name the file
// and, where it applies, the record, line or column and the expected and
// actual shapes.
//
// # Loader
//
// A Loader yields the batches of one epoch at a time. Epoch e visits every
// sample exactly once, in an order that depends only on the seed and e, so a
// run resumed at epoch e sees the same order (and the same augmentation) as
// an uninterrupted one. With Prefetch > 0 a background goroutine fills the
// next batches into a small ring of reusable buffers while the caller
// computes. Batches returned by Next are owned by the Loader: a batch is
// valid only until the next call to Next, Epoch or Close, after which its
// buffers are reused. Close stops the background goroutine and waits for it.
package data
