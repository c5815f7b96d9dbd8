package kb

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"slices"
	"strings"
	"testing"

	"zerodesk/internal/errs"
)

// tinyWebP is a 1×1 lossless WebP (the bytes browsers' feature tests use).
var tinyWebP, _ = base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/files/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// gpsMarks are bytes of the fixtures' GPS block, camera name, XMP and comment.
var gpsMarks = [][]byte{
	[]byte("Exif\x00\x00"), []byte("ZDCam"), []byte("GPSLatitude"), []byte("12 Rue Example"),
	{0, 0, 0, 48, 0, 0, 0, 1, 0, 0, 0, 51, 0, 0, 0, 1}, // 48° 51' (the latitude rationals)
	[]byte("http://ns.adobe.com/xap/1.0/"),
}

func hasAnyMark(b []byte) []string {
	var found []string
	for _, m := range gpsMarks {
		if bytes.Contains(b, m) {
			found = append(found, string(m))
		}
	}
	return found
}

// A photo carrying a GPS position (EXIF GPS IFD), an XMP packet with the same
// and a comment: what is stored has none of it, and still decodes to the
// same picture.
func TestAddFile_StripsGPSExifXMPAndCommentsFromAJPEG(t *testing.T) {
	t.Parallel()
	k, db, _ := seeded(t, demoFS())
	in := readFixture(t, "gps-exif.jpg")
	if len(hasAnyMark(in)) < 5 {
		t.Fatalf("the fixture lost its GPS block: %v", hasAnyMark(in))
	}
	f, err := k.AddFile(context.Background(), "holiday.jpg", in, 0)
	if err != nil {
		t.Fatal(err)
	}
	if f.Type != TypeJPEG || f.Width != 64 || f.Height != 48 || f.MetadataCut <= 0 {
		t.Fatalf("file = %+v", f)
	}
	_, stored, err := k.FileData(context.Background(), f.Hash, "jpg")
	if err != nil {
		t.Fatal(err)
	}
	if found := hasAnyMark(stored); len(found) > 0 {
		t.Fatalf("stored JPEG still holds %q", found)
	}
	// Nowhere in the database either (no copy in another table).
	var n int
	db.Read.QueryRow(`SELECT count(*) FROM kb_files WHERE instr(data, $1) > 0`, []byte("Exif\x00\x00")).Scan(&n)
	if n != 0 {
		t.Fatal("EXIF bytes in kb_files")
	}
	want, _ := jpeg.Decode(bytes.NewReader(in))
	got, err := jpeg.Decode(bytes.NewReader(stored))
	if err != nil {
		t.Fatalf("stripped JPEG does not decode: %v", err)
	}
	if !samePixels(want, got) {
		t.Fatal("stripping changed the picture")
	}
}

