package data

import (
	"slices"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// int64 features [N, T] (token ids) load as the same whole numbers, up
// to 2^24; a larger id, which float32 would round, is an error naming
// the file and the element.
func TestLoadNPYTokenIDs(t *testing.T) {
	dir := t.TempDir()
	ids := []int64{0, 0, 5, 257, 1 << 24, -(1 << 24), 3, 0, 16777215}
	fx := writeNPY(t, dir, "x.npy", &ir.Tensor{DType: ir.Int64, Shape: []int{3, 3}, Data: ids})
	fy := writeNPY(t, dir, "y.npy", &ir.Tensor{DType: ir.Int64, Shape: []int{3}, Data: []int64{6, 0, 2}})
	m, err := LoadNPY(fx, fy, NPYOptions{NumClasses: 7})
	if err != nil {
		t.Fatal(err)
	}
	x, y, _ := fillAll(m)
	for i, v := range x {
		if int64(v) != ids[i] || float32(ids[i]) != v {
			t.Fatalf("element %d: loaded %v from %d", i, v, ids[i])
		}
	}
	if !slices.Equal(m.SampleShape(), []int{3}) || !slices.Equal(y, []int64{6, 0, 2}) {
		t.Errorf("sample shape %v, labels %v", m.SampleShape(), y)
	}
	big := writeNPY(t, dir, "big.npy", &ir.Tensor{DType: ir.Int64, Shape: []int{3, 1}, Data: []int64{1, 1<<24 + 1, 2}})
	_, err = LoadNPY(big, fy, NPYOptions{})
	wantErr(t, err, big, "element 1 is 16777217", "exactly")
	neg := writeNPY(t, dir, "neg.npy", &ir.Tensor{DType: ir.Int32, Shape: []int{3, 1}, Data: []int32{1, 2, -(1<<24 + 3)}})
	_, err = LoadNPY(neg, fy, NPYOptions{})
	wantErr(t, err, neg, "element 2 is -16777219")
}
