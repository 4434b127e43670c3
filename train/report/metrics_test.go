package report

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sample returns a plausible epoch row.
func sample(epoch int) Epoch {
	return Epoch{Epoch: epoch, Step: 100 * epoch, LR: 0.001 / float64(epoch),
		TrainLoss: 1 / float64(epoch), TrainAccuracy: 1 - 0.5/float64(epoch),
		ValLoss: 1.1 / float64(epoch), ValAccuracy: 1 - 0.6/float64(epoch),
		Seconds: 1.5, SamplesPerSec: 1234.5}
}

func appendAll(t *testing.T, path string, from int, epochs ...int) {
	t.Helper()
	m, err := OpenMetrics(path, from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range epochs {
		if err := m.Append(sample(e)); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
}

func epochsIn(t *testing.T, path string) []int {
	t.Helper()
	rows, err := ReadMetrics(path)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, r := range rows {
		got = append(got, r.Epoch)
	}
	return got
}

func TestMetricsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.csv")
	appendAll(t, path, 0, 1, 2)
	data, _ := os.ReadFile(path)
	lines := strings.Split(string(data), "\n")
	if lines[0] != "epoch,step,lr,train_loss,train_accuracy,val_loss,val_accuracy,seconds,samples_per_sec" {
		t.Errorf("header %q", lines[0])
	}
	if lines[2] != "2,200,0.0005,0.5,0.75,0.55,0.7,1.500,1234.5" || len(lines) != 4 {
		t.Errorf("file:\n%s", data)
	}
	rows, err := ReadMetrics(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rows, []Epoch{sample(1), sample(2)}) {
		t.Errorf("read back %+v", rows)
	}
}

func TestMetricsResume(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.csv")
	appendAll(t, path, 0, 1, 2, 3)
	// Resumed from the checkpoint of epoch 2: epoch 3 is redone.
	appendAll(t, path, 2, 3, 4)
	if got := epochsIn(t, path); !reflect.DeepEqual(got, []int{1, 2, 3, 4}) {
		t.Errorf("after resume: epochs %v, want [1 2 3 4]", got)
	}
	data, _ := os.ReadFile(path)
	if n := strings.Count(string(data), "epoch,step"); n != 1 {
		t.Errorf("header written %d times", n)
	}
	// A fresh run starts over.
	appendAll(t, path, 0, 1)
	if got := epochsIn(t, path); !reflect.DeepEqual(got, []int{1}) {
		t.Errorf("after a fresh run: epochs %v, want [1]", got)
	}
}

func TestMetricsTornRow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.csv")
	appendAll(t, path, 0, 1, 2)
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString("3,300,0.0")
	f.Close()
	if got := epochsIn(t, path); !reflect.DeepEqual(got, []int{1, 2}) {
		t.Errorf("torn row read: epochs %v", got)
	}
	appendAll(t, path, 2, 3)
	if got := epochsIn(t, path); !reflect.DeepEqual(got, []int{1, 2, 3}) {
		t.Errorf("after resume past a torn row: epochs %v", got)
	}
}

func TestMetricsNaN(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.csv")
	m, err := OpenMetrics(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	e := sample(1)
	e.ValLoss, e.ValAccuracy = math.NaN(), math.NaN()
	m.Append(e)
	m.Close()
	rows, err := ReadMetrics(path)
	if err != nil || len(rows) != 1 || !math.IsNaN(rows[0].ValLoss) || !math.IsNaN(rows[0].ValAccuracy) ||
		rows[0].TrainLoss != 1 {
		t.Errorf("got %+v, %v", rows, err)
	}
}

func TestMetricsErrors(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "other.csv")
	os.WriteFile(other, []byte("a,b\n1,2\n"), 0o644)
	if _, err := OpenMetrics(other, 0); err == nil || !strings.Contains(err.Error(), "other.csv: not a metrics file") {
		t.Errorf("got %v", err)
	}
	if data, _ := os.ReadFile(other); string(data) != "a,b\n1,2\n" {
		t.Errorf("a foreign file was changed: %q", data)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte(strings.Join(columns, ",")+"\n1,1,x,1,1,1,1,1,1\n"), 0o644)
	if _, err := ReadMetrics(bad); err == nil || err.Error() != bad+`:2: lr: bad value "x"` {
		t.Errorf("got %v", err)
	}
}
