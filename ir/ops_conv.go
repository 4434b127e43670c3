package ir

import "fmt"

// Convolution ops (Conv, ConvTranspose, ConvInteger, QLinearConv) and the
// sliding-window geometry they share with the pooling ops. The geometry is
// declared here, once, so that shape inference and every backend agree on
// output sizes and padding.

// Window is the geometry of a sliding window over the spatial dims of an
// N-D input: per spatial dim, the kernel size, stride, dilation, the
// padding before and after, and the output size.
type Window struct {
	In, Kernel, Strides, Dilations, PadBegin, PadEnd, Out []int
}

// convAttrs are the window attributes shared by Conv-like ops.
func convAttrs() []AttrDef {
	return []AttrDef{
		OptString("auto_pad", "NOTSET"),
		OptAttr("dilations", AttrInts),
		OptInt("group", 1),
		OptAttr("kernel_shape", AttrInts),
		OptAttr("pads", AttrInts),
		OptAttr("strides", AttrInts),
	}
}

// intsOr returns the ints attribute name of n as ints (rank values, or
// 2*rank for pads), filled with fill when the op does not declare it or it
// is absent.
func intsOr(n *Node, name string, rank, fill int) ([]int, error) {
	var vals []int64
	if n.Def.Attr(name) != nil {
		vals = n.Ints(name)
	}
	want := rank
	if name == "pads" { // begin and end per dim
		want = 2 * rank
	}
	if len(vals) == 0 {
		out := make([]int, want)
		for i := range out {
			out[i] = fill
		}
		return out, nil
	}
	if len(vals) != want {
		return nil, fmt.Errorf("attribute %s has %d values, want %d", name, len(vals), want)
	}
	out := make([]int, len(vals))
	for i, v := range vals {
		out[i] = int(v)
	}
	return out, nil
}

// floorDiv is integer division rounding toward negative infinity, as
// ONNX's reference formulas (written in Python) do.
func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func ceilDiv(a, b int) int { return -floorDiv(-a, b) }

// newWindow starts a Window from the node's strides, dilations and pads
// (explicit pads are returned as given, 2r values: begins then ends).
func newWindow(n *Node, in, kernel []int) (Window, []int, error) {
	r := len(in)
	if len(kernel) != r {
		return Window{}, nil, fmt.Errorf("kernel has %d spatial dims, input has %d", len(kernel), r)
	}
	w := Window{In: in, Kernel: kernel, PadBegin: make([]int, r), PadEnd: make([]int, r), Out: make([]int, r)}
	var err error
	if w.Strides, err = intsOr(n, "strides", r, 1); err != nil {
		return w, nil, err
	}
	if w.Dilations, err = intsOr(n, "dilations", r, 1); err != nil {
		return w, nil, err
	}
	pads, err := intsOr(n, "pads", r, 0)
	return w, pads, err
}

// WindowGeometry computes the window of a Conv or pooling node n over
// spatial input dims in with the given kernel sizes. It reads the node's
// auto_pad, strides, dilations and pads attributes (those the op declares);
// ceil selects ceil_mode rounding of the output size.
func WindowGeometry(n *Node, in, kernel []int, ceil bool) (Window, error) {
	w, pads, err := newWindow(n, in, kernel)
	if err != nil {
		return w, err
	}
	r := len(in)
	autoPad := "NOTSET"
	if n.Def.Attr("auto_pad") != nil {
		autoPad = n.Str("auto_pad")
	}
	for i := 0; i < r; i++ {
		s, d, k := w.Strides[i], w.Dilations[i], kernel[i]
		if s < 1 || d < 1 || k < 1 {
			return w, fmt.Errorf("dim %d: kernel %d, stride %d and dilation %d must be positive", i, k, s, d)
		}
		span := (k-1)*d + 1 // extent of one dilated window
		switch autoPad {
		case "NOTSET", "":
			w.PadBegin[i], w.PadEnd[i] = pads[i], pads[i+r]
			if w.PadBegin[i] < 0 || w.PadEnd[i] < 0 {
				return w, fmt.Errorf("negative pads %v", pads)
			}
			total := in[i] + w.PadBegin[i] + w.PadEnd[i] - span
			if total < 0 {
				return w, fmt.Errorf("dim %d: window %d larger than padded input %d", i, span, in[i]+w.PadBegin[i]+w.PadEnd[i])
			}
			if ceil {
				w.Out[i] = ceilDiv(total, s) + 1
				// A last window that starts inside the end padding would
				// see no input: drop it, as PyTorch and ONNX do.
				if (w.Out[i]-1)*s >= in[i]+w.PadBegin[i] {
					w.Out[i]--
				}
			} else {
				w.Out[i] = total/s + 1
			}
		case "VALID":
			if in[i] < span {
				return w, fmt.Errorf("dim %d: window %d larger than input %d", i, span, in[i])
			}
			w.Out[i] = (in[i]-span)/s + 1
		case "SAME_UPPER", "SAME_LOWER":
			w.Out[i] = ceilDiv(in[i], s)
			total := max(0, (w.Out[i]-1)*s+span-in[i])
			small, big := total/2, total-total/2
			if autoPad == "SAME_UPPER" {
				w.PadBegin[i], w.PadEnd[i] = small, big
			} else {
				w.PadBegin[i], w.PadEnd[i] = big, small
			}
		default:
			return w, fmt.Errorf("unknown auto_pad %q", autoPad)
		}
	}
	return w, nil
}

