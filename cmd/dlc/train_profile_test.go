package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestTrainProfile runs a short MLP training with --profile: the step's
// time per op kind and its slowest nodes follow the test figures, with
// the MLP's products among them; a GAN refuses the flag in one line.
func TestTrainProfile(t *testing.T) {
	needFashion(t)
	_, stderr, code := dlc(t, "train", "../../examples/train/fashion-mlp.yaml", "--out", t.TempDir(), "--threads", "1",
		"--set", "data.limit=640", "--set", "data.test_limit=64", "--set", "data.validation_split=0",
		"--set", "early_stopping.patience=0", "--set", "export=", "--epochs", "1", "--profile")
	if code != 0 {
		t.Fatalf("dlc train --profile: %s", stderr)
	}
	head := regexp.MustCompile(`profile: +[0-9.]+ ms per run in nodes, over 10 runs`)
	if !head.MatchString(stderr) || !strings.Contains(stderr, "by op:") || !strings.Contains(stderr, "by node (top 15):") {
		t.Fatalf("no profile in the output:\n%s", stderr)
	}
	if !regexp.MustCompile(`(?m)^  (dlc\.Fused)?(MatMul|Gemm) `).MatchString(stderr) {
		t.Errorf("the profile lists no matrix product:\n%s", stderr)
	}
	_, stderr, code = dlc(t, "train", "../../examples/train/fashion-dcgan.yaml", "--out", t.TempDir(), "--profile")
	wantCleanError(t, stderr, code, "--profile is not supported for GANs")
}
