package views

import (
	"fmt"
	"image/color"
	"strconv"
	"strings"

	"github.com/boombuler/barcode/qr"
)

// The two-step set-up's QR code is part of its page, as inline SVG markup
// (the CSP's img-src does not govern inline <svg>; no data: URL, no style
// attribute), so no address serves it and no log can hold one.

// qrQuietZone is the light margin around the modules, in modules (ISO/IEC
// 18004 asks for 4).
const qrQuietZone = 4

// QRCode is a QR code drawn as one SVG path: Path holds the dark modules,
// in a square of Size units (the modules plus the quiet zone on each side).
type QRCode struct {
	Path string
	Size int
}

// ViewBox is the SVG viewBox of q.
func (q QRCode) ViewBox() string { return "0 0 " + strconv.Itoa(q.Size) + " " + strconv.Itoa(q.Size) }

// NewQRCode encodes text (an otpauth:// URI) at error-correction level M.
// Each row's runs of dark modules are one "M x,y h n v1 h -n z" each, so the
// path is small and the matrix reads back from it (ParseQRPath).
func NewQRCode(text string) (QRCode, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return QRCode{}, fmt.Errorf("views: qr code: %w", err)
	}
	m := qrMatrix(code.Bounds().Dx(), func(x, y int) color.Color { return code.At(x, y) })
	var b strings.Builder
	for y, row := range m {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			n := 1
			for x+n < len(row) && row[x+n] {
				n++
			}
			fmt.Fprintf(&b, "M%d,%dh%dv1h-%dz", x+qrQuietZone, y+qrQuietZone, n, n)
			x += n
		}
	}
	return QRCode{Path: b.String(), Size: len(m) + 2*qrQuietZone}, nil
}

// qrMatrix is the dim x dim module matrix of at, true where dark.
func qrMatrix(dim int, at func(x, y int) color.Color) [][]bool {
	m := make([][]bool, dim)
	for y := range m {
		m[y] = make([]bool, dim)
		for x := range m[y] {
			m[y][x] = color.GrayModel.Convert(at(x, y)).(color.Gray).Y < 128
		}
	}
	return m
}

// QRMatrix is the module matrix qr.Encode gives for text (level M), true
// where dark, without the quiet zone: what a path of NewQRCode must draw.
func QRMatrix(text string) ([][]bool, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return nil, err
	}
	return qrMatrix(code.Bounds().Dx(), func(x, y int) color.Color { return code.At(x, y) }), nil
}

// ParseQRPath reads the module matrix back from a path of NewQRCode in a
// square of size units (the quiet zone taken off): only the commands
// NewQRCode writes are understood, and a run outside the modules or drawn
// twice is an error.
func ParseQRPath(path string, size int) ([][]bool, error) {
	dim := size - 2*qrQuietZone
	if dim <= 0 {
		return nil, fmt.Errorf("size %d", size)
	}
	m := make([][]bool, dim)
	for y := range m {
		m[y] = make([]bool, dim)
	}
	for _, run := range strings.SplitAfter(path, "z") {
		if run == "" {
			continue
		}
		var x, y, n, back int
		if _, err := fmt.Sscanf(run, "M%d,%dh%dv1h-%dz", &x, &y, &n, &back); err != nil {
			return nil, fmt.Errorf("run %q: %w", run, err)
		}
		x, y = x-qrQuietZone, y-qrQuietZone
		if n < 1 || back != n || y < 0 || y >= dim || x < 0 || x+n > dim {
			return nil, fmt.Errorf("run %q outside the modules", run)
		}
		for i := x; i < x+n; i++ {
			if m[y][i] {
				return nil, fmt.Errorf("run %q drawn twice", run)
			}
			m[y][i] = true
		}
	}
	return m, nil
}
