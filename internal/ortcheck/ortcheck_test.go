// Package ortcheck proves that dlc's ONNX exporter writes valid ONNX: every
// model of the ONNX backend tests, of dlc's own test models and of the real
// PyTorch models is imported with onnx.Load, exported with onnx.Save, and
// run in ONNX Runtime (onnxruntime-node through scripts/ort_run.js), whose
// outputs must match the test data's expected outputs.
package ortcheck

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/internal/conformance"
	"github.com/dlc-go/dlc/ir"
)

var update = flag.Bool("update", false, "rewrite the ORT expected-failures file from this run")

const expectedFile = "../../testdata/conformance/ort_expected_failures.txt"

// Suites in report order. The backend-test suites live under the test-data
// root; "dlc" is testdata/onnx (as in internal/conformance) and
// "realmodels" the PyTorch models of internal/realmodels, when exported.
var dataSuites = []string{"node", "simple", "pytorch-operator", "pytorch-converted"}

const ownSuite, modelSuite = "dlc", "realmodels"

// scriptTimeout bounds the single node run; the whole test takes well
// under a minute.
const scriptTimeout = 5 * time.Minute

// ortCase is one model: its source folder and what became of it.
type ortCase struct {
	name    string // "suite/test"
	suite   string
	dir     string      // the case folder (model.onnx, test_data_set_0)
	work    string      // this case's temporary folder
	skip    string      // why the case is not run; counted, never a failure
	err     error       // the case failed (import, export, ORT or compare)
	outputs []*ir.Value // graph outputs, in the test data's order
	job     *jobCase    // nil when the case does not reach ORT
}

func TestExportRunsInORT(t *testing.T) {
	start := time.Now()
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	node, modules := findORT(t, repo)
	cases := collectCases(t, repo)
	expected, err := conformance.ReadExpected(expectedFile)
	if err != nil {
		t.Fatal(err)
	}

	work := t.TempDir()
	parallel(cases, func(i int, c *ortCase) {
		c.work = filepath.Join(work, fmt.Sprint(i))
		prepare(c)
	})
	var jobs []*jobCase
	for _, c := range cases {
		if c.job != nil {
			jobs = append(jobs, c.job)
		}
	}
	prepared := time.Since(start)
	ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
	defer cancel()
	if err := runScript(ctx, node, filepath.Join(repo, "scripts", "ort_run.js"), modules, work, jobs); err != nil {
		t.Fatal(err)
	}
	ran := time.Since(start) - prepared
	parallel(cases, func(_ int, c *ortCase) {
		if c.job != nil {
			c.err = check(c)
		}
	})
	t.Logf("%d cases: import+export %.1fs, ORT %.1fs, total %.1fs", len(cases), prepared.Seconds(), ran.Seconds(), time.Since(start).Seconds())
	report(t, cases, expected)
}

// findORT locates node and onnxruntime-node, skipping the test (failing it
// in CI) when either is missing.
func findORT(t *testing.T, repo string) (node, modules string) {
	modules = os.Getenv("DLC_ORT_NODE_MODULES")
	if modules == "" {
		modules = filepath.Join(repo, ".cache", "npm", "node_modules")
	}
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(modules, "onnxruntime-node", "package.json"))
	}
	if err != nil {
		msg := fmt.Sprintf("ONNX Runtime for Node.js not available (%v); install it with `npm install --prefix .cache/npm --ignore-scripts onnxruntime-node@1.30.0` or set DLC_ORT_NODE_MODULES", err)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return node, modules
}

// collectCases lists every case folder of every suite, narrowed by the
// regexp DLC_ORT_RUN on "suite/test".
func collectCases(t *testing.T, repo string) []*ortCase {
	root := os.Getenv("DLC_ONNX_TESTDATA")
	if root == "" {
		root = "/usr/share/libonnx-testdata/data"
	}
	if _, err := os.Stat(root); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("ONNX test data not found at %s (apt-get install libonnx-testdata)", root)
		}
		t.Skipf("ONNX test data not found at %s", root)
	}
	models := os.Getenv("DLC_MODEL_CACHE")
	if models == "" {
		models = filepath.Join(repo, ".cache", "models")
	}
	var filter *regexp.Regexp
	if f := os.Getenv("DLC_ORT_RUN"); f != "" {
		filter = regexp.MustCompile(f)
	}
	var cases []*ortCase
	add := func(suite, folder string) {
		entries, _ := os.ReadDir(folder) // a missing model cache is no case
		for _, d := range entries {
			name := suite + "/" + d.Name()
			dir := filepath.Join(folder, d.Name())
			if _, err := os.Stat(filepath.Join(dir, "model.onnx")); err != nil || !d.IsDir() {
				continue
			}
			if filter == nil || filter.MatchString(name) {
				cases = append(cases, &ortCase{name: name, suite: suite, dir: dir})
			}
		}
	}
	for _, s := range dataSuites {
		add(s, filepath.Join(root, s))
	}
	add(ownSuite, filepath.Join(repo, "testdata", "onnx"))
	add(modelSuite, models)
	return cases
}

