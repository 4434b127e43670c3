package report

import (
	"io"
	"os"
)

// isTerminal reports whether w is a character device such as a terminal,
// where a line can be redrawn in place with \r. Any other writer (a pipe,
// a file, a buffer) gets whole lines.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
