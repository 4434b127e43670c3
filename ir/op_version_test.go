package ir

import "testing"

// newestOpset is the newest default-domain opset whose op forms the IR
// holds (frontend/onnx.MaxOpset; ir cannot import the frontend).
const newestOpset = 22

// TestOpVersions checks that every default-domain op records the ONNX
// version whose form the IR uses, within [Since, newestOpset]: the
// exporter derives the declared opset from it, and an op without one
// would force every model that uses it to the newest opset.
func TestOpVersions(t *testing.T) {
	n := 0
	for _, d := range Ops() {
		if d.Domain != DefaultDomain {
			continue
		}
		n++
		if d.Version < 1 || d.Version < d.Since || d.Version > newestOpset {
			t.Errorf("%s: Since %d, Version %d; want 0 < Since <= Version <= %d", d.Name, d.Since, d.Version, newestOpset)
		}
	}
	if n < 150 {
		t.Errorf("only %d default-domain ops registered", n)
	}
}
