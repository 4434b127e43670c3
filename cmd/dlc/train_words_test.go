package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/internal/words"
	"github.com/dlc-go/dlc/ir"
)

// needWordLists skips the test where Debian's word lists are missing;
// in CI, which installs them, it fails instead.
func needWordLists(t *testing.T) {
	t.Helper()
	for _, l := range words.DefaultLists {
		if _, err := os.Stat(l.Path); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("the %s word list is not installed (apt-get install wamerican wngerman wfrench wspanish witalian wportuguese wdutch)", l.Language)
			}
			t.Skipf("the %s word list is not installed", l.Language)
		}
	}
}

// TestTrainShortWords makes a small word-language dataset (2,000
// training and 200 test words per language, the generator of `make
// words`), then runs the words examples on it for two epochs: each
// learns far above chance (1/7), `--dry-run` shows the Embedding first,
// data.normalize is refused, and the export, which takes int64 ids,
// computes in dlc what ONNX Runtime computes.
func TestTrainShortWords(t *testing.T) {
	needWordLists(t)
	d, err := words.Build(words.Options{Train: 2000, Test: 200})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := d.Write(dir); err != nil {
		t.Fatal(err)
	}
	data := []string{
		"--set", "data.train.images=" + filepath.Join(dir, "train-x.npy"), "--set", "data.train.labels=" + filepath.Join(dir, "train-y.npy"),
		"--set", "data.test.images=" + filepath.Join(dir, "test-x.npy"), "--set", "data.test.labels=" + filepath.Join(dir, "test-y.npy"),
	}
	// Three test words of each language, as the export's int64 input.
	var ids []int64
	for i := range 21 {
		ids = append(ids, d.Test.X[i*d.Steps:(i+1)*d.Steps]...)
	}
	x := ir.FromSlice([]int{21, d.Steps}, ids)

	for _, c := range []struct {
		spec, embedding string
		// Measured after two epochs on this data (seed 1, 2 threads):
		// lstm 0.770, transformer 0.677; a model that learned nothing
		// gets 1/7.
		minAccuracy float64
	}{
		{"words-lstm", "[N 16 32]", 0.6},
		{"words-transformer", "[N 16 64]", 0.5},
	} {
		t.Run(c.spec, func(t *testing.T) {
			spec := "../../examples/train/" + c.spec + ".yaml"
			stdout, stderr, code := dlc(t, append([]string{"train", spec, "--dry-run"}, data...)...)
			if code != 0 {
				t.Fatalf("dlc train --dry-run: %s", stderr)
			}
			lines := strings.Split(stdout, "\n")
			i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "layer ") })
			if i < 0 || i+1 == len(lines) || !strings.HasPrefix(lines[i+1], "embedding_1 ") || !strings.Contains(lines[i+1], c.embedding) {
				t.Errorf("--dry-run does not show the embedding %s first:\n%s", c.embedding, stdout)
			}
			_, stderr, code = dlc(t, append([]string{"train", spec, "--out", t.TempDir(), "--set", "data.normalize.scale=0.5"}, data...)...)
			wantCleanError(t, stderr, code, "data.normalize: token ids (model.vocab) must not be normalized")

			out := t.TempDir()
			stdout, stderr, code = dlc(t, append([]string{"train", spec, "--out", out, "--json", "--epochs", "2", "--threads", "2"}, data...)...)
			if code != 0 {
				t.Fatalf("dlc train: %s", stderr)
			}
			var fig struct {
				TestAccuracy float64 `json:"test_accuracy"`
				Epochs       int     `json:"epochs"`
				Exported     string  `json:"exported"`
			}
			if err := json.Unmarshal([]byte(strings.TrimSpace(stdout)), &fig); err != nil {
				t.Fatalf("--json printed %q: %v", stdout, err)
			}
			t.Logf("%s: test accuracy %.3f after %d epochs", c.spec, fig.TestAccuracy, fig.Epochs)
			if fig.Epochs != 2 || fig.TestAccuracy < c.minAccuracy {
				t.Errorf("final figures %+v, want a test accuracy of at least %.2f", fig, c.minAccuracy)
			}
			got, _ := matchesORT(t, fig.Exported, "input", x)
			if !slices.Equal(got.Shape, []int{21, 7}) {
				t.Errorf("the export gives %v logits, want [21 7]", got.Shape)
			}
		})
	}
}
