package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/frontend/onnx"
	"github.com/dlc-go/dlc/internal/conformance"
	"github.com/dlc-go/dlc/passes"
)

// The engine flags run on dlc's own test models, which are always there.
var (
	cnnModel = filepath.Join("..", "..", "testdata", "onnx", "cnn", "model.onnx")
	cnnInput = filepath.Join("..", "..", "testdata", "onnx", "cnn", "test_data_set_0", "input_0.pb")
	cnnWant  = filepath.Join("..", "..", "testdata", "onnx", "cnn", "test_data_set_0", "output_0.pb")
	mlpModel = filepath.Join("..", "..", "testdata", "onnx", "mlp", "model.onnx")
)

func TestRunEngineFlags(t *testing.T) {
	settings := [][]string{{"--threads", "1"}, {"--threads", "3"}, {"--opt-level", "0"}, {"--opt-level", "1"},
		{"--opt-level", "2"}, {"--reference"}}
	if names := passes.Names(); len(names) > 0 {
		settings = append(settings, []string{"--disable-pass", names[0], "--disable-pass", names[len(names)-1]})
	}
	want, _, err := onnx.ReadTensorFile(cnnWant)
	if err != nil {
		t.Fatal(err)
	}
	for _, flags := range settings {
		out := t.TempDir()
		args := append([]string{"run", cnnModel, "-q", "-i", cnnInput, "-o", out}, flags...)
		if _, stderr, code := dlc(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", flags, code, stderr)
		}
		got, _, err := onnx.ReadTensorFile(filepath.Join(out, "output_0.pb"))
		if err != nil {
			t.Fatal(err)
		}
		if err := conformance.Compare(got, want, 1e-4, 1e-5); err != nil {
			t.Errorf("%v: %v", flags, err)
		}
	}
}

func TestEngineFlagErrors(t *testing.T) {
	dir := t.TempDir()
	for _, cmd := range [][]string{{"run", cnnModel, "-i", cnnInput, "-o", dir}, {"inspect", "--plan", cnnModel}, {"bench", cnnModel}} {
		for _, c := range []struct {
			flags []string
			want  string
		}{
			{[]string{"--threads", "-1"}, "--threads -1"},
			{[]string{"--opt-level", "3"}, "--opt-level 3"},
			{[]string{"--disable-pass", "no-such-pass"}, `--disable-pass "no-such-pass": no such pass`},
			{[]string{"--threads", "many"}, "--threads"},
		} {
			_, stderr, code := dlc(t, append(cmd, c.flags...)...)
			wantCleanError(t, stderr, code, c.want)
		}
	}
}

func TestInspectPlan(t *testing.T) {
	stdout, stderr, code := dlc(t, "inspect", "--plan", "--steps", cnnModel)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"plan for:  x=[1 1 8 8]", "steps:     ", "arena:     ", "naive:     ", "live max:  ", "passes:", "Flatten"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("inspect --plan output lacks %q:\n%s", want, stdout)
		}
	}
	stdout, stderr, code = dlc(t, "inspect", "--plan", "--shape", "x=4x16", "--opt-level", "0", mlpModel)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"plan for:  x=[4 16]", "passes:    none ran", "arena:     "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("inspect --plan --shape output lacks %q:\n%s", want, stdout)
		}
	}
	stdout, _, _ = dlc(t, "inspect", "--plan", "--reference", cnnModel)
	if !strings.Contains(stdout, "engine:    interpreter (reference mode)") {
		t.Errorf("inspect --plan --reference:\n%s", stdout)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"inspect", "--plan", "--shape", "x=4xq", mlpModel}, `"q" is not a dimension`},
		{[]string{"inspect", "--plan", "--shape", "nope=4", mlpModel}, `no input "nope"`},
		{[]string{"inspect", "--plan", "--shape", "x=4x17", mlpModel}, `input "x": shape [4 17]`},
	} {
		_, stderr, code := dlc(t, c.args...)
		wantCleanError(t, stderr, code, c.want)
	}
}

func TestBenchJSON(t *testing.T) {
	stdout, stderr, code := dlc(t, "bench", cnnModel, "--json", "--runs", "3", "--warmup", "1", "--threads", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Count(stdout, "\n") != 1 {
		t.Fatalf("--json printed more than one line: %q", stdout)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("%v: %q", err, stdout)
	}
	for _, key := range []string{"engine", "model", "threads", "median_ms", "p10_ms", "p90_ms", "runs", "peak_bytes"} {
		if _, ok := r[key]; !ok {
			t.Errorf("no %q in %s", key, stdout)
		}
	}
	if r["engine"] != "dlc" || r["model"] != cnnModel || r["threads"] != 1.0 || r["runs"] != 3.0 {
		t.Errorf("bench --json = %s", stdout)
	}
	p10, med, p90 := r["p10_ms"].(float64), r["median_ms"].(float64), r["p90_ms"].(float64)
	if !(0 < p10 && p10 <= med && med <= p90) || r["peak_bytes"].(float64) <= 0 {
		t.Errorf("bench --json = %s", stdout)
	}
}

func TestBenchText(t *testing.T) {
	stdout, stderr, code := dlc(t, "bench", mlpModel, "--shape", "x=2x16", "--runs", "2", "--profile", "--top", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"latency:   median", "runs:      ", "arena:     ", "by op:", "by node (top 2):", "Gemm"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("bench output lacks %q:\n%s", want, stdout)
		}
	}
	// Given inputs, the default of at least a second of runs.
	stdout, stderr, code = dlc(t, "bench", cnnModel, "-i", cnnInput, "--warmup", "0")
	if code != 0 || !strings.Contains(stdout, "latency:") {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", cnnModel, "--runs", "0"}, "--runs"},
		{[]string{"bench", cnnModel, "-i", cnnInput, "--shape", "x=1x1x8x8"}, "--shape"},
		{[]string{"bench", mlpModel, "--shape", "x"}, "want name="},
		{[]string{"bench", filepath.Join(t.TempDir(), "missing.onnx")}, "missing.onnx"},
	} {
		_, stderr, code := dlc(t, c.args...)
		wantCleanError(t, stderr, code, c.want)
	}
}
