package kb

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"golang.org/x/net/html"
	"golang.org/x/text/unicode/norm"

	"zerodesk/internal/words"
)

// Article bodies are Markdown written by editors. They are rendered once, when
// the catalog is built, and sanitized even though editors are trusted: an
// editor account can be stolen, and the HTML lands on every visitor's page.

// The goldmark converter: CommonMark plus GFM tables, strikethrough and
// autolinks; no typographer (quotes stay as typed); raw HTML is never passed
// through (goldmark drops it unless told otherwise, bluemonday would anyway).
var markdown = goldmark.New(
	goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify),
	goldmark.WithParserOptions(parser.WithAutoHeadingID()),
)

var sanitizer = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	// Links inside the portal are ours; only foreign links are marked nofollow.
	p.RequireNoFollowOnLinks(false)
	p.RequireNoFollowOnFullyQualifiedLinks(true)
	p.RequireNoReferrerOnFullyQualifiedLinks(true)
	// Heading ids, as headingIDs makes them, so sections can be linked.
	p.AllowAttrs("id").Matching(regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)).OnElements("h1", "h2", "h3", "h4", "h5", "h6")
	// GFM table cell alignment.
	p.AllowAttrs("style").Matching(regexp.MustCompile(`^text-align:(left|right|center)$`)).OnElements("th", "td")
	return p
}()

// linker turns the two kinds of internal links into URLs. article reports
// false for a key that names no article.
type linker struct {
	article func(key string) (string, bool)
	page    func(path string) string
}

// render converts an article body to safe HTML. It returns the keys of
// article: links that named no article.
func render(src string, l linker) (string, []string) {
	source := []byte(src)
	pctx := parser.NewContext(parser.WithIDs(&headingIDs{seen: map[string]bool{}}))
	doc := markdown.Parser().Parse(text.NewReader(source), parser.WithContext(pctx))

	var missing []string
	var unlink []*ast.Link
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		link, ok := n.(*ast.Link)
		if !ok || !entering {
			return ast.WalkContinue, nil
		}
		dest := string(link.Destination)
		switch {
		case strings.HasPrefix(dest, "article:"):
			key, frag, hasFrag := strings.Cut(strings.TrimPrefix(dest, "article:"), "#")
			u, ok := l.article(key)
			if !ok {
				missing = append(missing, key)
				unlink = append(unlink, link)
				break
			}
			if hasFrag {
				u += "#" + frag
			}
			link.Destination = []byte(u)
		case strings.HasPrefix(dest, "/") && !strings.HasPrefix(dest, "//"):
			link.Destination = []byte(l.page(dest))
		}
		return ast.WalkContinue, nil
	})
	// A link to nowhere keeps its words and loses the link.
	for _, link := range unlink {
		parent := link.Parent()
		for c := link.FirstChild(); c != nil; {
			next := c.NextSibling()
			parent.InsertBefore(parent, link, c)
			c = next
		}
		parent.RemoveChild(parent, link)
	}

	var buf bytes.Buffer
	if err := markdown.Renderer().Render(&buf, source, doc); err != nil {
		// Rendering into memory fails only on a renderer bug; show nothing rather than half.
		return "", missing
	}
	return sanitizer.Sanitize(buf.String()), missing
}

// headingIDs gives headings ASCII ids from their text (diacritics folded),
// unique within one article.
type headingIDs struct{ seen map[string]bool }

func (h *headingIDs) Generate(value []byte, _ ast.NodeKind) []byte {
	var b strings.Builder
	dash := false
	words.Each(string(value), func(w string) {
		for _, r := range words.Fold(w) {
			if r < 128 {
				if dash && b.Len() > 0 {
					b.WriteByte('-')
				}
				dash = false
				b.WriteRune(r)
			}
		}
		dash = true
	})
	id := b.String()
	if id == "" {
		id = "section"
	}
	base := id
	for i := 1; h.seen[id]; i++ {
		id = base + "-" + strconv.Itoa(i)
	}
	h.seen[id] = true
	return []byte(id)
}

func (h *headingIDs) Put(value []byte) { h.seen[string(value)] = true }

// blockTags end a run of text: the plain text gets a space there so words
// on both sides do not run together.
var blockTags = map[string]bool{
	"p": true, "br": true, "li": true, "ul": true, "ol": true, "h1": true, "h2": true, "h3": true,
	"h4": true, "h5": true, "h6": true, "pre": true, "blockquote": true, "tr": true, "td": true,
	"th": true, "table": true, "div": true, "hr": true, "dt": true, "dd": true,
}

// plainText extracts the words of rendered HTML for the search index, with
// whitespace collapsed to single spaces.
func plainText(h string) string {
	z := html.NewTokenizer(strings.NewReader(h))
	var b strings.Builder
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.Join(strings.Fields(norm.NFC.String(b.String())), " ")
		case html.TextToken:
			b.Write(z.Text())
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			if blockTags[string(name)] {
				b.WriteByte(' ')
			}
		}
	}
}
