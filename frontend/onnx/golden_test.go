package onnx

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden from the current importer")

// goldenCases are models whose imported IR text is pinned in
// testdata/golden: dlc's own models, and older-opset models whose import
// rewrites them into canonical form (legacy broadcasting, Clip attributes,
// Upsample to Resize, Scan-8 to Loop, Softmax-1 coercion, PRelu slopes).
var goldenCases = []string{
	"dlc/mlp",
	"dlc/cnn",
	"pytorch-operator/test_operator_add_broadcast",
	"pytorch-operator/test_operator_clip",
	"pytorch-converted/test_PReLU_2d_multiparam",
	"pytorch-converted/test_Softmax",
	"node/test_upsample_nearest",
	"node/test_scan_sum",
	"node/test_squeeze",
	"simple/test_gradient_of_add_and_mul",
}

func goldenModel(t *testing.T, name string) string {
	suite, test, _ := strings.Cut(name, "/")
	if suite == "dlc" {
		return filepath.Join("..", "..", "testdata", "onnx", test, "model.onnx")
	}
	root := os.Getenv("DLC_ONNX_TESTDATA")
	if root == "" {
		root = "/usr/share/libonnx-testdata/data"
	}
	path := filepath.Join(root, suite, test, "model.onnx")
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing (apt-get install libonnx-testdata)", path)
		}
		t.Skipf("%s is missing", path)
	}
	return path
}

// TestImportGolden compares the text form of imported models with the
// pinned files; run with -update-golden after an intended change and
// review the diff.
func TestImportGolden(t *testing.T) {
	for _, name := range goldenCases {
		t.Run(name, func(t *testing.T) {
			m, err := Load(goldenModel(t, name))
			if err != nil {
				t.Fatal(err)
			}
			got := m.Graph.Text() + "\n"
			file := filepath.Join("testdata", "golden", strings.ReplaceAll(name, "/", "__")+".txt")
			if *updateGolden {
				if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test ./frontend/onnx -run TestImportGolden -update-golden)", err)
			}
			if got != string(want) {
				t.Errorf("imported IR differs from %s:\n--- got\n%s--- want\n%s", file, got, want)
			}
		})
	}
}