// parallel calls fn on every case on GOMAXPROCS workers.
func parallel(cases []*ortCase, fn func(int, *ortCase)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i, cases[i])
			}
		}()
	}
	for i := range cases {
		next <- i
	}
	close(next)
	wg.Wait()
}

// prepare imports and exports a case's model and writes the inputs of its
// test_data_set_0 for the script. It sets c.job, or c.skip or c.err.
func prepare(c *ortCase) {
	defer func() {
		if r := recover(); r != nil {
			c.err, c.job = fmt.Errorf("panic: %v", r), nil
		}
	}()
	m, err := onnx.Load(filepath.Join(c.dir, "model.onnx"))
	if err != nil {
		c.err = fmt.Errorf("import: %w", err)
		return
	}
	g := m.Graph
	for _, v := range slices.Concat(g.Inputs, g.Outputs) {
		switch {
		case v.Type.Kind != ir.TensorKind:
			c.skip = "sequence or optional input/output"
			return
		case v.Type.DType == ir.BFloat16:
			c.skip = "bfloat16 input/output: onnxruntime-node has no bfloat16 tensors"
			return
		}
	}
	if err := os.MkdirAll(c.work, 0o755); err != nil {
		c.err = err
		return
	}
	job := &jobCase{Model: filepath.Join(c.work, "model.onnx"), OutputsDir: filepath.Join(c.work, "out"), Inputs: []jobTensor{}}
	if err := onnx.Save(m, job.Model); err != nil {
		c.err = fmt.Errorf("export: %w", err)
		return
	}
	if os.Getenv("DLC_ORT_ORIGINAL") != "" {
		// Diagnosis: run the source model instead, which tells ORT's own
		// gaps from export bugs.
		job.Model = filepath.Join(c.dir, "model.onnx")
	}
	// Inputs as internal/conformance reads them: input_k.pb is the k-th
	// input without a default, unless the file names another input.
	var free []*ir.Value
	for _, v := range g.Inputs {
		if v.Init == nil {
			free = append(free, v)
		}
	}
	set := filepath.Join(c.dir, "test_data_set_0")
	for k := 0; ; k++ {
		path := filepath.Join(set, fmt.Sprintf("input_%d.pb", k))
		if _, err := os.Stat(path); err != nil {
			break
		}
		var target *ir.Value
		if k < len(free) {
			target = free[k]
		}
		ty := ir.Type{}
		if target != nil {
			ty = target.Type
		}
		d, name, err := onnx.ReadDataFile(path, ty)
		if err != nil {
			c.err = fmt.Errorf("test data: %w", err)
			return
		}
		for _, v := range g.Inputs {
			if name != "" && v.Name == name {
				target = v
			}
		}
		if target == nil {
			c.err = fmt.Errorf("test data: input_%d.pb: the model has no input for it", k)
			return
		}
		tensor := d.(*ir.Tensor) // inputs are tensors, checked above
		if tensor.DType == ir.BFloat16 || target.Type.DType == ir.BFloat16 {
			c.skip = "bfloat16 input/output: onnxruntime-node has no bfloat16 tensors"
			return
		}
		jt, err := writeTensor(c.work, target.Name, k, tensor)
		if err != nil {
			c.err = err
			return
		}
		job.Inputs = append(job.Inputs, jt)
	}
	c.outputs = g.Outputs
	c.job = job
}

