package kb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
)

// The files editors upload (issue 13, item 8): the type is sniffed from the
// bytes (never the name or the Content-Type the browser sent), and the
// metadata of an image (EXIF with its GPS position, XMP, comments, text
// chunks) is removed before it is stored. The strippers below keep only
// what a decoder needs, by an allow-list per format, and drop anything after
// the image's end; each has a fuzz target (fuzz_test.go).

// FileType is a kind of file editors may upload.
type FileType struct {
	Ext         string // without the dot: png, jpg, gif, webp, pdf
	ContentType string
	Image       bool
}

// The file types editors may upload.
var (
	TypePNG  = FileType{"png", "image/png", true}
	TypeJPEG = FileType{"jpg", "image/jpeg", true}
	TypeGIF  = FileType{"gif", "image/gif", true}
	TypeWebP = FileType{"webp", "image/webp", true}
	TypePDF  = FileType{"pdf", "application/pdf", false}
)

// FileTypes lists them, for the upload form and the served Content-Type.
var FileTypes = []FileType{TypePNG, TypeJPEG, TypeGIF, TypeWebP, TypePDF}

// TypeByExt is the type whose address ends in ext.
func TypeByExt(ext string) (FileType, bool) {
	for _, t := range FileTypes {
		if t.Ext == ext {
			return t, true
		}
	}
	return FileType{}, false
}

// SniffType names the type of data from its first bytes; false for any
// other kind of file.
func SniffType(data []byte) (FileType, bool) {
	switch {
	case bytes.HasPrefix(data, pngSignature):
		return TypePNG, true
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return TypeJPEG, true
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return TypeGIF, true
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return TypeWebP, true
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return TypePDF, true
	}
	return FileType{}, false
}

var errBadImage = errors.New("kb: malformed image")

// StripMetadata returns the image without its metadata, or errBadImage when
// it is not well formed; a PDF with its information dictionary and XMP
// metadata blanked in place (pdfmeta.go).
func StripMetadata(t FileType, data []byte) ([]byte, error) {
	switch t {
	case TypeJPEG:
		return stripJPEG(data)
	case TypePNG:
		return stripPNG(data)
	case TypeGIF:
		return stripGIF(data)
	case TypeWebP:
		return stripWebP(data)
	case TypePDF:
		return stripPDF(data), nil
	}
	return data, nil
}

// imageSize decodes an image's header (never its pixels) for its size; a
// file that does not decode is refused.
func imageSize(t FileType, data []byte) (w, h int, err error) {
	var cfg image.Config
	switch t {
	case TypeJPEG:
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	case TypePNG:
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	case TypeGIF:
		cfg, err = gif.DecodeConfig(bytes.NewReader(data))
	case TypeWebP:
		return webpSize(data)
	default:
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, errBadImage
	}
	return cfg.Width, cfg.Height, nil
}

// --- JPEG: a sequence of marker segments. Kept: everything but APPn and
// COM, except APP0 (JFIF) and APP14 (Adobe, which says how to convert CMYK
// colours). The entropy-coded data after SOS is copied as is, up to the next
// marker; anything after EOI is dropped. The one EXIF field a reader needs,
// the orientation (a phone's photo taken upright is stored sideways), is
// written back alone in a new, minimal EXIF segment right after SOI.

func stripJPEG(in []byte) ([]byte, error) {
	if len(in) < 4 || in[0] != 0xFF || in[1] != 0xD8 {
		return nil, errBadImage
	}
	out := make([]byte, 0, len(in))
	out = append(out, 0xFF, 0xD8)
	orientation, seenExif := uint16(0), false
	done := func() ([]byte, error) {
		out = append(out, 0xFF, 0xD9)
		if orientation < 2 || orientation > 8 {
			return out, nil
		}
		return append(append(out[:2:2], orientationSegment(orientation)...), out[2:]...), nil
	}
	i := 2
	for {
		// Markers may be preceded by fill bytes 0xFF.
		if i >= len(in) || in[i] != 0xFF {
			return nil, errBadImage
		}
		for i < len(in) && in[i] == 0xFF {
			i++
		}
		if i >= len(in) {
			return nil, errBadImage
		}
		m := in[i]
		i++
		switch {
		case m == 0xD9: // EOI
			return done()
		case m == 0x01 || (m >= 0xD0 && m <= 0xD7) || m == 0x00:
			// Standalone markers (TEM, RSTn) outside a scan: keep.
			out = append(out, 0xFF, m)
			continue
		}
		if i+2 > len(in) {
			return nil, errBadImage
		}
		n := int(binary.BigEndian.Uint16(in[i:]))
		if n < 2 || i+n > len(in) {
			return nil, errBadImage
		}
		seg := in[i : i+n]
		i += n
		keep := true
		switch {
		case m == 0xE0: // APP0: JFIF (or JFXX thumbnails, which go)
			keep = n >= 7 && string(seg[2:7]) == "JFIF\x00"
		case m == 0xEE: // APP14: Adobe colour transform
			keep = n >= 7 && string(seg[2:7]) == "Adobe"
		case m >= 0xE1 && m <= 0xEF, m == 0xFE: // other APPn, COM
			keep = false
			if m == 0xE1 && !seenExif && n >= 8 && string(seg[2:8]) == "Exif\x00\x00" {
				seenExif = true
				orientation = exifOrientation(seg[8:])
			}
		}
		if keep {
			out = append(out, 0xFF, m)
			out = append(out, seg...)
		}
		if m == 0xDA { // SOS: entropy-coded data up to the next real marker
			start := i
			for {
				if i+1 >= len(in) {
					return nil, errBadImage
				}
				if in[i] == 0xFF {
					next := in[i+1]
					if next != 0x00 && !(next >= 0xD0 && next <= 0xD7) && next != 0xFF {
						break
					}
					if next == 0xFF { // fill byte before a marker
						i++
						continue
					}
				}
				i++
			}
			out = append(out, in[start:i]...)
		}
	}
}

