package ref

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"slices"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func idFormat(f string) map[string]*ir.Attr {
	return map[string]*ir.Attr{"pixel_format": ir.StringAttr(f)}
}

func idBytes(b []byte) *ir.Tensor { return ir.FromSlice([]int{len(b)}, b) }

func idPNG(t *testing.T, img image.Image) *ir.Tensor {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return idBytes(buf.Bytes())
}

func idJPEG(t *testing.T, img image.Image) *ir.Tensor {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	return idBytes(buf.Bytes())
}

func idPixels(t *testing.T, what string, got *ir.Tensor, shape []int, want ...uint8) {
	t.Helper()
	if got.DType != ir.Uint8 || !slices.Equal(got.Shape, shape) {
		t.Fatalf("%s: got %s%v, want uint8%v", what, got.DType, got.Shape, shape)
	}
	if g := ir.Values[uint8](got); !slices.Equal(g, want) {
		t.Errorf("%s: got %v, want %v", what, g, want)
	}
}

func TestImageDecoderPNG(t *testing.T) {
	// 2 rows x 3 columns (H=2, W=3); one pixel half transparent, whose
	// un-premultiplied color must come through unchanged.
	img := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	px := []color.NRGBA{{10, 200, 30, 255}, {255, 0, 0, 255}, {0, 0, 255, 255},
		{123, 45, 67, 255}, {10, 20, 30, 128}, {0, 0, 0, 255}}
	for i, c := range px {
		img.SetNRGBA(i%3, i/3, c)
	}
	enc := idPNG(t, img)
	idPixels(t, "RGB", xoMust(t, "ImageDecoder", nil, enc), []int{2, 3, 3},
		10, 200, 30, 255, 0, 0, 0, 0, 255, 123, 45, 67, 10, 20, 30, 0, 0, 0)
	idPixels(t, "BGR", xoMust(t, "ImageDecoder", idFormat("BGR"), enc), []int{2, 3, 3},
		30, 200, 10, 0, 0, 255, 255, 0, 0, 67, 45, 123, 30, 20, 10, 0, 0, 0)
	// Luma (19595 R + 38470 G + 7471 B + 32768) >> 16, worked out per
	// pixel: e.g. (10,200,30) -> 124 (0.299R+0.587G+0.114B = 123.81).
	idPixels(t, "Grayscale", xoMust(t, "ImageDecoder", idFormat("Grayscale"), enc), []int{2, 3, 1},
		124, 76, 29, 71, 18, 0)
}

func TestImageDecoderGraySource(t *testing.T) {
	// A gray PNG keeps its values exactly and RGB repeats them.
	g := image.NewGray(image.Rect(0, 0, 2, 1))
	g.Pix = []uint8{7, 250}
	enc := idPNG(t, g)
	idPixels(t, "gray->Grayscale", xoMust(t, "ImageDecoder", idFormat("Grayscale"), enc), []int{1, 2, 1}, 7, 250)
	idPixels(t, "gray->RGB", xoMust(t, "ImageDecoder", nil, enc), []int{1, 2, 3}, 7, 7, 7, 250, 250, 250)
}

func TestImageDecoderJPEG(t *testing.T) {
	// JPEG is lossy even at quality 100 (quantization, YCbCr rounding,
	// chroma subsampling), so compare with a tolerance. A uniform color
	// has no chroma edges and a horizontal gray ramp only luma ones.
	const w, h = 16, 8
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{200, 100, 50, 255})
		}
	}
	got := xoMust(t, "ImageDecoder", nil, idJPEG(t, img))
	if !slices.Equal(got.Shape, []int{h, w, 3}) {
		t.Fatalf("color jpeg: shape %v, want [%d %d 3]", got.Shape, h, w)
	}
	for i, v := range ir.Values[uint8](got) {
		want := []int{200, 100, 50}[i%3]
		if d := int(v) - want; d < -3 || d > 3 {
			t.Fatalf("color jpeg: element %d = %d, want %d ± 3", i, v, want)
		}
	}
	gray := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			gray.SetGray(x, y, color.Gray{uint8(16 * x)})
		}
	}
	got = xoMust(t, "ImageDecoder", idFormat("Grayscale"), idJPEG(t, gray))
	if !slices.Equal(got.Shape, []int{h, w, 1}) {
		t.Fatalf("gray jpeg: shape %v, want [%d %d 1]", got.Shape, h, w)
	}
	for i, v := range ir.Values[uint8](got) {
		want := 16 * (i % w)
		if d := int(v) - want; d < -3 || d > 3 {
			t.Fatalf("gray jpeg: pixel %d = %d, want %d ± 3", i, v, want)
		}
	}
}

func TestImageDecoderErrors(t *testing.T) {
	ok := idPNG(t, image.NewGray(image.Rect(0, 0, 1, 1)))
	xoErr(t, "ImageDecoder", idFormat("RGBA"), "pixel_format", ok)
	// Recognized but unsupported formats are named.
	xoErr(t, "ImageDecoder", nil, "BMP", idBytes([]byte("BM\x3a\x00\x00\x00\x00\x00\x00\x00")))
	xoErr(t, "ImageDecoder", nil, "WebP", idBytes([]byte("RIFF\x00\x00\x00\x00WEBPVP8 ")))
	xoErr(t, "ImageDecoder", nil, "TIFF", idBytes([]byte("II*\x00\x08\x00\x00\x00")))
	xoErr(t, "ImageDecoder", nil, "not an image format", idBytes([]byte("hello")))
	// A truncated PNG is a decoding error naming PNG.
	b := ir.Values[uint8](ok)
	xoErr(t, "ImageDecoder", nil, "decoding PNG", idBytes(b[:len(b)/2]))
	xoErr(t, "ImageDecoder", nil, "1-D uint8", ir.FromSlice([]int{1, 2}, []uint8{1, 2}))
}

// The declared size is checked against the tensor limit before decoding:
// an image too large panics with *ir.AllocError (which the runtime turns
// into an error naming the node) instead of exhausting memory.
func TestImageDecoderSizeLimit(t *testing.T) {
	enc := idPNG(t, image.NewGray(image.Rect(0, 0, 64, 64)))
	old := ir.TensorLimit()
	ir.SetTensorLimit(64 * 64 * 8 / 2)
	defer ir.SetTensorLimit(old)
	defer func() {
		if _, ok := recover().(*ir.AllocError); !ok {
			t.Error("want an *ir.AllocError panic for an image over the tensor limit")
		}
	}()
	_, _ = runOp(t, "ImageDecoder", nil, outNames(1), enc)
}