func TestAddFile_StripsTextAndExifChunksFromAPNG(t *testing.T) {
	t.Parallel()
	k, _, _ := seeded(t, demoFS())
	in := readFixture(t, "gps-exif.png")
	if len(hasAnyMark(in)) < 3 {
		t.Fatalf("the fixture lost its metadata: %v", hasAnyMark(in))
	}
	f, err := k.AddFile(context.Background(), "shot.png", in, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, stored, _ := k.FileData(context.Background(), f.Hash, "png")
	for _, c := range []string{"tEXt", "iTXt", "zTXt", "eXIf"} {
		if bytes.Contains(stored, []byte(c)) {
			t.Errorf("stored PNG holds a %s chunk", c)
		}
	}
	if found := hasAnyMark(stored); len(found) > 0 {
		t.Fatalf("stored PNG still holds %q", found)
	}
	want, _ := png.Decode(bytes.NewReader(in))
	got, err := png.Decode(bytes.NewReader(stored))
	if err != nil || !samePixels(want, got) {
		t.Fatalf("stripped PNG: %v", err)
	}
}

// webpWithMetadata wraps tinyWebP's bitstream in VP8X with EXIF and XMP chunks.
func webpWithMetadata() []byte {
	vp8l := tinyWebP[12:] // the VP8L chunk
	chunk := func(typ string, data []byte) []byte {
		b := append([]byte(typ), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
		b = append(b, data...)
		if len(data)%2 == 1 {
			b = append(b, 0)
		}
		return b
	}
	vp8x := []byte{0x08 | 0x04 | 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0} // EXIF, XMP, alpha; 1×1
	body := []byte("WEBP")
	body = append(body, chunk("VP8X", vp8x)...)
	body = append(body, vp8l...)
	body = append(body, chunk("EXIF", []byte("MM\x00\x2a ZDCam GPSLatitude"))...)
	body = append(body, chunk("XMP ", []byte("<x:xmpmeta exif:GPSLatitude='48,51.4N'/>"))...)
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
	return append(out, body...)
}

func TestAddFile_StripsExifAndXMPChunksFromAWebP(t *testing.T) {
	t.Parallel()
	k, _, _ := seeded(t, demoFS())
	in := webpWithMetadata()
	f, err := k.AddFile(context.Background(), "a.webp", in, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, stored, _ := k.FileData(context.Background(), f.Hash, "webp")
	if bytes.Contains(stored, []byte("EXIF")) || bytes.Contains(stored, []byte("XMP ")) || len(hasAnyMark(stored)) > 0 {
		t.Fatalf("stored WebP holds metadata: %q", stored)
	}
	if flags := stored[20]; flags&(0x08|0x04) != 0 || flags&0x10 == 0 {
		t.Fatalf("VP8X flags = %#x: want EXIF and XMP off, alpha kept", flags)
	}
	if size := binary.LittleEndian.Uint32(stored[4:]); int(size) != len(stored)-8 {
		t.Fatalf("RIFF size %d for %d bytes", size, len(stored))
	}
	if f.Width != 1 || f.Height != 1 {
		t.Fatalf("size %d×%d", f.Width, f.Height)
	}
	// The plain lossless file, too, is accepted unchanged.
	g, err := k.AddFile(context.Background(), "b.webp", tinyWebP, 0)
	if err != nil || g.MetadataCut != 0 {
		t.Fatalf("tiny WebP: %+v %v", g, err)
	}
}

func TestAddFile_StripsGIFCommentsAndKeepsTheAnimation(t *testing.T) {
	t.Parallel()
	k, _, _ := seeded(t, demoFS())
	pal := color.Palette{color.Black, color.White}
	frame := image.NewPaletted(image.Rect(0, 0, 4, 4), pal)
	var b bytes.Buffer
	gif.EncodeAll(&b, &gif.GIF{Image: []*image.Paletted{frame, frame}, Delay: []int{10, 10}, LoopCount: 0})
	in := b.Bytes()
	// A comment extension before the trailer.
	in = append(in[:len(in)-1:len(in)-1], append([]byte{0x21, 0xFE, 14}, append([]byte("12 Rue Example"), 0, 0x3B)...)...)
	f, err := k.AddFile(context.Background(), "anim.gif", in, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, stored, _ := k.FileData(context.Background(), f.Hash, "gif")
	if bytes.Contains(stored, []byte("12 Rue Example")) {
		t.Fatal("comment kept")
	}
	g, err := gif.DecodeAll(bytes.NewReader(stored))
	if err != nil || len(g.Image) != 2 || !bytes.Contains(stored, []byte("NETSCAPE2.0")) {
		t.Fatalf("animation lost: %v", err)
	}
}

func TestAddFile_SniffsTheTypeFromTheBytesAndRefusesTheRest(t *testing.T) {
	t.Parallel()
	k, _, _ := seeded(t, demoFS())
	ctx := context.Background()
	jpg := readFixture(t, "gps-exif.jpg")
	for name, c := range map[string]struct {
		data []byte
		msg  string
	}{
		"html named .png":    {[]byte("<html><script>alert(1)</script></html>"), MsgFileType},
		"svg":                {[]byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), MsgFileType},
		"empty":              {nil, MsgFileMissing},
		"truncated jpeg":     {jpg[:len(jpg)/2], MsgFileBroken},
		"png signature only": {pngSignature, MsgFileBroken},
		"too large":          {append([]byte("%PDF-1.7\n"), make([]byte, MaxFileBytes)...), MsgFileTooLarge},
	} {
		_, err := k.AddFile(ctx, "x.png", c.data, 0)
		if errs.CodeOf(err) != errs.Invalid || errs.MessageIDOf(err) != c.msg {
			t.Errorf("%s: err = %v, want %s", name, err, c.msg)
		}
	}
	// A JPEG named .png is stored as what it is.
	f, err := k.AddFile(ctx, "lie.png", jpg, 0)
	if err != nil || f.Type != TypeJPEG || !strings.HasSuffix(f.Path(), ".jpg") {
		t.Fatalf("%+v %v", f, err)
	}
	pdf := []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
	p, err := k.AddFile(ctx, `C:\Users\me\guide.pdf`, pdf, 0)
	if err != nil || p.Type != TypePDF || p.Name != "guide.pdf" || p.MetadataCut != 0 {
		t.Fatalf("%+v %v", p, err)
	}
}

func TestFiles_SameBytesOnceNewestFirstAndUnknownAddressesNotFound(t *testing.T) {
	t.Parallel()
	k, _, clk := seeded(t, demoFS())
	ctx := context.Background()
	a, _ := k.AddFile(ctx, "one.webp", tinyWebP, 0)
	clk.Add(60e9)
	b, _ := k.AddFile(ctx, "two.jpg", readFixture(t, "gps-exif.jpg"), 0)
	if again, err := k.AddFile(ctx, "again.webp", tinyWebP, 0); err != nil || again.Hash != a.Hash {
		t.Fatalf("again: %+v %v", again, err)
	}
	list, err := k.Files(ctx, 50)
	if err != nil || len(list) != 2 || list[0].Hash != b.Hash || list[1].Hash != a.Hash || list[1].Name != "one.webp" {
		t.Fatalf("files = %+v, %v", list, err)
	}
	for _, c := range [][2]string{{a.Hash, "jpg"}, {a.Hash, "exe"}, {"../../etc/passwd", "webp"}, {strings.Repeat("0", 64), "webp"}} {
		if _, _, err := k.FileData(ctx, c[0], c[1]); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("%v: %v", c, err)
		}
	}
}

func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				return false
			}
		}
	}
	return true
}

