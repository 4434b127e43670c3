package data

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// CSVOptions says how LoadCSV reads a file.
type CSVOptions struct {
	// Header is HeaderAuto (the zero value: the first row is a header
	// when any of its fields is not a number), HeaderYes or HeaderNo.
	Header HeaderMode
	// LabelColumn is the 0-based index of the label column; negative
	// values count from the end (-1 is the last column).
	LabelColumn int
	// LabelName, when set, picks the label column by its header name and
	// overrides LabelColumn.
	LabelName string
	// Regression reads labels as float32 targets; otherwise they must be
	// non-negative integers and are class indices.
	Regression bool
	// NumClasses, when > 0, bounds class labels to [0, NumClasses); when 0
	// it is max(label)+1.
	NumClasses int
	// Comma is the field separator; 0 means ','.
	Comma rune
}

// HeaderMode says whether a CSV file starts with a header row.
type HeaderMode int

// The header modes.
const (
	HeaderAuto HeaderMode = iota
	HeaderYes
	HeaderNo
)

// LoadCSV reads a CSV file (gzip-compressed or plain) of numeric columns.
// Every column but the label column is a feature, so a sample has shape
// [columns-1]. Lines starting with '#' are comments. Errors name the file,
// line and column.
func LoadCSV(path string, opt CSVOptions) (*Memory, error) {
	src, err := openData(path)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	r := csv.NewReader(src)
	r.Comment = '#'
	r.ReuseRecord = true
	r.FieldsPerRecord = -1 // checked by csvReader, which names the line
	if opt.Comma != 0 {
		r.Comma = opt.Comma
	}
	rd := csvReader{path: path, opt: opt}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("%s:%d: column %d: %v", path, pe.Line, pe.Column, pe.Err)
			}
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		line, _ := r.FieldPos(0)
		if err := rd.row(rec, line); err != nil {
			return nil, err
		}
	}
	if rd.rows == 0 {
		return nil, fmt.Errorf("%s: no data rows", path)
	}
	shape := []int{rd.ncol - 1}
	if opt.Regression {
		return NewRegression(path, rd.x, shape, rd.targets, []int{})
	}
	return NewClassification(path, rd.x, shape, rd.classes, opt.NumClasses)
}

// csvReader accumulates the rows of one CSV file.
type csvReader struct {
	path    string
	opt     CSVOptions
	header  []string
	ncol    int // columns per row, fixed by the first row
	label   int // resolved label column
	rows    int
	x       []float32
	classes []int64
	targets []float32
}

func (c *csvReader) row(rec []string, line int) error {
	if c.ncol == 0 {
		if len(rec) < 2 {
			return fmt.Errorf("%s:%d: %d column(s); needs a label column and at least one feature", c.path, line, len(rec))
		}
		c.ncol = len(rec)
		isHeader := c.opt.Header == HeaderYes
		if c.opt.Header == HeaderAuto {
			for _, f := range rec {
				if _, err := parseNumber(f); err != nil {
					isHeader = true
				}
			}
		}
		if isHeader {
			c.header = make([]string, len(rec))
			for i, f := range rec {
				c.header[i] = strings.TrimSpace(f)
			}
		}
		if err := c.resolveLabel(line); err != nil {
			return err
		}
		if isHeader {
			return nil
		}
	}
	if len(rec) != c.ncol {
		return fmt.Errorf("%s:%d: %d columns, expected %d like the first row", c.path, line, len(rec), c.ncol)
	}
	for col, f := range rec {
		v, err := parseNumber(f)
		if err != nil {
			return fmt.Errorf("%s:%d: column %d%s: %q is not a finite number", c.path, line, col+1, c.colName(col), f)
		}
		if col != c.label {
			c.x = append(c.x, float32(v))
			continue
		}
		if c.opt.Regression {
			c.targets = append(c.targets, float32(v))
			continue
		}
		if v < 0 || v != math.Trunc(v) || v > math.MaxInt32 {
			return fmt.Errorf("%s:%d: column %d%s: class label %q is not a non-negative integer", c.path, line, col+1, c.colName(col), f)
		}
		if c.opt.NumClasses > 0 && int(v) >= c.opt.NumClasses {
			return fmt.Errorf("%s:%d: column %d%s: class label %q is outside [0, %d)", c.path, line, col+1, c.colName(col), f, c.opt.NumClasses)
		}
		c.classes = append(c.classes, int64(v))
	}
	c.rows++
	return nil
}

func (c *csvReader) resolveLabel(line int) error {
	if c.opt.LabelName != "" {
		if c.header == nil {
			return fmt.Errorf("%s:%d: label column %q named but the file has no header row", c.path, line, c.opt.LabelName)
		}
		for i, h := range c.header {
			if h == c.opt.LabelName {
				c.label = i
				return nil
			}
		}
		return fmt.Errorf("%s:%d: no column named %q in header %v", c.path, line, c.opt.LabelName, c.header)
	}
	c.label = c.opt.LabelColumn
	if c.label < 0 {
		c.label += c.ncol
	}
	if c.label < 0 || c.label >= c.ncol {
		return fmt.Errorf("%s:%d: label column %d is outside the %d columns", c.path, line, c.opt.LabelColumn, c.ncol)
	}
	return nil
}

// colName is ` ("name")` for a file with a header, empty otherwise.
func (c *csvReader) colName(col int) string {
	if c.header == nil {
		return ""
	}
	return fmt.Sprintf(" (%q)", c.header[col])
}

// parseNumber parses a finite number; NaN and infinities are rejected so
// they cannot reach training silently.
func parseNumber(f string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
	if err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
		err = errors.New("not finite")
	}
	return v, err
}
