// Package report shows and records how training goes: a per-epoch
// [Progress] display, a [Metrics] CSV file with one row per epoch, and
// [Plot], which draws that file as loss and accuracy curves.
//
// Every epoch's measurements travel as one [Epoch] value, so what the
// display prints, the CSV stores and the plot draws are the same numbers.
package report
