package conformance

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the expected-failures file from this run")

const expectedFile = "../../testdata/conformance/expected_failures.txt"

// ownSuite is the models dlc builds itself (internal/cmd/genmodels), run as
// one more suite named "dlc".
const ownSuite, ownRoot = "dlc", "../../testdata/onnx"

// suites are the folders of libonnx-testdata that dlc runs.
var suites = []string{"node", "simple", "pytorch-operator", "pytorch-converted"}

func dataRoot() string {
	if d := os.Getenv("DLC_ONNX_TESTDATA"); d != "" {
		return d
	}
	return "/usr/share/libonnx-testdata/data"
}

type outcome struct {
	name string
	err  error
}

// TestONNXBackend runs every case of every suite and compares the failures
// with the expected-failures list. DLC_CONFORMANCE_RUN (a regexp on
// "suite/test") narrows the run.
func TestONNXBackend(t *testing.T) {
	root := dataRoot()
	if _, err := os.Stat(root); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("ONNX test data not found at %s (apt-get install libonnx-testdata)", root)
		}
		t.Skipf("ONNX test data not found at %s", root)
	}
	var filter *regexp.Regexp
	if f := os.Getenv("DLC_CONFORMANCE_RUN"); f != "" {
		filter = regexp.MustCompile(f)
	}
	expected, err := ReadExpected(expectedFile)
	if err != nil {
		t.Fatal(err)
	}
	var cases []string
	dirs := map[string]string{} // case name -> folder
	add := func(suite, folder string) {
		entries, _ := os.ReadDir(folder)
		for _, d := range entries {
			name := suite + "/" + d.Name()
			if d.IsDir() && (filter == nil || filter.MatchString(name)) {
				cases = append(cases, name)
				dirs[name] = filepath.Join(folder, d.Name())
			}
		}
	}
	for _, s := range suites {
		add(s, filepath.Join(root, s))
	}
	add(ownSuite, ownRoot)
	results := runAll(dirs, cases)

	passed := map[string]int{}
	total := map[string]int{}
	failures := Expected{}
	var unexpected, fixed []string
	for _, r := range results {
		suite := strings.SplitN(r.name, "/", 2)[0]
		total[suite]++
		reason, listed := expected[r.name]
		if r.err == nil {
			passed[suite]++
			if listed && !expected.Random(r.name) {
				fixed = append(fixed, r.name)
			}
			if listed && expected.Random(r.name) {
				failures[r.name] = reason // keep it listed for -update
			}
			continue
		}
		if listed {
			failures[r.name] = reason
		} else {
			failures[r.name] = firstLine(r.err.Error())
			unexpected = append(unexpected, fmt.Sprintf("%s: %v", r.name, r.err))
		}
	}
	for _, s := range append(suites, ownSuite) {
		if total[s] > 0 {
			fmt.Printf("%s: %d/%d passed\n", s, passed[s], total[s])
		}
	}
	if *update {
		if filter != nil {
			for name, reason := range expected {
				if !filter.MatchString(name) {
					failures[name] = reason
				}
			}
		}
		if err := failures.Write(expectedFile); err != nil {
			t.Fatal(err)
		}
		return
	}
	sort.Strings(unexpected)
	sort.Strings(fixed)
	for _, u := range unexpected {
		t.Errorf("unexpected failure: %s", u)
	}
	for _, f := range fixed {
		t.Errorf("%s passes now: remove it from %s", f, filepath.Base(expectedFile))
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// runAll runs cases on GOMAXPROCS workers; a case that runs past the
// timeout is reported as failed and left behind.
func runAll(dirs map[string]string, cases []string) []outcome {
	out := make([]outcome, len(cases))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = outcome{cases[i], runWithTimeout(dirs[cases[i]], 2*time.Minute)}
			}
		}()
	}
	for i := range cases {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

func runWithTimeout(dir string, d time.Duration) error {
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("panic: %v", r)
			}
		}()
		done <- RunCase(dir)
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		return fmt.Errorf("timed out after %s", d)
	}
}
