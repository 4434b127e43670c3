package report

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/dlc-go/dlc/internal/atomicfile"
)

// columns is the header of a metrics file, in column order.
var columns = []string{
	"epoch", "step", "lr", "train_loss", "train_accuracy",
	"val_loss", "val_accuracy", "seconds", "samples_per_sec",
}

// Metrics appends one CSV row per epoch to a file. Every row is flushed
// and synced before Append returns, so a crash loses at most the epoch in
// progress.
type Metrics struct {
	f    *os.File
	path string
}

// OpenMetrics opens the metrics file at path for the epochs after epoch
// from, creating it with its header if it is missing or empty. Rows of
// later epochs, left by a run that went on past the checkpoint it is now
// resumed from, are removed first (the file is rewritten atomically); so a
// fresh run (from = 0) starts the file anew and a resumed run continues
// it. A file whose header is not a metrics header is an error and is left
// alone.
func OpenMetrics(path string, from int) (*Metrics, error) {
	rows, torn, err := readMetrics(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		keep := slices.DeleteFunc(slices.Clone(rows), func(e Epoch) bool { return e.Epoch > from })
		if len(keep) < len(rows) || torn {
			if err := atomicfile.Write(path, encode(keep), 0o644); err != nil {
				return nil, fmt.Errorf("metrics %s: %w", path, err)
			}
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	m := &Metrics{f: f, path: path}
	if st, err := f.Stat(); err != nil || st.Size() == 0 {
		if err == nil {
			err = m.write(strings.Join(columns, ",") + "\n")
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("metrics %s: %w", path, err)
		}
	}
	return m, nil
}

// Append adds e's row and syncs the file.
func (m *Metrics) Append(e Epoch) error {
	if err := m.write(row(e)); err != nil {
		return fmt.Errorf("metrics %s: %w", m.path, err)
	}
	return nil
}

func (m *Metrics) write(s string) error {
	if _, err := io.WriteString(m.f, s); err != nil {
		return err
	}
	return m.f.Sync()
}

// Close closes the file.
func (m *Metrics) Close() error { return m.f.Close() }

// encode writes a whole metrics file: the header, then rows.
func encode(rows []Epoch) []byte {
	var b bytes.Buffer
	b.WriteString(strings.Join(columns, ",") + "\n")
	for _, e := range rows {
		b.WriteString(row(e))
	}
	return b.Bytes()
}

// row formats one CSV line; NaN becomes an empty cell.
func row(e Epoch) string {
	num := func(v float64, fmt byte, prec int) string {
		if math.IsNaN(v) {
			return ""
		}
		return strconv.FormatFloat(v, fmt, prec, 64)
	}
	return strings.Join([]string{
		strconv.Itoa(e.Epoch), strconv.Itoa(e.Step), num(e.LR, 'g', -1),
		num(e.TrainLoss, 'g', 7), num(e.TrainAccuracy, 'g', 7),
		num(e.ValLoss, 'g', 7), num(e.ValAccuracy, 'g', 7),
		num(e.Seconds, 'f', 3), num(e.SamplesPerSec, 'f', 1),
	}, ",") + "\n"
}

// ReadMetrics reads every row of a metrics file written by [Metrics]; an
// empty cell reads as NaN. A last line without its newline is a row torn
// by a crash and is skipped. Errors name the file, line and column.
func ReadMetrics(path string) ([]Epoch, error) {
	rows, _, err := readMetrics(path)
	return rows, err
}

// readMetrics is ReadMetrics, also reporting whether a torn last line was
// skipped.
func readMetrics(path string) (rows []Epoch, torn bool, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, false, err
	}
	if i := bytes.LastIndexByte(data, '\n'); i >= 0 && i+1 < len(data) {
		data, torn = data[:i+1], true
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = len(columns)
	header, err := r.Read()
	if err == io.EOF {
		return nil, torn, nil
	}
	if err != nil || !slices.Equal(header, columns) {
		return nil, false, fmt.Errorf("%s: not a metrics file: want the header %s", path, strings.Join(columns, ","))
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, torn, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		e, err := parseRow(rec)
		if err != nil {
			return nil, false, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		rows = append(rows, e)
	}
}

// parseRow reads one record in column order.
func parseRow(rec []string) (Epoch, error) {
	var e Epoch
	var err error
	ints := []*int{&e.Epoch, &e.Step}
	floats := []*float64{&e.LR, &e.TrainLoss, &e.TrainAccuracy, &e.ValLoss, &e.ValAccuracy, &e.Seconds, &e.SamplesPerSec}
	for i, s := range rec {
		if i < len(ints) {
			*ints[i], err = strconv.Atoi(s)
		} else if s == "" {
			*floats[i-len(ints)] = math.NaN()
		} else {
			*floats[i-len(ints)], err = strconv.ParseFloat(s, 64)
		}
		if err != nil {
			return e, fmt.Errorf("%s: bad value %q", columns[i], s)
		}
	}
	return e, nil
}
