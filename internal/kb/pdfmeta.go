package kb

import (
	"bytes"
	"regexp"
	"strconv"
)

// PDF metadata (issue 13, item 8): a PDF carries its author, the programs
// that made it and dates in its document information dictionary (the
// trailer's /Info) and in an XMP metadata stream (/Type /Metadata). stripPDF
// blanks both in place, with spaces of the same length, so every byte offset
// (the cross-reference table, startxref) stays valid and the file needs no
// rewriting:
//
//   - every "/Info N G R" of a trailer or cross-reference stream dictionary
//     becomes spaces: the document has no information dictionary;
//   - the body of each object it named ("N G obj << … >>"), when stored
//     plainly, becomes an empty dictionary "<<   …   >>";
//   - the data of every stream whose dictionary says /Type /Metadata becomes
//     spaces, and its /Filter with it (spaces are not Flate data).
//
// An information dictionary inside a compressed object stream is left where
// it is, unreferenced. Anything the scanner does not understand is left as
// it is: the function never fails and never panics (FuzzStripMetadata).

var pdfInfoRef = regexp.MustCompile(`^/Info[\x00\t\n\f\r ]*([0-9]{1,10})[\x00\t\n\f\r ]+([0-9]{1,5})[\x00\t\n\f\r ]+R`)

func pdfSpace(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func pdfDelim(c byte) bool {
	return pdfSpace(c) || bytes.IndexByte([]byte("()<>[]{}/%"), c) >= 0
}

// blank overwrites b[from:to] with spaces, keeping line ends.
func blank(b []byte, from, to int) {
	for i := max(from, 0); i < to && i < len(b); i++ {
		if b[i] != '\n' && b[i] != '\r' {
			b[i] = ' '
		}
	}
}

// skipString returns the index after the literal string that starts at
// b[i] == '(' (nested parentheses, backslash escapes).
func skipString(b []byte, i int) int {
	depth := 0
	for ; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(b)
}

// keywordAt: b[i:] starts with the keyword kw standing alone.
func keywordAt(b []byte, i int, kw string) bool {
	if !bytes.HasPrefix(b[i:], []byte(kw)) {
		return false
	}
	if i > 0 && !pdfDelim(b[i-1]) {
		return false
	}
	end := i + len(kw)
	return end == len(b) || pdfDelim(b[end])
}

// dictEnd returns the index after the dictionary that starts at b[i:] ("<<"),
// or -1 when it does not close.
func dictEnd(b []byte, i int) int {
	depth := 0
	for i < len(b) {
		switch {
		case b[i] == '(':
			i = skipString(b, i)
			continue
		case b[i] == '%':
			for i < len(b) && b[i] != '\n' && b[i] != '\r' {
				i++
			}
			continue
		case bytes.HasPrefix(b[i:], []byte("<<")):
			depth++
			i += 2
			continue
		case bytes.HasPrefix(b[i:], []byte(">>")):
			depth--
			i += 2
			if depth == 0 {
				return i
			}
			continue
		case b[i] == '<': // a hex string
			if j := bytes.IndexByte(b[i:], '>'); j > 0 {
				i += j + 1
				continue
			}
			return -1
		}
		i++
	}
	return -1
}

var (
	pdfTypeMetadata = regexp.MustCompile(`/Type[\x00\t\n\f\r ]*/Metadata([\x00\t\n\f\r ()<>\[\]{}/%]|$)`)
	pdfFilter       = regexp.MustCompile(`/Filter[\x00\t\n\f\r ]*(\[[^\]]*\]|/[^\x00\t\n\f\r ()<>\[\]{}/%]*)`)
)

// stripPDF blanks the PDF's information dictionary and XMP metadata in
// place (see above); the result has the length of in.
func stripPDF(in []byte) []byte {
	b := bytes.Clone(in)
	infos := map[[2]int]bool{} // object number, generation
	lastDict := [2]int{-1, -1}
	for i := 0; i < len(b); {
		switch {
		case b[i] == '(':
			i = skipString(b, i)
		case b[i] == '%':
			for i < len(b) && b[i] != '\n' && b[i] != '\r' {
				i++
			}
		case bytes.HasPrefix(b[i:], []byte("<<")):
			end := dictEnd(b, i)
			if end < 0 {
				return b
			}
			lastDict = [2]int{i, end}
			// /Info references of this dictionary (a trailer's or an xref stream's).
			for j := i; j < end; j++ {
				if b[j] == '(' {
					j = skipString(b, j) - 1
					continue
				}
				if b[j] != '/' || !bytes.HasPrefix(b[j:end], []byte("/Info")) {
					continue
				}
				if m := pdfInfoRef.FindSubmatchIndex(b[j:end]); m != nil {
					n, _ := strconv.Atoi(string(b[j+m[2] : j+m[3]]))
					g, _ := strconv.Atoi(string(b[j+m[4] : j+m[5]]))
					if len(infos) < maxPDFInfos {
						infos[[2]int{n, g}] = true
					}
					blank(b, j, j+m[1])
					j += m[1] - 1
				}
			}
			i = end
		case keywordAt(b, i, "stream"):
			start := i + len("stream")
			if start < len(b) && b[start] == '\r' {
				start++
			}
			if start < len(b) && b[start] == '\n' {
				start++
			}
			rel := bytes.Index(b[start:], []byte("endstream"))
			if rel < 0 {
				return b
			}
			end := start + rel
			if d := lastDict; d[1] >= 0 && d[1] <= i && pdfTypeMetadata.Match(b[d[0]:d[1]]) {
				blank(b, start, end)
				if m := pdfFilter.FindIndex(b[d[0]:d[1]]); m != nil {
					blank(b, d[0]+m[0], d[0]+m[1])
				}
			}
			lastDict = [2]int{-1, -1}
			i = end + len("endstream")
		default:
			i++
		}
	}
	if len(infos) > 0 {
		blankObjectDicts(b, infos)
	}
	return b
}

// maxPDFInfos bounds the information dictionaries looked for: a real PDF
// names one, again in each incremental update.
const maxPDFInfos = 64

var pdfObjDict = regexp.MustCompile(`(?:^|[\x00\t\n\f\r ])([0-9]{1,10})[\x00\t\n\f\r ]+([0-9]{1,5})[\x00\t\n\f\r ]+obj[\x00\t\n\f\r ]*<<`)

// blankObjectDicts empties the dictionary of every plainly stored "num gen
// obj << … >>" that refs names (an incremental update may store one again).
func blankObjectDicts(b []byte, refs map[[2]int]bool) {
	for _, m := range pdfObjDict.FindAllSubmatchIndex(b, -1) {
		n, _ := strconv.Atoi(string(b[m[2]:m[3]]))
		g, _ := strconv.Atoi(string(b[m[4]:m[5]]))
		if !refs[[2]int{n, g}] {
			continue
		}
		open := m[1] - 2
		end := dictEnd(b, open)
		if end < 0 {
			return // it never closes, nor will a later one
		}
		blank(b, open+2, end-2)
	}
}