// ConvTransposeGeometry computes the window of a ConvTranspose node over
// spatial input dims in: Out is the output size and PadBegin/PadEnd are
// the pads cropped from the full transposed output (negative where
// output_shape asks for more than the full output). Output position of
// input i and kernel tap k is i*stride + k*dilation - PadBegin.
func ConvTransposeGeometry(n *Node, in, kernel []int) (Window, error) {
	w, pads, err := newWindow(n, in, kernel)
	if err != nil {
		return w, err
	}
	r := len(in)
	outPad, err := intsOr(n, "output_padding", r, 0)
	if err != nil {
		return w, err
	}
	outShape := n.Ints("output_shape")
	if len(outShape) == r+2 { // some exporters give N and C too
		outShape = outShape[2:]
	}
	if len(outShape) != 0 && len(outShape) != r {
		return w, fmt.Errorf("output_shape %v does not match %d spatial dims", outShape, r)
	}
	autoPad := n.Str("auto_pad")
	for i := 0; i < r; i++ {
		s, d, k := w.Strides[i], w.Dilations[i], kernel[i]
		if s < 1 || d < 1 || k < 1 {
			return w, fmt.Errorf("dim %d: kernel %d, stride %d and dilation %d must be positive", i, k, s, d)
		}
		full := s*(in[i]-1) + outPad[i] + (k-1)*d + 1
		switch {
		case len(outShape) > 0 || autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER":
			out := in[i] * s
			if len(outShape) > 0 {
				out = int(outShape[i])
			}
			total := full - out
			// ONNX: SAME_UPPER puts the odd pad at the end, otherwise at
			// the start (floor division: a negative total grows the end).
			if autoPad == "SAME_UPPER" {
				w.PadBegin[i], w.PadEnd[i] = floorDiv(total, 2), total-floorDiv(total, 2)
			} else {
				w.PadBegin[i], w.PadEnd[i] = total-floorDiv(total, 2), floorDiv(total, 2)
			}
			w.Out[i] = out
		case autoPad == "NOTSET" || autoPad == "" || autoPad == "VALID":
			if autoPad != "VALID" {
				w.PadBegin[i], w.PadEnd[i] = pads[i], pads[i+r]
			}
			w.Out[i] = full - w.PadBegin[i] - w.PadEnd[i]
		default:
			return w, fmt.Errorf("unknown auto_pad %q", autoPad)
		}
		if w.Out[i] < 0 {
			return w, fmt.Errorf("dim %d: negative output size %d", i, w.Out[i])
		}
	}
	return w, nil
}

// staticDims returns the concrete dims of input i's declared shape.
func staticDims(n *Node, i int) ([]int, bool) {
	return n.InType(i).Shape.Static()
}