// check compares ORT's outputs with the expected output_k.pb files.
func check(c *ortCase) error {
	m, ok, err := readManifest(c.job.OutputsDir)
	switch {
	case err != nil:
		return err
	case !ok:
		return fmt.Errorf("ort_run.js wrote no manifest")
	case m.Error != "":
		return fmt.Errorf("ORT: %s", m.Error)
	}
	got := map[string]jobTensor{}
	for _, o := range m.Outputs {
		got[o.Name] = o
	}
	set := filepath.Join(c.dir, "test_data_set_0")
	for k, v := range c.outputs {
		want, _, err := onnx.ReadDataFile(filepath.Join(set, fmt.Sprintf("output_%d.pb", k)), v.Type)
		if err != nil {
			return fmt.Errorf("test data: %w", err)
		}
		jt, ok := got[v.Name]
		if !ok {
			return fmt.Errorf("ORT gave no output %q", v.Name)
		}
		g, err := readTensor(jt)
		if err != nil {
			return err
		}
		if c.suite == modelSuite {
			err = compareModel(g, want.(*ir.Tensor))
		} else {
			err = conformance.Compare(g, want, conformance.RTol, conformance.ATol)
		}
		if err != nil {
			return fmt.Errorf("output %d (%q): %w", k, v.Name, err)
		}
	}
	return nil
}

// compareModel is internal/realmodels' criterion for PyTorch's outputs:
// every float element within 1e-4 of max(|want|, 1% of the output's peak
// |want|); other dtypes exact.
func compareModel(got, want *ir.Tensor) error {
	if !want.DType.IsFloat() || got.DType != want.DType || !slices.Equal(got.Shape, want.Shape) {
		return conformance.Compare(got, want, 0, 0)
	}
	const relTol, floorFrac = 1e-4, 1e-2
	g, w := got.Float64s(), want.Float64s()
	peak := 0.0
	for _, v := range w {
		peak = math.Max(peak, math.Abs(v))
	}
	bad, first := 0, -1
	for i := range w {
		// Written so that NaN fails: NaN <= x is false.
		if !(math.Abs(g[i]-w[i]) <= relTol*math.Max(math.Abs(w[i]), floorFrac*peak)) {
			bad++
			if first < 0 {
				first = i
			}
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d values outside 1e-4 relative; first at %d: got %g, want %g", bad, len(w), first, g[first], w[first])
	}
	return nil
}

// report prints the per-suite counts and holds the failures against the
// expected list: an unlisted failure or a listed pass fails the test.
func report(t *testing.T, cases []*ortCase, expected conformance.Expected) {
	passed, total, skipped := map[string]int{}, map[string]int{}, map[string]int{}
	tally := conformance.NewTally(expected)
	skips := map[string][]string{} // reason -> cases
	for _, c := range cases {
		if c.skip != "" {
			skipped[c.suite]++
			skips[c.skip] = append(skips[c.skip], c.name)
			continue
		}
		total[c.suite]++
		if c.err == nil {
			passed[c.suite]++
		}
		tally.Record(c.name, c.err)
	}
	for _, s := range append(dataSuites, ownSuite, modelSuite) {
		if total[s]+skipped[s] > 0 {
			fmt.Printf("ort(%s): %d/%d exported models run in ORT and match (%d skipped: sequence/optional/bfloat16 I/O)\n", s, passed[s], total[s], skipped[s])
		}
	}
	for reason, names := range skips {
		t.Logf("skipped (%s): %s", reason, strings.Join(names, " "))
	}
	if *update {
		for name, reason := range expected {
			if !slices.ContainsFunc(cases, func(c *ortCase) bool { return c.name == name }) {
				tally.Next[name] = reason // not run this time: keep it
			}
		}
		if err := tally.Next.Write(expectedFile, expectedHeader); err != nil {
			t.Fatal(err)
		}
		return
	}
	tally.Report(t, expectedFile)
}

// expectedHeader explains the ORT expected-failures file at its top.
const expectedHeader = `# Models that, imported and re-exported by dlc, do not run in ONNX Runtime
# 1.30 (CPU) with the test data's expected outputs, with the reason.
# internal/ortcheck fails when a model outside this list fails, and when a
# listed model passes: delete its line. ` + "`go test ./internal/ortcheck -update`" + `
# rewrites the list (keeping existing reasons). A reason starting with
# ` + conformance.RandomTag + ` marks random draws that pass only by chance, ` + conformance.EnvTag + `
# a case whose outcome depends on the machine; neither pass is a fix.
# DLC_ORT_ORIGINAL=1 runs the source models instead of dlc's exports, which
# tells ORT's own gaps from export bugs.
`
