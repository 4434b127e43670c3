package report

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"

	"github.com/dlc-go/dlc/internal/atomicfile"
)

// ImageGrid writes gray images (each h×w values in [0, 1], row-major) as
// one PNG, cols images per row with a 2-pixel gap, each pixel scaled by
// zoom; the file is written atomically. Values outside [0, 1] are
// clipped.
func ImageGrid(path string, images [][]float32, h, w, cols, zoom int) error {
	if len(images) == 0 || h < 1 || w < 1 || cols < 1 || zoom < 1 {
		return fmt.Errorf("image grid %s: nothing to draw", path)
	}
	const gap = 2
	rows := (len(images) + cols - 1) / cols
	cw, ch := w*zoom+gap, h*zoom+gap
	img := image.NewGray(image.Rect(0, 0, cols*cw+gap, rows*ch+gap))
	for i := range img.Pix {
		img.Pix[i] = 48 // a dark gray between the images
	}
	for k, im := range images {
		if len(im) != h*w {
			return fmt.Errorf("image grid %s: image %d has %d values, want %d×%d", path, k, len(im), h, w)
		}
		x0, y0 := gap+(k%cols)*cw, gap+(k/cols)*ch
		for y := range h * zoom {
			for x := range w * zoom {
				v := float64(im[(y/zoom)*w+x/zoom])
				if math.IsNaN(v) {
					v = 0
				}
				img.SetGray(x0+x, y0+y, color.Gray{Y: uint8(math.Round(255 * min(1, max(0, v))))})
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return err
	}
	return atomicfile.Write(path, b.Bytes(), 0o644)
}
