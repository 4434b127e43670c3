package ref

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"github.com/dlc-go/dlc/ir"
)

func init() { Register("ImageDecoder", imageDecoderKernel) }

// imageDecoderKernel decodes the bytes of a JPEG, PNG or GIF image (the
// formats Go's standard library reads; GIF gives its first frame) into
// uint8 [H, W, 3] in RGB or BGR order or [H, W, 1] for Grayscale. Other
// formats ONNX lists (BMP, TIFF, WebP, JPEG 2000, PNM) are recognized by
// their signature and rejected with an error naming them.
//
// Alpha is dropped: the color channels are the un-premultiplied ones, as
// an RGB conversion of an RGBA image does in PIL (which ONNX's reference
// uses). Grayscale of a color image is ITU-R 601-2 luma in PIL's integer
// form, (19595 R + 38470 G + 7471 B + 2^15) >> 16; a gray image keeps its
// values. JPEG decoders may differ from libjpeg by a unit or two in the
// color conversion and chroma upsampling.
func imageDecoderKernel(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	if x.DType != ir.Uint8 || x.Rank() != 1 {
		return nil, fmt.Errorf("encoded_stream is %s%v, want 1-D uint8 bytes", x.DType, x.Shape)
	}
	format := n.Str("pixel_format")
	if format != "RGB" && format != "BGR" && format != "Grayscale" {
		return nil, fmt.Errorf("unknown pixel_format %q (want RGB, BGR or Grayscale)", format)
	}
	data := ir.Values[uint8](x)
	img, err := decodeImage(data)
	if err != nil {
		return nil, err
	}
	bounds := img.Bounds()
	h, w := bounds.Dy(), bounds.Dx()
	ch := 3
	if format == "Grayscale" {
		ch = 1
	}
	out := ir.Zeros(ir.Uint8, []int{h, w, ch})
	px := ir.Values[uint8](out)
	gray := isGray(img)
	for y := range h {
		for xx := range w {
			c := img.At(bounds.Min.X+xx, bounds.Min.Y+y)
			o := (y*w + xx) * ch
			if gray {
				// Exact for 8-bit gray; 16-bit gray keeps its high byte.
				g := color.GrayModel.Convert(c).(color.Gray).Y
				for k := range ch {
					px[o+k] = g
				}
				continue
			}
			nc := color.NRGBAModel.Convert(c).(color.NRGBA)
			switch format {
			case "RGB":
				px[o], px[o+1], px[o+2] = nc.R, nc.G, nc.B
			case "BGR":
				px[o], px[o+1], px[o+2] = nc.B, nc.G, nc.R
			default:
				px[o] = uint8((19595*uint32(nc.R) + 38470*uint32(nc.G) + 7471*uint32(nc.B) + 1<<15) >> 16)
			}
		}
	}
	return Outs(out), nil
}

// decodeImage picks the decoder from the stream's signature, so that an
// unsupported format is named rather than reported as corrupt data. The
// header is read first so that a huge declared size fails like any
// oversized tensor instead of exhausting memory.
func decodeImage(b []byte) (image.Image, error) {
	var dec func(io.Reader) (image.Image, error)
	var conf func(io.Reader) (image.Config, error)
	f := imageFormat(b)
	switch f {
	case "JPEG":
		dec, conf = jpeg.Decode, jpeg.DecodeConfig
	case "PNG":
		dec, conf = png.Decode, png.DecodeConfig
	case "GIF":
		dec, conf = gif.Decode, gif.DecodeConfig
	case "":
		return nil, fmt.Errorf("encoded_stream (%d bytes) is not an image format ImageDecoder knows", len(b))
	default:
		return nil, fmt.Errorf("image format %s is not supported (only JPEG, PNG and GIF)", f)
	}
	c, err := conf(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("decoding %s header: %v", f, err)
	}
	// 8 bytes a pixel (16-bit RGBA) bounds what the decoders allocate.
	mustAlloc(ir.Uint8, []int{c.Height, c.Width, 8})
	img, err := dec(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("decoding %s: %v", f, err)
	}
	return img, nil
}

// imageFormat names the format of an encoded image from its magic bytes,
// or returns "".
func imageFormat(b []byte) string {
	has := func(off int, magic string) bool {
		return len(b) >= off+len(magic) && string(b[off:off+len(magic)]) == magic
	}
	switch {
	case has(0, "\xff\xd8\xff"):
		return "JPEG"
	case has(0, "\x89PNG\r\n\x1a\n"):
		return "PNG"
	case has(0, "GIF87a"), has(0, "GIF89a"):
		return "GIF"
	case has(0, "BM"):
		return "BMP"
	case has(0, "II*\x00"), has(0, "MM\x00*"):
		return "TIFF"
	case has(0, "RIFF") && has(8, "WEBP"):
		return "WebP"
	case has(0, "\x00\x00\x00\x0cjP  \r\n\x87\n"), has(0, "\xff\x4f\xff\x51"):
		return "JPEG 2000"
	case len(b) >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '7':
		return "PNM"
	}
	return ""
}

// isGray reports whether the image has a single gray channel.
func isGray(img image.Image) bool {
	switch img.(type) {
	case *image.Gray, *image.Gray16:
		return true
	}
	return false
}
