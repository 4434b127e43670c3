package spec

import (
	"fmt"
	"regexp"
	"strconv"
)

// Error is one problem with a spec: where it is and what is wrong. Its
// text reads `spec.yaml:12: batch_size: must be at least 1, got 0`; the
// line is left out when the field has none (it is missing, or came from
// an override), and the file too for errors of [Spec.Set].
type Error struct {
	File string // spec file, "" for overrides
	Line int    // 1-based line in File, 0 when unknown
	Path string // YAML path of the field, like optimizer.lr
	// Text is the message after the location, starting with Path.
	Text string
}

func (e *Error) Error() string {
	switch {
	case e.File == "":
		return e.Text
	case e.Line > 0:
		return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Text
	}
	return e.File + ": " + e.Text
}

// yamlLine matches the position the YAML parser puts in its errors.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError rewrites a YAML parser error into the file:line: form.
func syntaxError(file string, err error) error {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Text: m[2]}
	}
	return fmt.Errorf("%s: %w", file, err)
}
