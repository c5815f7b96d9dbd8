package kb

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// pdfWithMetadata builds a small, well-formed PDF (one page of text) with a
// cross-reference table of real offsets, an information dictionary naming
// its author and programs, an XMP metadata stream (compressed, as many
// programs write it), and a second, incremental update whose trailer names
// the information dictionary again.
func pdfWithMetadata() []byte {
	var b bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	var xmp bytes.Buffer
	z := zlib.NewWriter(&xmp)
	z.Write([]byte(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>Jane Doe</dc:creator><xmp:CreatorTool>SecretWriter 9</xmp:CreatorTool></x:xmpmeta>`))
	z.Close()
	content := "BT /F1 24 Tf 72 700 Td (Paper tray \\(open\\) >> guide) Tj ET"
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	obj("<< /Type /Catalog /Pages 2 0 R /Metadata 6 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>")
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	obj(fmt.Sprintf("<< /Type /Metadata /Subtype /XML /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream", xmp.Len(), xmp.Bytes()))
	obj("<< /Author (Jane Doe \\(home\\)) /Creator <536563726574577269746572> /Producer (SecretPDF 1.0) /CreationDate (D:20260101120000+01'00') >>")
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info 7 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	// An incremental update: the information dictionary again.
	again := b.Len()
	b.WriteString("7 0 obj\n<< /Author (Jane Doe) /ModDate (D:20260202) >>\nendobj\n")
	xref2 := b.Len()
	fmt.Fprintf(&b, "xref\n7 1\n%010d 00000 n \ntrailer\n<< /Size %d /Root 1 0 R /Info 7 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n",
		again, len(offsets)+1, xref, xref2)
	return b.Bytes()
}

// checkPDFOffsets: every startxref points at an xref table whose entries
// each point at their object.
func checkPDFOffsets(t *testing.T, pdf []byte) {
	t.Helper()
	for _, m := range regexp.MustCompile(`startxref\s+(\d+)`).FindAllSubmatch(pdf, -1) {
		at, _ := strconv.Atoi(string(m[1]))
		if !bytes.HasPrefix(pdf[at:], []byte("xref")) {
			t.Fatalf("startxref %d does not point at xref", at)
		}
		lines := strings.Split(string(pdf[at:]), "\n")
		first, count := 0, 0
		fmt.Sscanf(lines[1], "%d %d", &first, &count)
		for k := 0; k < count; k++ {
			var off, gen int
			var kind string
			fmt.Sscanf(lines[2+k], "%d %d %s", &off, &gen, &kind)
			if kind != "n" {
				continue
			}
			want := fmt.Sprintf("%d 0 obj", first+k)
			if !bytes.HasPrefix(pdf[off:], []byte(want)) {
				t.Fatalf("xref entry %d: offset %d holds %q", first+k, off, pdf[off:min(off+20, len(pdf))])
			}
		}
	}
}

func TestStripPDF_BlanksInfoAndXMPKeepingEveryOffset(t *testing.T) {
	in := pdfWithMetadata()
	checkPDFOffsets(t, in)
	out := stripPDF(in)
	if len(out) != len(in) {
		t.Fatalf("length %d → %d", len(in), len(out))
	}
	checkPDFOffsets(t, out)
	for _, gone := range []string{"Jane Doe", "/Author", "/Producer", "SecretPDF", "536563726574577269746572", "/Info", "/CreationDate", "/ModDate", "/FlateDecode"} {
		if bytes.Contains(out, []byte(gone)) {
			t.Errorf("%q is still in the PDF", gone)
		}
	}
	// The XMP stream is spaces: nothing compressed of it is left.
	meta := regexp.MustCompile(`(?s)6 0 obj\n(<<.*?>>)\nstream\n(.*?)\nendstream`).FindSubmatch(out)
	if meta == nil || len(bytes.TrimSpace(meta[2])) != 0 || !bytes.Contains(meta[1], []byte("/Type /Metadata")) {
		t.Fatalf("metadata object = %q", meta)
	}
	// What the reader sees stays: the page, its text (with a ">>" in a
	// string), the catalog, and empty dictionaries where the info was.
	for _, kept := range []string{"(Paper tray \\(open\\) >> guide) Tj", "/Type /Catalog", "/Root 1 0 R", "/Prev ", "/Length "} {
		if !bytes.Contains(out, []byte(kept)) {
			t.Errorf("%q was lost", kept)
		}
	}
	if n := len(regexp.MustCompile(`7 0 obj\n<<\s*>>\nendobj`).FindAll(out, -1)); n != 2 {
		t.Errorf("%d emptied information dictionaries, want 2:\n%s", n, out)
	}
	if again := stripPDF(out); !bytes.Equal(again, out) {
		t.Error("stripping twice changed the PDF")
	}
}

// An uploaded PDF is stored without its metadata, under the hash of what is
// stored.
func TestFiles_PDFStoredWithoutItsMetadata(t *testing.T) {
	k, _, _ := seeded(t, demoFS())
	ctx := context.Background()
	f, err := k.AddFile(ctx, "guide.pdf", pdfWithMetadata(), 0)
	if err != nil || f.Type != TypePDF {
		t.Fatalf("%+v %v", f, err)
	}
	_, data, err := k.FileData(ctx, f.Hash, f.Type.Ext)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("Jane Doe")) || bytes.Contains(data, []byte("/Info")) || len(data) != len(pdfWithMetadata()) {
		t.Errorf("stored PDF keeps its metadata (%d bytes)", len(data))
	}
}
