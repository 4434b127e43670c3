package conformance

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
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

// modeFromEnv reads how to prepare models: DLC_OPT_LEVEL (0 = as
// imported, 1 or 2 = passes.Optimize at that level),
// DLC_OPT_SPECIALIZE=1 (fix input shapes per data set first) and
// DLC_CONFORMANCE_REFERENCE=1 (reference interpreter only).
func modeFromEnv(t *testing.T) Mode {
	var m Mode
	if s := os.Getenv("DLC_OPT_LEVEL"); s != "" {
		if _, err := fmt.Sscan(s, &m.OptLevel); err != nil {
			t.Fatalf("DLC_OPT_LEVEL=%q: %v", s, err)
		}
	}
	m.Specialize = os.Getenv("DLC_OPT_SPECIALIZE") == "1"
	m.Reference = os.Getenv("DLC_CONFORMANCE_REFERENCE") == "1"
	return m
}

// TestONNXBackend runs every case of every suite and compares the failures
// with the expected-failures list. DLC_CONFORMANCE_RUN (a regexp on
// "suite/test") narrows the run; DLC_OPT_LEVEL and DLC_OPT_SPECIALIZE
// (modeFromEnv) run the optimization pipeline on each model first, and
// the same list of expected failures holds.
func TestONNXBackend(t *testing.T) { runSuites(t, modeFromEnv(t), *update) }

// TestONNXBackendOptimized runs the suites through the optimization
// pipeline (level 2, input shapes fixed per data set, VerifyEach), once on
// the reference interpreter (the passes alone must not change what any
// model computes) and once on the execution plan with the fast kernels
// (what dlc run does), against the same expected failures.
func TestONNXBackendOptimized(t *testing.T) {
	t.Run("reference", func(t *testing.T) {
		runSuites(t, Mode{OptLevel: 2, Specialize: true, Reference: true}, false)
	})
	t.Run("fast", func(t *testing.T) {
		runSuites(t, Mode{OptLevel: 2, Specialize: true}, false)
	})
}

func runSuites(t *testing.T, mode Mode, update bool) {
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
	cases, dirs := listCases(root, filter)
	results := runAll(dirs, cases, mode)

	passed := map[string]int{}
	total := map[string]int{}
	tally := NewTally(expected)
	for _, r := range results {
		suite := strings.SplitN(r.name, "/", 2)[0]
		total[suite]++
		if r.err == nil {
			passed[suite]++
		}
		tally.Record(r.name, r.err)
	}
	for _, s := range append(suites, ownSuite) {
		if total[s] > 0 {
			kernels := "plan with fast kernels"
			if mode.Reference {
				kernels = "reference interpreter"
			}
			fmt.Printf("%s: %d/%d passed (opt level %d, specialize %v, %s)\n", s, passed[s], total[s], mode.OptLevel, mode.Specialize, kernels)
		}
	}
	if update {
		if filter != nil {
			for name, reason := range expected {
				if !filter.MatchString(name) {
					tally.Next[name] = reason
				}
			}
		}
		if err := tally.Next.Write(expectedFile, expectedHeader); err != nil {
			t.Fatal(err)
		}
		return
	}
	tally.Report(t, expectedFile)
}

// listCases returns the cases of every suite (filtered) and their folders.
func listCases(root string, filter *regexp.Regexp) ([]string, map[string]string) {
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
	return cases, dirs
}

// expectedHeader explains the expected-failures file at its top.
const expectedHeader = `# ONNX backend tests that dlc is known to fail, with the reason.
# The conformance test fails when a test outside this list fails, and when a
# listed test passes: fix a test, then delete its line. Regenerate with
# ` + "`go test ./internal/conformance -update`" + ` (keeps existing reasons).
# A reason starting with ` + RandomTag + ` marks a test of random draws that
# passes only by chance: its pass is counted but not reported as a fix.
`

// runAll runs cases on GOMAXPROCS workers; a case that runs past the
// timeout is reported as failed and left behind.
func runAll(dirs map[string]string, cases []string, mode Mode) []outcome {
	out := make([]outcome, len(cases))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = outcome{cases[i], runWithTimeout(dirs[cases[i]], mode, 2*time.Minute)}
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

func runWithTimeout(dir string, mode Mode, d time.Duration) error {
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("panic: %v", r)
			}
		}()
		done <- RunCaseMode(dir, mode)
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		return fmt.Errorf("timed out after %s", d)
	}
}
