package conformance

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
)

var updateCompiled = flag.Bool("update-compiled", false, "rewrite the compiled mode's expected-failures file from this run")

// compiledExpectedFile lists the cases that fail only when compiled
// (mostly models the compiler refuses: subgraphs, sequences, strings).
const compiledExpectedFile = "../../testdata/conformance/expected_failures_compiled.txt"

// TestONNXBackendCompiled runs the suites through dlc compile: every data
// set becomes a generated Go package, one go build links them all into a
// driver, and its outputs are compared like the other modes'. A case
// fails the same way as in the other modes (expected_failures.txt) or, if
// only compiled, as expected_failures_compiled.txt says.
func TestONNXBackendCompiled(t *testing.T) {
	root := dataRoot()
	if _, err := os.Stat(root); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("ONNX test data not found at %s (apt-get install libonnx-testdata)", root)
		}
		t.Skipf("ONNX test data not found at %s", root)
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the compiled mode needs the go command: %v", err)
	}
	var filter *regexp.Regexp
	if f := os.Getenv("DLC_CONFORMANCE_RUN"); f != "" {
		filter = regexp.MustCompile(f)
	}
	expected, err := ReadExpected(expectedFile)
	if err != nil {
		t.Fatal(err)
	}
	compiledOnly, err := ReadExpected(compiledExpectedFile)
	if err != nil {
		t.Fatal(err)
	}
	merged := Expected{}
	for k, v := range expected {
		merged[k] = v
	}
	for k, v := range compiledOnly {
		merged[k] = v
	}
	cases, dirs := listCases(root, filter)
	module := t.TempDir()
	sets := make([][]*CompiledSet, len(cases))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				sets[i] = compileGuarded(cases[i], dirs[cases[i]], module, fmt.Sprintf("c%04d", i))
			}
		}()
	}
	for i := range cases {
		next <- i
	}
	close(next)
	wg.Wait()
	var all []*CompiledSet
	for _, s := range sets {
		all = append(all, s...)
	}
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteDriver(module, repo, all); err != nil {
		t.Fatal(err)
	}
	driver := filepath.Join(module, "driver")
	build := exec.Command("go", "build", "-mod=mod", "-o", driver, ".")
	build.Dir = module
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build of the compiled cases: %v\n%s", err, firstLines(string(out), 40))
	}
	outDir := filepath.Join(module, "out")
	if out, err := exec.Command(driver, filepath.Join(module, "cases"), outDir).CombinedOutput(); err != nil {
		t.Fatalf("driver: %v\n%s", err, firstLines(string(out), 40))
	}
	tally := NewTally(merged)
	passed, total := map[string]int{}, map[string]int{}
	for i, name := range cases {
		var caseErr error
		for _, cs := range sets[i] {
			if caseErr = CheckCompiled(cs, outDir); caseErr != nil {
				break
			}
		}
		suite := strings.SplitN(name, "/", 2)[0]
		total[suite]++
		if caseErr == nil {
			passed[suite]++
		}
		tally.Record(name, caseErr)
	}
	for _, s := range append(suites, ownSuite) {
		if total[s] > 0 {
			fmt.Printf("%s: %d/%d passed (compiled by dlc compile, opt level 2)\n", s, passed[s], total[s])
		}
	}
	if *updateCompiled {
		next := Expected{}
		for name, reason := range tally.Next {
			if _, ok := expected[name]; !ok {
				next[name] = reason
			}
		}
		if filter != nil {
			for name, reason := range compiledOnly {
				if !filter.MatchString(name) {
					next[name] = reason
				}
			}
		}
		if err := next.Write(compiledExpectedFile, compiledHeader); err != nil {
			t.Fatal(err)
		}
		return
	}
	tally.Report(t, compiledExpectedFile+" (and "+expectedFile+")")
}

// compileGuarded is CompileCase with a panic turned into the case's
// failure.
func compileGuarded(name, dir, module, pkg string) (sets []*CompiledSet) {
	defer func() {
		if r := recover(); r != nil {
			sets = []*CompiledSet{{Case: name, Err: fmt.Errorf("compile: panic: %v", r)}}
		}
	}()
	return CompileCase(name, dir, module, pkg)
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

const compiledHeader = `# ONNX backend tests that fail only when compiled by dlc compile (those
# failing in every mode are in expected_failures.txt), with the reason.
# TestONNXBackendCompiled fails when a test outside both lists fails, and
# when a listed test passes. Regenerate with
# ` + "`go test ./internal/conformance -run Compiled -update-compiled`" + `.
`
