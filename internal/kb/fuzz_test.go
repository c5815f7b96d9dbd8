package kb

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"

	"zerodesk/internal/usercode"
	"zerodesk/internal/words"
)

// Fuzz targets for every function of the package that reads text from
// visitors (queries) or editors (Markdown). scripts/fuzz.sh runs each for a
// few seconds; a crasher goes into testdata/fuzz/FuzzX as a regression seed.

// hostileSeeds are inputs that broke, or could break, text handling: Arabic
// marks and tatweel alone and beside words, broken UTF-8, bidi controls,
// CJK, combining marks, FTS syntax and long runs.
var hostileSeeds = []string{
	"", " ", "password", "passw", "reset password", "ـ password", "password ـ", "ـَ passw",
	"\u0640\u064e\u064b\u0651 account", "كلمة ـ المرور ـَ", "إعادة تعيين كلمة المرور", "َ", "ـ",
	"\xff\xfe broken utf8 password", "pass\xc3word", "\xed\xa0\x80", "\u202e drowssap \u202c", "\u2066x\u2069",
	"a\u0301\u0301\u0301b", "e\u0308\u0304\u0323", "ﷺ", "ﻻ", "ǅ", "İstanbul", "ß", "ﬁle",
	"重置密码", "パスワードをリセット", "密", "ｰ", "한국어", "ໂ", "𝔭𝔞𝔰𝔰", "😀 password",
	`"`, `NEAR(a b)`, `title:reset`, `pass*`, `-x`, "AND OR NOT", "'; DROP TABLE articles; --",
	"K7QX-4MPD-9TZR", "k7qx4mpd9tzr", "alice@example.org", "+41 79 123 45 67",
	strings.Repeat("a", 300), strings.Repeat("ـ", 100) + "password", strings.Repeat("password ", 30),
	strings.Repeat("\u064e", 500),
}

func addSeeds(f *testing.F) {
	for _, s := range hostileSeeds {
		f.Add(s)
	}
}

// Folding and tokenizing: every query word the parser keeps folds to a
// non-empty word made of valid UTF-8, and the index form of any text is
// single-spaced words of valid UTF-8.
func FuzzParseQuery(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, q string) {
		terms := parseQuery(q)
		if len(terms) > maxTerms {
			t.Fatalf("%d terms", len(terms))
		}
		for _, tm := range terms {
			if tm.folded == "" || tm.word == "" {
				t.Fatalf("empty word in %q: %+v", q, tm)
			}
			if utf8.ValidString(q) && (!utf8.ValidString(tm.folded) || strings.ContainsAny(tm.folded, " \t\n\"")) {
				t.Fatalf("word %q folded to %q", tm.word, tm.folded)
			}
		}
		idx := words.IndexText(q)
		if strings.Contains(idx, "  ") || strings.HasPrefix(idx, " ") || strings.HasSuffix(idx, " ") {
			t.Fatalf("index text %q of %q", idx, q)
		}
		_ = ftsMatch(toFTS(terms, false))
		_ = ftsMatch(toFTS(terms, true))
	})
}

// Snippets: never a panic, the fragments are pieces of the text in order,
// and matches are only marked when there is a query word.
func FuzzSnippet(f *testing.F) {
	for _, s := range hostileSeeds {
		f.Add("Choose a new Password. ـ كلمة المرور ـَ café 重置密码 "+s, s)
		f.Add(s, "password")
	}
	f.Fuzz(func(t *testing.T, text, query string) {
		terms := parseQuery(query)
		for _, q := range []ftsQuery{toFTS(terms, false), toFTS(terms, true), {words: []string{"", "x"}, prefix: true}} {
			fs := makeSnippet(text, q)
			rest := text
			for _, fr := range fs {
				if fr.Text == ellipsis {
					continue
				}
				piece := strings.TrimPrefix(strings.TrimSuffix(fr.Text, ellipsis), ellipsis)
				i := strings.Index(rest, piece)
				if i < 0 {
					t.Fatalf("fragment %q is not in the rest of the text %q", piece, rest)
				}
				rest = rest[i+len(piece):]
			}
		}
	})
}

// Typo suggestions: a correction is a vocabulary word, never the empty word.
func FuzzCorrect(f *testing.F) {
	addSeeds(f)
	f.Add("pasword")
	f.Add("usercod")
	vb := newVocabBuilder()
	vb.addDocument("Reset your password", "You can reset your password. كلمة المرور ـ ـَ café résumé 重置密码 usercode ticket")
	v := vb.build()
	f.Fuzz(func(t *testing.T, q string) {
		for _, tm := range parseQuery(q) {
			v.knows(tm.folded, true)
			if c := v.correct(tm.folded); c != "" && v.df[c] == 0 {
				t.Fatalf("correct(%q) = %q, not a vocabulary word", tm.folded, c)
			}
		}
		v.correct(q)
		v.knows(q, true)
	})
}

// The whole search, on a real database: never an error but "too long".
func FuzzSearch(f *testing.F) {
	addSeeds(f)
	k, _, _ := seeded(f, demoFS())
	f.Fuzz(func(t *testing.T, q string) {
		for _, lang := range []string{"en", "ar", "de"} {
			res, err := k.Search(context.Background(), lang, q, 3)
			if err != nil {
				if len(q) > maxQueryRunes {
					continue
				}
				t.Fatalf("Search(%q): %v", q, err)
			}
			if len(res.Hits)+len(res.Other) > 3 {
				t.Fatalf("Search(%q) gave %d results", q, len(res.Hits)+len(res.Other))
			}
		}
	})
}

