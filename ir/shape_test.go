package ir

import (
	"errors"
	"slices"
	"testing"
)

func TestBroadcastDims(t *testing.T) {
	cases := []struct {
		a, b, want []int
		err        bool
	}{
		{[]int{2, 3}, []int{3}, []int{2, 3}, false},
		{[]int{2, 1, 4}, []int{3, 1}, []int{2, 3, 4}, false},
		{[]int{}, []int{5}, []int{5}, false},
		{[]int{0, 1}, []int{1, 7}, []int{0, 7}, false},
		{[]int{2, 3}, []int{4}, nil, true},
	}
	for _, c := range cases {
		got, err := BroadcastDims(c.a, c.b)
		if (err != nil) != c.err {
			t.Errorf("%v,%v: err %v", c.a, c.b, err)
			continue
		}
		if !c.err && !slices.Equal(got, c.want) {
			t.Errorf("%v,%v = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestBroadcastShapesSymbolic(t *testing.T) {
	a := Shape{Ranked: true, Dims: []Dim{Symbolic("N"), Static(1), Static(4)}}
	b := ShapeOf(3, 1)
	got, err := BroadcastShapes(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != "[N,3,4]" {
		t.Errorf("got %s, want [N,3,4]", got)
	}
	if s, _ := BroadcastShapes(a, UnrankedShape); s.Ranked {
		t.Errorf("unranked input gave ranked %s", s)
	}
	if _, err := BroadcastShapes(ShapeOf(2), ShapeOf(3)); err == nil {
		t.Error("2 vs 3 broadcast without error")
	}
}

func TestShapeAccepts(t *testing.T) {
	s := Shape{Ranked: true, Dims: []Dim{Symbolic("batch"), Static(3)}}
	if !s.Accepts([]int{7, 3}) || s.Accepts([]int{7, 4}) || s.Accepts([]int{3}) {
		t.Errorf("Accepts wrong for %s", s)
	}
	if !UnrankedShape.Accepts([]int{1, 2, 3}) {
		t.Error("unranked shape must accept anything")
	}
}

func TestAllocLimits(t *testing.T) {
	if _, err := NewTensor(Float32, []int{1 << 40, 1 << 40}); err == nil {
		t.Error("overflowing shape allocated")
	}
	old := TensorLimit()
	defer SetTensorLimit(old)
	SetTensorLimit(1024)
	_, err := NewTensor(Float32, []int{1024})
	var ae *AllocError
	if !errors.As(err, &ae) {
		t.Fatalf("4 KiB tensor under a 1 KiB limit: err = %v", err)
	}
	if _, err := NewTensor(Float32, []int{256}); err != nil {
		t.Errorf("1 KiB tensor under a 1 KiB limit: %v", err)
	}
}
