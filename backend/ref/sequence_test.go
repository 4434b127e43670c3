package ref

import (
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// sqRun runs one node of op on data (nil for an omitted input), typing
// each graph input after its data.
func sqRun(t *testing.T, op string, attrs map[string]*ir.Attr, nOut int, data ...ir.Data) ([]ir.Data, error) {
	t.Helper()
	g := ir.NewGraph("test")
	var ins []*ir.Value
	var feed []ir.Data
	for i, d := range data {
		var typ ir.Type
		switch x := d.(type) {
		case nil:
			ins = append(ins, nil)
			continue
		case *ir.Tensor:
			typ = ir.TensorType(x.DType, ir.ShapeOf(x.Shape...))
		case *ir.Sequence:
			typ = ir.SequenceOf(x.Elem)
		case *ir.Optional:
			typ = ir.OptionalOf(x.Elem)
		}
		ins = append(ins, g.AddInput(string(rune('a'+i)), typ))
		feed = append(feed, d)
	}
	outs := make([]string, nOut)
	for i := range outs {
		outs[i] = string(rune('z' - i))
	}
	n := cfNode(t, g, ir.NodeSpec{Op: op, Inputs: ins, Outputs: outs, Attrs: attrs})
	g.Outputs = n.Outputs
	return cfRun(t, g, feed...)
}

func sqMust(t *testing.T, op string, attrs map[string]*ir.Attr, data ...ir.Data) ir.Data {
	t.Helper()
	res, err := sqRun(t, op, attrs, 1, data...)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	return res[0]
}

func sqSeq(t *testing.T, d ir.Data, n int) *ir.Sequence {
	t.Helper()
	s, ok := d.(*ir.Sequence)
	if !ok || len(s.Items) != n {
		t.Fatalf("got %#v, want a sequence of %d items", d, n)
	}
	return s
}

func TestSequenceBasics(t *testing.T) {
	a := ir.FromSlice([]int{2}, []float32{1, 2})
	b := ir.FromSlice([]int{1}, []float32{3})
	c := ir.FromSlice([]int{3}, []float32{4, 5, 6})
	s := sqSeq(t, sqMust(t, "SequenceConstruct", nil, a, b), 2)
	if s.Elem.DType != ir.Float32 {
		t.Errorf("element type %s", s.Elem)
	}
	// Insert at the front (negative position counts from the back).
	s2 := sqSeq(t, sqMust(t, "SequenceInsert", nil, s, c, ir.Scalar(int64(-2))), 3)
	cfTensor(t, "front", s2.Items[0], []int{3}, 4, 5, 6)
	cfTensor(t, "at -1", sqMust(t, "SequenceAt", nil, s2, ir.Scalar(int32(-1))), []int{1}, 3)
	cfTensor(t, "length", sqMust(t, "SequenceLength", nil, s2), nil, 3)
	if len(s.Items) != 2 {
		t.Fatal("SequenceInsert modified its input")
	}
	// Append is the default, erase of the last is the default.
	s3 := sqSeq(t, sqMust(t, "SequenceInsert", nil, s, c), 3)
	cfTensor(t, "back", s3.Items[2], []int{3}, 4, 5, 6)
	s4 := sqSeq(t, sqMust(t, "SequenceErase", nil, s3), 2)
	cfTensor(t, "after erase", s4.Items[1], []int{1}, 3)
	s5 := sqSeq(t, sqMust(t, "SequenceErase", nil, s3, ir.Scalar(int64(0))), 2)
	cfTensor(t, "erase first", s5.Items[0], []int{1}, 3)

	empty := sqSeq(t, sqMust(t, "SequenceEmpty", map[string]*ir.Attr{"dtype": ir.IntAttr(int64(ir.Int64))}), 0)
	if empty.Elem.DType != ir.Int64 {
		t.Errorf("empty sequence element %s", empty.Elem)
	}

	_, err := sqRun(t, "SequenceAt", nil, 1, s, ir.Scalar(int64(2)))
	cfErr(t, "at 2 of 2", err, "out of range")
	_, err = sqRun(t, "SequenceInsert", nil, 1, s, ir.Scalar(int64(7)))
	cfErr(t, "insert i64 into f32", err, "dtype")
	_, err = sqRun(t, "SequenceInsert", nil, 1, empty, a)
	cfErr(t, "insert f32 into empty i64", err, "dtype")
	_, err = sqRun(t, "SequenceErase", nil, 1, empty)
	cfErr(t, "erase from empty", err, "empty")
	wantBuildErr(t, "dtypes bound to T differ", "SequenceConstruct", nil, a, ir.Scalar(int64(1)))
}

func TestSplitAndConcat(t *testing.T) {
	x := ir.FromSlice([]int{2, 3}, []int64{1, 2, 3, 4, 5, 6})
	// Lengths along axis 1.
	s := sqSeq(t, sqMust(t, "SplitToSequence", map[string]*ir.Attr{"axis": ir.IntAttr(1)}, x, ir.FromSlice([]int{2}, []int64{2, 1})), 2)
	cfTensor(t, "piece 0", s.Items[0], []int{2, 2}, 1, 2, 4, 5)
	cfTensor(t, "piece 1", s.Items[1], []int{2, 1}, 3, 6)
	// A scalar split: equal pieces, the last shorter.
	s = sqSeq(t, sqMust(t, "SplitToSequence", map[string]*ir.Attr{"axis": ir.IntAttr(-1)}, x, ir.Scalar(int64(2))), 2)
	cfTensor(t, "short piece", s.Items[1], []int{2, 1}, 3, 6)
	// No split, keepdims=0: rows with the axis squeezed.
	rows := sqSeq(t, sqMust(t, "SplitToSequence", map[string]*ir.Attr{"keepdims": ir.IntAttr(0)}, x), 2)
	cfTensor(t, "row 1", rows.Items[1], []int{3}, 4, 5, 6)

	cfTensor(t, "concat", sqMust(t, "ConcatFromSequence", map[string]*ir.Attr{"axis": ir.IntAttr(0)}, rows), []int{6}, 1, 2, 3, 4, 5, 6)
	cfTensor(t, "stack axis -1", sqMust(t, "ConcatFromSequence",
		map[string]*ir.Attr{"axis": ir.IntAttr(-1), "new_axis": ir.IntAttr(1)}, rows), []int{3, 2}, 1, 4, 2, 5, 3, 6)

	_, err := sqRun(t, "SplitToSequence", nil, 1, x, ir.FromSlice([]int{2}, []int64{1, 2}))
	cfErr(t, "lengths not summing", err, "sum")
	uneven := sqMust(t, "SequenceConstruct", nil, ir.FromSlice([]int{2}, []int64{1, 2}), ir.FromSlice([]int{1}, []int64{3}))
	_, err = sqRun(t, "ConcatFromSequence", map[string]*ir.Attr{"axis": ir.IntAttr(0), "new_axis": ir.IntAttr(1)}, 1, uneven)
	cfErr(t, "stack uneven", err, "must match")
	cfTensor(t, "concat uneven", sqMust(t, "ConcatFromSequence", map[string]*ir.Attr{"axis": ir.IntAttr(0)}, uneven), []int{3}, 1, 2, 3)
}

func TestSequenceMap(t *testing.T) {
	g := ir.NewGraph("main")
	seq := g.AddInput("s", ir.SequenceOf(ir.TensorType(ir.Float32, ir.UnrankedShape)))
	bias := g.AddInput("b", ir.TensorType(ir.Float32, ir.ShapeOf(1)))
	body := g.NewSubgraph("body")
	item := body.AddInput("item", ir.TensorType(ir.Float32, ir.UnrankedShape))
	bb := body.AddInput("bb", ir.TensorType(ir.Float32, ir.ShapeOf(1)))
	body.Outputs = cfNode(t, body, ir.NodeSpec{Op: "Add", Inputs: []*ir.Value{item, bb}, Outputs: []string{"sum"}}).Outputs
	n := cfNode(t, g, ir.NodeSpec{Op: "SequenceMap", Inputs: []*ir.Value{seq, bias}, Outputs: []string{"out"},
		Attrs: map[string]*ir.Attr{"body": ir.GraphAttr(body)}})
	g.Outputs = n.Outputs
	if n.Outputs[0].Type.Kind != ir.SequenceKind {
		t.Errorf("inferred %s, want a sequence", n.Outputs[0].Type)
	}
	in := &ir.Sequence{Elem: ir.TensorType(ir.Float32, ir.UnrankedShape), Items: []*ir.Tensor{
		ir.FromSlice([]int{2}, []float32{1, 2}), ir.FromSlice([]int{0}, []float32{})}}
	res, err := cfRun(t, g, in, ir.FromSlice([]int{1}, []float32{10}))
	if err != nil {
		t.Fatal(err)
	}
	out := sqSeq(t, res[0], 2)
	cfTensor(t, "item 0", out.Items[0], []int{2}, 11, 12)
	cfTensor(t, "item 1", out.Items[1], []int{0})
}

func TestOptional(t *testing.T) {
	x := ir.FromSlice([]int{1}, []float32{7})
	opt := sqMust(t, "Optional", nil, x).(*ir.Optional)
	if opt.Value != ir.Data(x) {
		t.Fatal("Optional does not hold its input")
	}
	cfTensor(t, "has", sqMust(t, "OptionalHasElement", nil, opt), nil, 1)
	cfTensor(t, "get", sqMust(t, "OptionalGetElement", nil, opt), []int{1}, 7)
	// A plain tensor counts as present and passes through.
	cfTensor(t, "has tensor", sqMust(t, "OptionalHasElement", nil, x), nil, 1)
	cfTensor(t, "get tensor", sqMust(t, "OptionalGetElement", nil, x), []int{1}, 7)

	typ := ir.SequenceOf(ir.TensorType(ir.Int32, ir.UnrankedShape))
	empty := sqMust(t, "Optional", map[string]*ir.Attr{"type": {Kind: ir.AttrType, Type: &typ}}).(*ir.Optional)
	if empty.Value != nil || empty.Elem.Kind != ir.SequenceKind {
		t.Fatalf("empty optional %#v", empty)
	}
	cfTensor(t, "has empty", sqMust(t, "OptionalHasElement", nil, empty), nil, 0)
	cfTensor(t, "has omitted", sqMust(t, "OptionalHasElement", nil), nil, 0)
	_, err := sqRun(t, "OptionalGetElement", nil, 1, empty)
	cfErr(t, "get empty", err, "empty")
	_, err = sqRun(t, "Optional", nil, 1)
	cfErr(t, "untyped empty", err, "type attribute")
}
