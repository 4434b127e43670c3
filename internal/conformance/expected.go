package conformance

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/internal/atomicfile"
)

// Expected maps "suite/test" to the reason it is known to fail.
type Expected map[string]string

// Tags that start the reason of a listed test whose pass is not a fix:
// RandomTag for random draws that cannot reproduce the test data's
// generator (it passes only by chance), EnvTag for an outcome that depends
// on the machine.
const (
	RandomTag = "[random]"
	EnvTag    = "[env]"
)

// MayPass reports whether the listed test is tagged RandomTag or EnvTag.
func (e Expected) MayPass(name string) bool {
	return strings.HasPrefix(e[name], RandomTag) || strings.HasPrefix(e[name], EnvTag)
}

// Tally holds the outcomes of a run held against an expected-failures list.
type Tally struct {
	Expected   Expected
	Next       Expected // the list as -update writes it: known reasons kept
	Unexpected []string // "name: error" for failures outside the list
	Fixed      []string // listed tests that pass and are not tagged
}

// NewTally starts a tally against the list e.
func NewTally(e Expected) *Tally { return &Tally{Expected: e, Next: Expected{}} }

// Record adds the outcome of one test.
func (t *Tally) Record(name string, err error) {
	reason, listed := t.Expected[name]
	switch {
	case err == nil && listed && t.Expected.MayPass(name):
		t.Next[name] = reason
	case err == nil && listed:
		t.Fixed = append(t.Fixed, name)
	case err == nil:
	case listed:
		t.Next[name] = reason
	default:
		t.Next[name] = firstLine(err.Error())
		t.Unexpected = append(t.Unexpected, fmt.Sprintf("%s: %v", name, err))
	}
}

// Report fails tb once per unexpected failure and per listed test that
// passes now; file names the list for the message.
func (t *Tally) Report(tb testing.TB, file string) {
	tb.Helper()
	sort.Strings(t.Unexpected)
	sort.Strings(t.Fixed)
	for _, u := range t.Unexpected {
		tb.Errorf("unexpected failure: %s", u)
	}
	for _, f := range t.Fixed {
		tb.Errorf("%s passes now: remove it from %s", f, filepath.Base(file))
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// ReadExpected parses an expected-failures file: one "suite/test: reason"
// per line; blank lines and lines starting with # are ignored.
func ReadExpected(path string) (Expected, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := Expected{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		name, reason, ok := strings.Cut(text, ": ")
		if !ok || strings.TrimSpace(reason) == "" {
			return nil, fmt.Errorf("%s:%d: want \"suite/test: reason\"", path, line)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("%s:%d: %s listed twice", path, line, name)
		}
		out[name] = strings.TrimSpace(reason)
	}
	return out, sc.Err()
}

// Write stores the list sorted under header (comment lines explaining it),
// atomically.
func (e Expected) Write(path, header string) error {
	names := make([]string, 0, len(e))
	for k := range e {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(header)
	for _, n := range names {
		fmt.Fprintf(&b, "%s: %s\n", n, e[n])
	}
	return atomicfile.Write(path, []byte(b.String()), 0o644)
}
