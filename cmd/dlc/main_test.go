package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/frontend/npy"
	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/internal/conformance"
	"github.com/dlc-go/dlc/ir"
	"google.golang.org/protobuf/proto"
)

var dlcBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "dlc-cli")
	if err != nil {
		panic(err)
	}
	dlcBin = filepath.Join(dir, "dlc")
	build := exec.Command("go", "build", "-o", dlcBin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		panic("building dlc: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// dlc runs the binary and returns stdout, stderr and the exit code.
func dlc(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(dlcBin, args...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// wantCleanError checks the failure contract: exit 1, one line on stderr
// that starts with "dlc: " and names want, and no panic trace.
func wantCleanError(t *testing.T, stderr string, code int, want string) {
	t.Helper()
	if code != 1 {
		t.Errorf("exit code %d, want 1 (stderr %q)", code, stderr)
	}
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "dlc: ") {
		t.Errorf("stderr is not one \"dlc: ...\" line: %q", stderr)
	}
	if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
		t.Errorf("stderr has a panic trace: %q", stderr)
	}
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr %q does not name %q", stderr, want)
	}
}

func TestBadModelFiles(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.onnx")
	os.WriteFile(garbage, []byte("\xff\xff\xff\xff this is not protobuf"), 0o644)
	empty := filepath.Join(dir, "empty.onnx")
	os.WriteFile(empty, nil, 0o644)
	for _, args := range [][]string{
		{"inspect", garbage},
		{"run", garbage, "-o", dir},
		{"inspect", empty},
		{"inspect", filepath.Join(dir, "missing.onnx")},
	} {
		_, stderr, code := dlc(t, args...)
		wantCleanError(t, stderr, code, args[1])
	}
}

// reluCase is a backend-test case that the CLI tests drive end to end.
func reluCase(t *testing.T) string {
	dir := filepath.Join("/usr/share/libonnx-testdata/data/node/test_relu")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("libonnx-testdata is not installed")
		}
		t.Skip("libonnx-testdata is not installed")
	}
	return dir
}

func TestRunWritesOutputs(t *testing.T) {
	c := reluCase(t)
	out := t.TempDir()
	stdout, stderr, code := dlc(t, "run", filepath.Join(c, "model.onnx"), "-i", filepath.Join(c, "test_data_set_0/input_0.pb"), "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "output_0.pb") {
		t.Errorf("no summary line: %q", stdout)
	}
	got, name, err := onnx.ReadTensorFile(filepath.Join(out, "output_0.pb"))
	if err != nil {
		t.Fatal(err)
	}
	if name != "y" {
		t.Errorf("output name %q, want y", name)
	}
	want, _, _ := onnx.ReadTensorFile(filepath.Join(c, "test_data_set_0/output_0.pb"))
	if err := conformance.Compare(got, want, 0, 0); err != nil {
		t.Error(err)
	}
}

func TestRunByNameWithNpy(t *testing.T) {
	c := reluCase(t)
	in, _, err := onnx.ReadTensorFile(filepath.Join(c, "test_data_set_0/input_0.pb"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := npy.Encode(in)
	dir := t.TempDir()
	path := filepath.Join(dir, "x.npy")
	os.WriteFile(path, b, 0o644)
	if _, stderr, code := dlc(t, "run", filepath.Join(c, "model.onnx"), "-i", "x="+path, "-o", dir, "-q"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "output_0.pb")); err != nil {
		t.Error(err)
	}
}

func TestRunBadInputs(t *testing.T) {
	c := reluCase(t)
	model := filepath.Join(c, "model.onnx")
	good := filepath.Join(c, "test_data_set_0/input_0.pb")
	dir := t.TempDir()
	wrongType := filepath.Join(dir, "int.pb")
	b, _ := proto.Marshal(onnx.TensorToProto(ir.FromSlice([]int{3, 4, 5}, make([]int64, 60)), "x"))
	os.WriteFile(wrongType, b, 0o644)
	wrongShape := filepath.Join(dir, "shape.pb")
	b, _ = proto.Marshal(onnx.TensorToProto(ir.FromSlice([]int{2, 2}, make([]float32, 4)), "x"))
	os.WriteFile(wrongShape, b, 0o644)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", model, "-o", dir}, `missing input "x"`},
		{[]string{"run", model, "-i", good, "-i", good, "-o", dir}, "takes only 1 input(s)"},
		{[]string{"run", model, "-i", "x=" + good, "-i", good, "-o", dir}, "takes only 1 input(s)"},
		{[]string{"run", model, "-i", "x=" + good, "-i", "x=" + good, "-o", dir}, `input "x" is given twice`},
		{[]string{"run", model, "-i", wrongType, "-o", dir}, `input "x": dtype i64, want f32`},
		{[]string{"run", model, "-i", wrongShape, "-o", dir}, `input "x": shape [2 2]`},
		{[]string{"run", model, "-i", filepath.Join(dir, "nope.pb"), "-o", dir}, "nope.pb"},
		{[]string{"run", model, "-i", good, "-o", dir, "--max-memory", "lots"}, "--max-memory"},
		{[]string{"run", model, "-i", good, "-o", dir, "--max-memory", "64B"}, "64-byte tensor limit"},
		{[]string{"inspect", model, "--max-memory", "lots"}, "--max-memory"},
	}
	for _, c := range cases {
		_, stderr, code := dlc(t, c.args...)
		wantCleanError(t, stderr, code, c.want)
	}
}

func TestInspect(t *testing.T) {
	c := reluCase(t)
	stdout, stderr, code := dlc(t, "inspect", "--graph", filepath.Join(c, "model.onnx"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"opsets:    ai.onnx", "Relu", "f32[3,4,5]", `graph "test_relu"`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestVersion(t *testing.T) {
	stdout, _, code := dlc(t, "version")
	if code != 0 || !strings.HasPrefix(stdout, "dlc ") {
		t.Errorf("version: exit %d, %q", code, stdout)
	}
}

// A named input may come before positional ones: these fill the inputs
// that are left.
func TestRunNamedThenPositional(t *testing.T) {
	reluCase(t) // skips without the test data
	c := "/usr/share/libonnx-testdata/data/node/test_add"
	out := t.TempDir()
	_, stderr, code := dlc(t, "run", filepath.Join(c, "model.onnx"), "-q",
		"-i", "y="+filepath.Join(c, "test_data_set_0/input_1.pb"), "-i", filepath.Join(c, "test_data_set_0/input_0.pb"), "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got, _, err := onnx.ReadTensorFile(filepath.Join(out, "output_0.pb"))
	if err != nil {
		t.Fatal(err)
	}
	want, _, _ := onnx.ReadTensorFile(filepath.Join(c, "test_data_set_0/output_0.pb"))
	if err := conformance.Compare(got, want, 0, 0); err != nil {
		t.Error(err)
	}
}
