package views

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestQRCode_ThePathDrawsTheMatrixOfTheURL: the set-up page's inline QR code
// (one SVG path) reads back to exactly the module matrix qr.Encode gives for
// the otpauth URI, with the quiet zone around it; a path with one module
// dropped, or one added, does not.
func TestQRCode_ThePathDrawsTheMatrixOfTheURL(t *testing.T) {
	t.Parallel()
	for _, url := range []string{
		"otpauth://totp/zerodesk:Ada%20Lovelace?algorithm=SHA1&digits=6&issuer=zerodesk&period=30&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
		"otpauth://totp/zerodesk:%D8%B9%D9%84%D9%8A%20%E5%B1%B1%E7%94%B0?algorithm=SHA1&digits=6&issuer=zerodesk&period=30&secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
	} {
		q, err := NewQRCode(url)
		if err != nil {
			t.Fatal(err)
		}
		want, err := QRMatrix(url)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) < 21 || q.Size != len(want)+2*qrQuietZone || q.ViewBox() != "0 0 "+strconv.Itoa(q.Size)+" "+strconv.Itoa(q.Size) {
			t.Fatalf("size %d, viewBox %q for a %d-module code", q.Size, q.ViewBox(), len(want))
		}
		got, err := ParseQRPath(q.Path, q.Size)
		if err != nil {
			t.Fatal(err)
		}
		if !sameMatrix(got, want) {
			t.Fatalf("the path does not draw the QR code of %q", url)
		}
		if strings.Count(q.Path, "M") < len(want) {
			t.Errorf("%d runs for %d rows", strings.Count(q.Path, "M"), len(want))
		}

		// One module dropped: the first run made a module shorter (or gone).
		runs := strings.SplitAfter(q.Path, "z")
		var x, y, n int
		if _, err := fmt.Sscanf(runs[0], "M%d,%dh%d", &x, &y, &n); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			runs[0] = ""
		} else {
			runs[0] = "M" + strconv.Itoa(x) + "," + strconv.Itoa(y) + "h" + strconv.Itoa(n-1) + "v1h-" + strconv.Itoa(n-1) + "z"
		}
		if m, err := ParseQRPath(strings.Join(runs, ""), q.Size); err != nil || sameMatrix(m, want) {
			t.Errorf("a path with a module dropped still reads as the code (%v)", err)
		}
		// One light module added.
		for ly, row := range want {
			if lx := slices.Index(row, false); lx >= 0 {
				extra := "M" + strconv.Itoa(lx+qrQuietZone) + "," + strconv.Itoa(ly+qrQuietZone) + "h1v1h-1z"
				if m, err := ParseQRPath(q.Path+extra, q.Size); err != nil || sameMatrix(m, want) {
					t.Errorf("a path with a module added still reads as the code (%v)", err)
				}
				break
			}
		}
	}
	if _, err := ParseQRPath("M0,0h1v1h-1z", 30); err == nil {
		t.Error("a run in the quiet zone is read as a module")
	}
}

func sameMatrix(a, b [][]bool) bool {
	return slices.EqualFunc(a, b, func(r, s []bool) bool { return slices.Equal(r, s) })
}