// kernelOf returns kernel_shape, or the spatial dims of the weight input
// wIdx when the attribute is absent.
func kernelOf(n *Node, wIdx int) ([]int, bool) {
	if ks := n.Ints("kernel_shape"); len(ks) > 0 {
		out := make([]int, len(ks))
		for i, k := range ks {
			out[i] = int(k)
		}
		return out, true
	}
	if wIdx < 0 {
		return nil, false
	}
	w, ok := staticDims(n, wIdx)
	if !ok || len(w) < 3 {
		return nil, false
	}
	return w[2:], true
}

// inferConv returns an Infer for Conv-like ops: data input x, weight input
// w, output dtype dt (Undefined: x's dtype). The output shape is set when
// x's spatial dims and the weights are static; X's batch dim passes
// through as it is (a symbolic batch stays symbolic).
func inferConv(x, w int, dt DType, transpose bool) func(*Node) error {
	return func(n *Node) error {
		outDT := dt
		if outDT == Undefined {
			outDT = n.InType(x).DType
		}
		shape := UnrankedShape
		xd, sp, okX := windowInput(n, x)
		ws, okW := staticDims(n, w)
		k, okK := kernelOf(n, w)
		if okX && okW && okK && len(ws) == len(xd) {
			var g Window
			var err error
			m := ws[0]
			if transpose {
				g, err = ConvTransposeGeometry(n, sp, k)
				m = ws[1] * int(n.Int("group"))
			} else {
				g, err = WindowGeometry(n, sp, k, false)
			}
			if err != nil {
				return err
			}
			shape = windowOutput(xd[0], Static(int64(m)), g.Out)
		}
		n.SetOut(0, TensorType(outDT, shape))
		return nil
	}
}

// windowInput returns the dims of input i and its spatial dims (2...)
// when it is ranked with rank >= 3 and those spatial dims are static; the
// batch and channel dims may be symbolic or unknown.
func windowInput(n *Node, i int) (dims []Dim, spatial []int, ok bool) {
	s := n.InType(i).Shape
	if !s.Ranked || len(s.Dims) < 3 {
		return nil, nil, false
	}
	for _, d := range s.Dims[2:] {
		if !d.Known() {
			return nil, nil, false
		}
		spatial = append(spatial, int(d.Size))
	}
	return s.Dims, spatial, true
}

// windowOutput is the shape [batch, channels, out...].
func windowOutput(batch, channels Dim, out []int) Shape {
	dims := []Dim{batch, channels}
	for _, d := range out {
		dims = append(dims, Static(int64(d)))
	}
	return Shape{Ranked: true, Dims: dims}
}

func init() {
	Register(
		withGrad(&OpDef{Name: "Conv", Since: 1, Version: 11, MinInputs: 2, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
			Attrs: convAttrs(), Infer: inferConv(0, 1, Undefined, false),
			Doc: "N-D grouped convolution of X [N,C,D...] with W [M,C/group,k...] plus optional bias B [M]"}, gradConv),
		withGrad(&OpDef{Name: "ConvTranspose", Since: 1, Version: 11, MinInputs: 2, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
			Attrs: append(convAttrs(), OptAttr("output_padding", AttrInts), OptAttr("output_shape", AttrInts)),
			Infer: inferConv(0, 1, Undefined, true),
			Doc:   "N-D transposed (fractionally strided) convolution of X with W [C,M/group,k...] plus optional bias B [M]"}, gradConvTranspose),
		&OpDef{Name: "ConvInteger", Since: 10, Version: 10, MinInputs: 2, MaxInputs: 4, MinOutputs: 1, MaxOutputs: 1,
			Attrs: convAttrs(), Infer: inferConv(0, 1, Int32, false), NotDifferentiable: true,
			Doc: "int32 convolution of (x - x_zero_point) with (w - w_zero_point), zero point of w per tensor or per output channel"},
		&OpDef{Name: "QLinearConv", Since: 10, Version: 10, MinInputs: 8, MaxInputs: 9, MinOutputs: 1, MaxOutputs: 1,
			Attrs: convAttrs(), NotDifferentiable: true,
			Infer: func(n *Node) error {
				return inferConv(0, 3, n.InType(7).DType, false)(n)
			},
			Doc: "quantized convolution: dequantize x and w, convolve, add int32 bias, requantize with y_scale and y_zero_point"},
	)
}