// exifOrientation reads the Orientation (0x0112) of a TIFF block's IFD0;
// 0 when it has none or the block is malformed.
func exifOrientation(tiff []byte) uint16 {
	if len(tiff) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(tiff[:2]) {
	case "MM":
		bo = binary.BigEndian
	case "II":
		bo = binary.LittleEndian
	default:
		return 0
	}
	off := int64(bo.Uint32(tiff[4:]))
	if off < 8 || off+2 > int64(len(tiff)) {
		return 0
	}
	n := int64(bo.Uint16(tiff[off:]))
	for e := off + 2; e+12 <= int64(len(tiff)) && e < off+2+12*n; e += 12 {
		if bo.Uint16(tiff[e:]) == 0x0112 && bo.Uint16(tiff[e+2:]) == 3 && bo.Uint32(tiff[e+4:]) == 1 {
			return bo.Uint16(tiff[e+8:])
		}
	}
	return 0
}

// orientationSegment is an APP1 EXIF segment holding only the orientation.
func orientationSegment(o uint16) []byte {
	b := []byte{0xFF, 0xE1, 0, 34}
	b = append(b, "Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08"...)
	b = append(b, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, byte(o>>8), byte(o), 0, 0, 0, 0, 0, 0)
	return b
}

// --- PNG: chunks, kept by an allow-list (the critical ones and those that
// change how the pixels look or move); tEXt, iTXt, zTXt, eXIf, tIME and
// every unknown or private chunk go. Nothing after IEND is kept.

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

var pngKeep = map[string]bool{
	"IHDR": true, "PLTE": true, "IDAT": true, "IEND": true,
	"tRNS": true, "gAMA": true, "cHRM": true, "sRGB": true, "iCCP": true, "cICP": true,
	"sBIT": true, "pHYs": true, "bKGD": true, "acTL": true, "fcTL": true, "fdAT": true,
}

func stripPNG(in []byte) ([]byte, error) {
	if !bytes.HasPrefix(in, pngSignature) {
		return nil, errBadImage
	}
	out := make([]byte, 0, len(in))
	out = append(out, pngSignature...)
	i := len(pngSignature)
	first := true
	for {
		if i+12 > len(in) {
			return nil, errBadImage
		}
		n := binary.BigEndian.Uint32(in[i:])
		if n > uint32(len(in)-i-12) {
			return nil, errBadImage
		}
		end := i + 12 + int(n)
		typ := string(in[i+4 : i+8])
		if first && typ != "IHDR" {
			return nil, errBadImage
		}
		first = false
		if crc32.ChecksumIEEE(in[i+4:end-4]) != binary.BigEndian.Uint32(in[end-4:]) {
			return nil, errBadImage
		}
		if pngKeep[typ] {
			out = append(out, in[i:end]...)
		}
		i = end
		if typ == "IEND" {
			return out, nil
		}
	}
}

// --- GIF: header, screen descriptor and colour table, then blocks. Kept:
// images, graphic control extensions, and the NETSCAPE2.0 / ANIMEXTS1.0
// application extension (looping). Comments, plain text, other application
// extensions (XMP) go; nothing after the trailer is kept.

