package train

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dlc-go/dlc/internal/atomicfile"
	"github.com/dlc-go/dlc/ir"
)

// Checkpoint is everything a resumed run needs to continue as if it had
// not stopped: every carried value (parameters, optimizer state, running
// statistics), the counters, and the schedule's and early stopping's
// state. The data order of an epoch depends only on the seed and the
// epoch, and dropout masks on the seed and the step, so those need no
// state of their own.
type Checkpoint struct {
	// Epochs is the number of epochs completed; Steps of optimizer steps.
	Epochs, Steps int
	Values        map[string]*ir.Tensor
	Schedule      Schedule
	EarlyStop     EarlyStop
	// Spec is the training spec's digest: a resume with another spec is
	// refused.
	Spec string
	// State is whatever else a training loop needs to continue exactly
	// (a GAN's noise generator), opaque here.
	State []byte
	// LossScale is dynamic loss scaling's state (zero without it).
	LossScale LossScaleState
}

// ckptMagic starts every checkpoint file.
const ckptMagic = "dlc-checkpoint 1\n"

// storedTensor is a tensor as gob stores it.
type storedTensor struct {
	DType ir.DType
	Shape []int
	F32   []float32
	F64   []float64
	I64   []int64
	U16   []uint16
}

type storedCheckpoint struct {
	Epochs, Steps int
	Values        map[string]storedTensor
	Schedule      Schedule
	EarlyStop     EarlyStop
	Spec          string
	State         []byte
	LossScale     LossScaleState
}

// Save writes c to path atomically (a temporary file in the same folder,
// then a rename): a crash leaves the previous checkpoint intact.
func (c *Checkpoint) Save(path string) error {
	sc := storedCheckpoint{Epochs: c.Epochs, Steps: c.Steps, Values: map[string]storedTensor{},
		Schedule: c.Schedule, EarlyStop: c.EarlyStop, Spec: c.Spec, State: c.State, LossScale: c.LossScale}
	for name, t := range c.Values {
		st := storedTensor{DType: t.DType, Shape: t.Shape}
		switch d := t.Data.(type) {
		case []float32:
			st.F32 = d
		case []float64:
			st.F64 = d
		case []int64:
			st.I64 = d
		case []uint16:
			st.U16 = d
		default:
			return fmt.Errorf("checkpoint: %q is a %s tensor", name, t.DType)
		}
		sc.Values[name] = st
	}
	var b bytes.Buffer
	b.WriteString(ckptMagic)
	if err := gob.NewEncoder(&b).Encode(&sc); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(path, b.Bytes(), 0o644)
}

// LoadCheckpoint reads a checkpoint Save wrote.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(b, []byte(ckptMagic)) {
		return nil, fmt.Errorf("%s: not a dlc checkpoint", path)
	}
	var sc storedCheckpoint
	if err := gob.NewDecoder(bytes.NewReader(b[len(ckptMagic):])).Decode(&sc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c := &Checkpoint{Epochs: sc.Epochs, Steps: sc.Steps, Values: map[string]*ir.Tensor{},
		Schedule: sc.Schedule, EarlyStop: sc.EarlyStop, Spec: sc.Spec, State: sc.State, LossScale: sc.LossScale}
	for name, st := range sc.Values {
		t := &ir.Tensor{DType: st.DType, Shape: st.Shape}
		switch {
		case st.F32 != nil:
			t.Data = st.F32
		case st.F64 != nil:
			t.Data = st.F64
		case st.I64 != nil:
			t.Data = st.I64
		case st.U16 != nil:
			t.Data = st.U16
		default:
			t.Data = ir.Zeros(st.DType, st.Shape).Data // gob drops empty slices
		}
		if err := t.Check(); err != nil {
			return nil, fmt.Errorf("%s: %q: %w", path, name, err)
		}
		c.Values[name] = t
	}
	return c, nil
}

// CheckpointName is the file of the checkpoint after epoch e.
func CheckpointName(e int) string { return fmt.Sprintf("epoch-%04d.ckpt", e) }

// LatestCheckpoint returns the newest checkpoint in dir ("" if none).
func LatestCheckpoint(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "epoch-") && strings.HasSuffix(e.Name(), ".ckpt") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return "", nil
	}
	sort.Strings(names)
	return filepath.Join(dir, names[len(names)-1]), nil
}

// PruneCheckpoints keeps the newest keep checkpoints in dir.
func PruneCheckpoints(dir string, keep int) {
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "epoch-") && strings.HasSuffix(e.Name(), ".ckpt") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for i := 0; i < len(names)-max(keep, 1); i++ {
		os.Remove(filepath.Join(dir, names[i]))
	}
}
