package main

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/ir"
	"google.golang.org/protobuf/proto"
)

const cnnDir = "../../testdata/onnx/cnn"

// TestBuildRunsLikeDlcRun builds the CNN into a static binary and runs
// it with dlc run's arguments: same kernels, so the same output bytes.
func TestBuildRunsLikeDlcRun(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "cnn")
	out, stderr, code := dlc(t, "build", filepath.Join(cnnDir, "model.onnx"), "-o", bin)
	if code != 0 {
		t.Fatalf("dlc build: %s", stderr)
	}
	if !strings.Contains(out, "built "+bin) || !strings.Contains(out, "lines of Go") {
		t.Errorf("dlc build printed %q", out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	libs, _ := f.ImportedLibraries()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary asks for a dynamic loader: not static")
		}
	}
	f.Close()
	if len(libs) > 0 {
		t.Errorf("the binary links %v", libs)
	}
	input := filepath.Join(cnnDir, "test_data_set_0", "input_0.pb")
	compiledOut, ref := filepath.Join(dir, "compiled"), filepath.Join(dir, "ref")
	run := exec.Command(bin, "run", filepath.Join(cnnDir, "model.onnx"), "-i", input, "-o", compiledOut)
	if b, err := run.CombinedOutput(); err != nil {
		t.Fatalf("compiled run: %v\n%s", err, b)
	}
	if _, stderr, code := dlc(t, "run", filepath.Join(cnnDir, "model.onnx"), "-i", input, "-o", ref, "-q"); code != 0 {
		t.Fatal(stderr)
	}
	a, err1 := os.ReadFile(filepath.Join(compiledOut, "output_0.pb"))
	b, err2 := os.ReadFile(filepath.Join(ref, "output_0.pb"))
	if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
		t.Fatalf("compiled output differs from dlc run's (%v, %v)", err1, err2)
	}

	// A wrong shape is one line naming the input and the dim.
	wrong := filepath.Join(dir, "wrong.pb")
	msg, _ := proto.Marshal(onnx.TensorToProto(ir.Zeros(ir.Float32, []int{2, 1, 8, 8}), "x"))
	if err := os.WriteFile(wrong, msg, 0o644); err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	bad := exec.Command(bin, "run", "-i", wrong, "-o", dir)
	bad.Stderr = &errb
	err = bad.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("a wrong shape exits with %v", err)
	}
	if lines := strings.Split(strings.TrimSpace(errb.String()), "\n"); len(lines) != 1 || !strings.Contains(lines[0], `input "x": shape [2 1 8 8], the model was compiled for [1 1 8 8]`) {
		t.Errorf("wrong shape: %q", errb.String())
	}
}

// TestCompilePackage compiles the MLP into a library package, uses it
// from a program through the typed API, vets it, and cross-compiles it
// for linux/arm64 and darwin/arm64 (pure-Go kernels there).
func TestCompilePackage(t *testing.T) {
	mod := t.TempDir()
	out, stderr, code := dlc(t, "compile", "../../testdata/onnx/mlp/model.onnx", "-o", filepath.Join(mod, "mlp"), "--pkg", "mlp", "--shape", "x=3x16")
	if code != 0 {
		t.Fatalf("dlc compile: %s", stderr)
	}
	if !strings.Contains(out, "mlp.go") || !strings.Contains(out, "weights.bin") || !strings.Contains(out, "arena:") {
		t.Errorf("dlc compile printed %q", out)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	gomod := "module example\n\ngo 1.26\n\nrequire github.com/dlc-go/dlc v0.0.0\n\nreplace github.com/dlc-go/dlc => " + root + "\n"
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	main := `package main

import (
	"fmt"
	"os"

	"example/mlp"
)

func main() {
	m, err := mlp.New()
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	x := make([]float32, 3*16)
	for i := range x {
		x[i] = float32(i%7) / 7
	}
	probs, err := m.Run(x)
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Println(len(probs), mlp.OutputProbsShape, probs[0]+probs[1]+probs[2]+probs[3]+probs[4]+probs[5]+probs[6]+probs[7]+probs[8]+probs[9])
	if _, err := m.Run(x[:16]); err == nil {
		fmt.Println("a short input was accepted")
		os.Exit(1)
	}
}
`
	for name, body := range map[string][]byte{"go.mod": []byte(gomod), "go.sum": sum, "main.go": []byte(main)} {
		if err := os.WriteFile(filepath.Join(mod, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	goCmd := func(env []string, args ...string) string {
		t.Helper()
		c := exec.Command("go", args...)
		c.Dir = mod
		c.Env = append(append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod"), env...)
		b, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s %v: %v\n%s", strings.Join(args, " "), env, err, b)
		}
		return string(b)
	}
	goCmd(nil, "vet", "./...")
	got := goCmd(nil, "run", ".")
	if !strings.HasPrefix(got, "30 [3 10] ") {
		t.Fatalf("the program printed %q", got)
	}
	// Softmax rows sum to one: the first row's ten probabilities.
	if !strings.HasPrefix(strings.TrimSpace(got), "30 [3 10] 0.99999") && !strings.HasPrefix(strings.TrimSpace(got), "30 [3 10] 1") {
		t.Errorf("first row sums to %q", got)
	}
	for _, target := range [][]string{{"GOOS=linux", "GOARCH=arm64"}, {"GOOS=darwin", "GOARCH=arm64"}} {
		goCmd(target, "build", "-o", filepath.Join(mod, "cross"), ".")
	}
}

// TestCompiledCodeLinksNoFrontend checks what a compiled model links:
// kernels and the IR, but no ONNX parser, no graph passes and no protobuf
// reflection.
func TestCompiledCodeLinksNoFrontend(t *testing.T) {
	b, err := exec.Command("go", "list", "-deps", "github.com/dlc-go/dlc/backend/gogen/aot").Output()
	if err != nil {
		t.Fatal(err)
	}
	deps := string(b)
	if !strings.Contains(deps, "github.com/dlc-go/dlc/backend/cpu\n") {
		t.Fatalf("go list -deps printed %q", deps)
	}
	for _, banned := range []string{"dlc/frontend/onnx", "dlc/passes", "dlc/runtime\n", "protobuf/reflect", "protobuf/proto\n", "spf13/cobra"} {
		if strings.Contains(deps, banned) {
			t.Errorf("compiled models link %s", strings.TrimSpace(banned))
		}
	}
}

func TestCompileErrors(t *testing.T) {
	model := "../../testdata/onnx/mlp/model.onnx"
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"compile", model, "-o", dir, "--target", "cuda"}, `--target "cuda"`},
		{[]string{"compile", model, "-o", dir, "--pkg", "Bad"}, `package name "Bad"`},
		{[]string{"compile", model, "-o", dir, "--shape", "y=1x16"}, `no input "y"`},
		{[]string{"compile", "missing.onnx", "-o", dir}, "missing.onnx"},
		{[]string{"build", model}, "-o BINARY is required"},
	} {
		_, stderr, code := dlc(t, c.args...)
		wantCleanError(t, stderr, code, c.want)
	}
}