func stripGIF(in []byte) ([]byte, error) {
	if len(in) < 13 {
		return nil, errBadImage
	}
	i := 13
	if in[10]&0x80 != 0 {
		i += 3 << (int(in[10]&0x07) + 1)
	}
	if i > len(in) {
		return nil, errBadImage
	}
	out := make([]byte, 0, len(in))
	out = append(out, in[:i]...)
	// subBlocks returns the end of the sub-block chain starting at j.
	subBlocks := func(j int) (int, bool) {
		for {
			if j >= len(in) {
				return 0, false
			}
			n := int(in[j])
			j++
			if n == 0 {
				return j, true
			}
			j += n
		}
	}
	for {
		if i >= len(in) {
			return nil, errBadImage
		}
		switch in[i] {
		case 0x3B: // trailer
			return append(out, 0x3B), nil
		case 0x2C: // image descriptor, local colour table, LZW size, data
			j := i + 10
			if j > len(in) {
				return nil, errBadImage
			}
			if in[i+9]&0x80 != 0 {
				j += 3 << (int(in[i+9]&0x07) + 1)
			}
			j++ // LZW minimum code size
			end, ok := subBlocks(j)
			if !ok {
				return nil, errBadImage
			}
			out = append(out, in[i:end]...)
			i = end
		case 0x21: // extension
			if i+2 > len(in) {
				return nil, errBadImage
			}
			label := in[i+1]
			end, ok := subBlocks(i + 2)
			if !ok {
				return nil, errBadImage
			}
			keep := label == 0xF9 // graphic control
			if label == 0xFF && i+3 < len(in) && in[i+2] == 11 && i+14 <= len(in) {
				id := string(in[i+3 : i+14])
				keep = id == "NETSCAPE2.0" || id == "ANIMEXTS1.0"
			}
			if keep {
				out = append(out, in[i:end]...)
			}
			i = end
		default:
			return nil, errBadImage
		}
	}
}

// --- WebP: a RIFF container of chunks. EXIF and XMP chunks go (and VP8X's
// flags stop announcing them); unknown chunks go too. The RIFF size is
// written anew; nothing after the RIFF's end is kept.

var webpKeep = map[string]bool{
	"VP8 ": true, "VP8L": true, "VP8X": true, "ALPH": true, "ANIM": true, "ANMF": true, "ICCP": true,
}

func stripWebP(in []byte) ([]byte, error) {
	if len(in) < 12 || string(in[:4]) != "RIFF" || string(in[8:12]) != "WEBP" {
		return nil, errBadImage
	}
	size := int64(binary.LittleEndian.Uint32(in[4:]))
	if size < 4 || size+8 > int64(len(in)) {
		return nil, errBadImage
	}
	body := in[12 : 8+size]
	out := make([]byte, 12, len(in))
	copy(out, "RIFF\x00\x00\x00\x00WEBP")
	image := false
	for j := 0; j < len(body); {
		if j+8 > len(body) {
			return nil, errBadImage
		}
		typ := string(body[j : j+4])
		n := int64(binary.LittleEndian.Uint32(body[j+4:]))
		end := int64(j) + 8 + n + n&1
		if int64(j)+8+n > int64(len(body)) {
			return nil, errBadImage
		}
		if end > int64(len(body)) {
			end = int64(len(body)) // a missing last pad byte
		}
		if webpKeep[typ] {
			start := len(out)
			out = append(out, body[j:int(end)]...)
			if n&1 == 1 && end == int64(j)+8+n {
				out = append(out, 0)
			}
			switch typ {
			case "VP8X":
				if n < 10 {
					return nil, errBadImage
				}
				out[start+8] &^= 0x08 | 0x04 // EXIF and XMP flags
			case "VP8 ", "VP8L", "ANMF":
				image = true
			}
		}
		j = int(end)
	}
	if !image {
		return nil, errBadImage
	}
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out, nil
}

// webpSize reads the canvas size from VP8X, VP8 or VP8L; the file has been
// through stripWebP, so its chunks are well formed.
func webpSize(data []byte) (int, int, error) {
	for j := 12; j+8 <= len(data); {
		typ := string(data[j : j+4])
		n := int(binary.LittleEndian.Uint32(data[j+4:]))
		c := data[j+8:]
		if n > len(c) {
			break
		}
		c = c[:n]
		switch typ {
		case "VP8X":
			if len(c) >= 10 {
				w := 1 + (int(c[4]) | int(c[5])<<8 | int(c[6])<<16)
				h := 1 + (int(c[7]) | int(c[8])<<8 | int(c[9])<<16)
				return w, h, nil
			}
		case "VP8 ":
			if len(c) >= 10 && c[3] == 0x9d && c[4] == 0x01 && c[5] == 0x2a {
				return int(binary.LittleEndian.Uint16(c[6:]) & 0x3fff), int(binary.LittleEndian.Uint16(c[8:]) & 0x3fff), nil
			}
		case "VP8L":
			if len(c) >= 5 && c[0] == 0x2f {
				b := binary.LittleEndian.Uint32(c[1:])
				return int(b&0x3fff) + 1, int(b>>14&0x3fff) + 1, nil
			}
		}
		j += 8 + n + n&1
	}
	return 0, 0, errBadImage
}
