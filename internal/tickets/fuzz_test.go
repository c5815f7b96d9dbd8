package tickets

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// Fuzz targets for what visitors type or send about tickets: references,
// access keys and attachment names.

var ticketSeeds = []string{
	"ZD-7K3P-Q9XM", "zd 7k3p q9xm", "zd7k3pq9xm", "7K3P-Q9XM", "ZD-7K3P-Q9XM-", "ZDO-IL3P", "", " ", "-",
	"\xff\xfe", "ZD-7K3P-Q9X\u0301", "ǅ7K3P-Q9XM", "ſ", "ı", "\u202eZD-7K3P-Q9XM", strings.Repeat("Z", 100),
	"ABCD-EFGH-JKMN-PQRS-TVWX", "abcd efgh jkmn pqrs tvwx", strings.Repeat("A-", 100), "重置", "ـَ",
}

// FuzzNormalizeReference: an accepted reference is ZD-XXXX-XXXX of the code
// alphabet and normalizes to itself.
func FuzzNormalizeReference(f *testing.F) {
	for _, s := range ticketSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, ok := NormalizeReference(s)
		if !ok {
			return
		}
		if len(ref) != 12 || !strings.HasPrefix(ref, "ZD-") || ref[7] != '-' ||
			strings.Trim(ref[3:7]+ref[8:], alphabet) != "" {
			t.Fatalf("NormalizeReference(%q) = %q", s, ref)
		}
		if again, ok := NormalizeReference(ref); !ok || again != ref {
			t.Fatalf("%q normalizes to %q, %v", ref, again, ok)
		}
	})
}

// FuzzAccessKey: an accepted key is 20 characters of the alphabet and
// normalizes to itself.
func FuzzAccessKey(f *testing.F) {
	for _, s := range ticketSeeds {
		f.Add(s)
	}
	f.Add(newAccessKey())
	f.Fuzz(func(t *testing.T, s string) {
		k := normalizeAccessKey(s)
		if k == "" {
			return
		}
		if len(k) != 20 || strings.Trim(k, alphabet) != "" || normalizeAccessKey(k) != k {
			t.Fatalf("normalizeAccessKey(%q) = %q", s, k)
		}
	})
}

// FuzzAttachmentName: whatever name a browser sends, the stored name is
// valid UTF-8, one path element, no control characters or quotes, 1 to 120
// characters; or the upload is refused with an error.
func FuzzAttachmentName(f *testing.F) {
	for _, s := range []string{
		"report.pdf", "../../etc/passwd", "..", ".", "/", "\\", "C:\\Users\\me\\photo.png", "a\x00b.txt", "a\r\nb.txt",
		"\"quoted\".txt", "\u202etxt.exe", "ـَ.txt", "\xff\xfe.txt", strings.Repeat("ü", 500) + ".txt", " ", "\t",
		"%2e%2e%2f", "名前.png", "a/b/c/", "\u200b", "\u0085",
	} {
		f.Add(s)
	}
	s := &Service{lim: Limits{MaxAttachments: 5, MaxAttachmentBytes: 1 << 20}}
	f.Fuzz(func(t *testing.T, name string) {
		files, err := s.cleanUploads([]Upload{{Name: name, Data: []byte("plain text\n")}})
		if err != nil {
			return
		}
		if len(files) != 1 {
			t.Fatalf("%d files", len(files))
		}
		got := files[0].Name
		if got == "" || !utf8.ValidString(got) || utf8.RuneCountInString(got) > 120 ||
			strings.ContainsAny(got, "/\"") || strings.IndexFunc(got, unicode.IsControl) >= 0 || got == "." || got == ".." {
			t.Fatalf("name %q stored as %q", name, got)
		}
	})
}
