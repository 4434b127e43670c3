package conformance

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strings"
)

// Expected maps "suite/test" to the reason it is known to fail.
type Expected map[string]string

// RandomTag starts the reason of a test whose outcome depends on random
// draws that cannot reproduce the test data's generator: it fails almost
// always but may pass by chance, so a pass is not reported as a fix.
const RandomTag = "[random]"

// Random reports whether the listed test is tagged RandomTag.
func (e Expected) Random(name string) bool {
	return strings.HasPrefix(e[name], RandomTag)
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

// Write stores the list sorted, with a header explaining it.
func (e Expected) Write(path string) error {
	names := make([]string, 0, len(e))
	for k := range e {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("# ONNX backend tests that dlc is known to fail, with the reason.\n")
	b.WriteString("# The conformance test fails when a test outside this list fails, and when a\n")
	b.WriteString("# listed test passes: fix a test, then delete its line. Regenerate with\n")
	b.WriteString("# `go test ./internal/conformance -update` (keeps existing reasons).\n")
	b.WriteString("# A reason starting with " + RandomTag + " marks a test of random draws that\n")
	b.WriteString("# passes only by chance: its pass is counted but not reported as a fix.\n")
	for _, n := range names {
		fmt.Fprintf(&b, "%s: %s\n", n, e[n])
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