// Markdown rendering: never a panic, and nothing executable survives the
// sanitizer.
func FuzzRender(f *testing.F) {
	for _, s := range []string{
		"# Title\n\nText with [a link](article:usercode#x) and [page](/reset).",
		"<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
		"[x](JaVaScRiPt:alert(1))", "[x](data:text/html,<script>alert(1)</script>)", "| a | b |\n|---|---|\n| 1 | 2 |",
		"```\ncode\n```", "> quote\n>> nested", strings.Repeat("[", 1000), strings.Repeat("> ", 500) + "x",
		strings.Repeat("*", 2000), "<a href=\"//evil.example\">x</a>", "<style>body{}</style>", "<svg onload=alert(1)>",
		"## ـ عنوان\n\nنص", "\xff\xfe", "[x](article:)", "[x](article:#)", "<td style=\"text-align:left;color:red\">",
	} {
		f.Add(s)
	}
	l := linker{
		article: func(key string) (string, bool) { return "/en/a/" + key, key == "usercode" },
		page:    func(path string) string { return "/en" + path },
	}
	f.Fuzz(func(t *testing.T, src string) {
		h, _ := render(src, l)
		z := html.NewTokenizer(strings.NewReader(h))
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				break
			}
			if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
				continue
			}
			name, more := z.TagName()
			switch string(name) {
			case "script", "style", "iframe", "svg", "object", "embed", "form", "input", "math", "base", "meta", "link":
				t.Fatalf("render(%q) kept <%s>: %s", src, name, h)
			}
			for more {
				var k, v []byte
				k, v, more = z.TagAttr()
				key, val := strings.ToLower(string(k)), strings.ToLower(strings.TrimSpace(string(v)))
				if strings.HasPrefix(key, "on") {
					t.Fatalf("render(%q) kept the handler %s: %s", src, key, h)
				}
				if (key == "href" || key == "src") && (strings.HasPrefix(val, "javascript:") || strings.HasPrefix(val, "data:") || strings.HasPrefix(val, "vbscript:")) {
					t.Fatalf("render(%q) kept %s=%q: %s", src, key, val, h)
				}
			}
		}
		_ = plainText(h)
	})
}

// The search log's redaction: the output is short valid UTF-8 and holds no
// usercode that login would accept, whatever separates its characters.
func FuzzRedactQuery(f *testing.F) {
	addSeeds(f)
	f.Add("my code is k7qx 4mpd-9tzr")
	f.Add("KO7X.4MPD.9TZR please")
	f.Fuzz(func(t *testing.T, q string) {
		out := redactQuery(q)
		if !utf8.ValidString(out) || utf8.RuneCountInString(out) > maxLoggedRunes {
			t.Fatalf("redactQuery(%q) = %q", q, out)
		}
		for _, w := range strings.Fields(out) {
			if _, ok := usercode.Normalize(w); ok {
				t.Fatalf("redactQuery(%q) kept the usercode %q", q, w)
			}
		}
		if _, ok := usercode.Normalize(out); ok {
			t.Fatalf("redactQuery(%q) kept the usercode %q", q, out)
		}
	})
}

// The metadata strippers read editors' files byte by byte: whatever the
// input, they never panic, and what they keep is stable (stripping it again
// changes nothing) and holds no chunk they remove.
func FuzzStripMetadata(f *testing.F) {
	for _, name := range []string{"gps-exif.jpg", "gps-exif.png"} {
		b, err := os.ReadFile("testdata/files/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add(tinyWebP)
	f.Add(webpWithMetadata())
	f.Add([]byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xfe\x03abc\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"))
	f.Add([]byte("\xff\xd8\xff\xda\x00\x02\xff\xff\xff"))
	f.Add([]byte("RIFF\x04\x00\x00\x00WEBP"))
	f.Add(pdfWithMetadata())
	f.Add(pdfWithMetadata()[:300])
	f.Add([]byte("%PDF-1.4\ntrailer << /Info 1 0 R /X (a) >>\n1 0 obj << /Author (x)) >> endobj stream\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		typ, ok := SniffType(data)
		if !ok {
			return
		}
		out, err := StripMetadata(typ, data)
		if err != nil {
			return
		}
		if typ == TypePDF && len(out) != len(data) {
			t.Fatalf("stripping a PDF changed its length: %d → %d", len(data), len(out))
		}
		again, err := StripMetadata(typ, out)
		if err != nil {
			t.Fatalf("stripped %s does not strip again: %v", typ.Ext, err)
		}
		if !bytes.Equal(again, out) {
			t.Fatalf("stripping %s twice changed it", typ.Ext)
		}
		if t2, ok := SniffType(out); !ok || t2 != typ {
			t.Fatalf("stripped %s sniffs as %v", typ.Ext, t2)
		}
	})
}

func FuzzImagesWithoutAlt(f *testing.F) {
	addSeeds(f)
	f.Add("![](a.png) ![x](b.png) ![][r]\n\n[r]: c.png")
	f.Fuzz(func(t *testing.T, md string) {
		for _, d := range ImagesWithoutAlt(md) {
			_ = d
		}
	})
}