func TestImagesWithoutAlt(t *testing.T) {
	t.Parallel()
	md := "Intro ![A screenshot of the form](/files/a.png)\n\n" +
		"![](/files/b.png) and ![   ](/files/c.png)\n\n" +
		"![*emphasis* counts](/files/d.png)\n\n![ref-less][pic]\n\n![][pic]\n\n[pic]: /files/e.png\n\n" +
		"`![](not-an-image.png)`\n"
	got := ImagesWithoutAlt(md)
	want := []string{"/files/b.png", "/files/c.png", "/files/e.png"}
	if !slices.Equal(got, want) {
		t.Fatalf("ImagesWithoutAlt = %q, want %q", got, want)
	}
	if got := ImagesWithoutAlt("no images here"); got != nil {
		t.Fatalf("%q", got)
	}
	err := RequireAltText(md)
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.Invalid || e.MessageID != MsgImagesWithoutAlt ||
		e.Data["Images"] != "/files/b.png, /files/c.png, /files/e.png" || e.Data["Count"] != 3 {
		t.Fatalf("RequireAltText = %#v", err)
	}
	if err := RequireAltText("![A form](/files/a.png)"); err != nil {
		t.Fatal(err)
	}
}

// A phone photo stored sideways with Orientation 6 (little-endian EXIF, as
// phones write it) keeps its orientation, alone in a new EXIF segment; the
// camera, the position and the rest are gone.
func TestAddFile_KeepsOnlyTheOrientationOfAPhoneJPEG(t *testing.T) {
	t.Parallel()
	k, _, _ := seeded(t, demoFS())
	le := binary.LittleEndian
	tiff := []byte{'I', 'I', 42, 0, 8, 0, 0, 0}
	entry := func(tag, typ uint16, count, val uint32) {
		tiff = le.AppendUint16(tiff, tag)
		tiff = le.AppendUint16(tiff, typ)
		tiff = le.AppendUint32(tiff, count)
		tiff = le.AppendUint32(tiff, val)
	}
	tiff = le.AppendUint16(tiff, 3)
	entry(0x010F, 2, 4, uint32('Z')|uint32('D')<<8|uint32('C')<<16) // Make "ZDC"
	entry(0x0112, 3, 1, 6)                                          // Orientation: rotate 90° clockwise
	entry(0x8825, 4, 1, 50)                                         // GPSInfo at 50
	tiff = le.AppendUint32(tiff, 0)
	tiff = le.AppendUint16(tiff, 1)
	entry(0x0001, 2, 2, 'S') // GPSLatitudeRef "S"
	tiff = le.AppendUint32(tiff, 0)
	app1 := append([]byte{0xFF, 0xE1, 0, 0}, "Exif\x00\x00"...)
	app1 = append(app1, tiff...)
	binary.BigEndian.PutUint16(app1[2:], uint16(len(app1)-2))
	src := readFixture(t, "gps-exif.jpg")
	var plain bytes.Buffer
	img, _ := jpeg.Decode(bytes.NewReader(src))
	jpeg.Encode(&plain, img, nil)
	in := append(append([]byte{0xFF, 0xD8}, app1...), plain.Bytes()[2:]...)

	f, err := k.AddFile(context.Background(), "phone.jpg", in, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, stored, _ := k.FileData(context.Background(), f.Hash, "jpg")
	want := append([]byte{0xFF, 0xD8}, orientationSegment(6)...)
	if !bytes.HasPrefix(stored, want) {
		t.Fatalf("stored starts % x, want % x", stored[:40], want)
	}
	if bytes.Contains(stored, []byte("ZDC")) || bytes.Count(stored, []byte("Exif\x00\x00")) != 1 {
		t.Fatal("more than the orientation was kept")
	}
	if got := exifOrientation(stored[2+4+6:]); got != 6 {
		t.Fatalf("orientation read back = %d", got)
	}
	again, err := StripMetadata(TypeJPEG, stored)
	if err != nil || !bytes.Equal(again, stored) {
		t.Fatalf("stripping again changed it: %v", err)
	}
	if _, err := jpeg.DecodeConfig(bytes.NewReader(stored)); err != nil {
		t.Fatal(err)
	}
}
