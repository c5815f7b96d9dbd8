package kb

import (
	"strings"

	"zerodesk/internal/errs"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
)

// ImagesWithoutAlt lists the addresses of the images in a Markdown body that
// have no alternative text (![](x.png), or only spaces between the
// brackets), in order, so publishing can refuse them: a reader who cannot
// see an image must be told what it shows. Reference images count too; raw
// HTML never reaches a page (markdown.go), so its <img> cannot either.
func ImagesWithoutAlt(md string) []string {
	source := []byte(md)
	doc := markdown.Parser().Parse(text.NewReader(source))
	var out []string
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		img, ok := n.(*ast.Image)
		if !ok || !entering {
			return ast.WalkContinue, nil
		}
		if strings.TrimSpace(altText(img, source)) == "" {
			out = append(out, string(img.Destination))
		}
		return ast.WalkSkipChildren, nil
	})
	return out
}

// MsgImagesWithoutAlt is RequireAltText's refusal; its Images placeholder
// lists the images' addresses.
const MsgImagesWithoutAlt = "editor.publish.images_without_alt"

// RequireAltText refuses a Markdown body with an image that has no
// alternative text (ImagesWithoutAlt), for publishing to call: an Invalid
// error whose message, in the editor's language, names the images.
func RequireAltText(md string) error {
	missing := ImagesWithoutAlt(md)
	if len(missing) == 0 {
		return nil
	}
	return &errs.Error{Code: errs.Invalid, MessageID: MsgImagesWithoutAlt,
		Data: map[string]any{"Count": len(missing), "Images": strings.Join(missing, ", ")}}
}

// altText is the plain text of an image's description.
func altText(n ast.Node, source []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch t := c.(type) {
		case *ast.Text:
			b.Write(t.Segment.Value(source))
		case *ast.String:
			b.Write(t.Value)
		case *ast.CodeSpan:
			// its children are Text nodes, walked next
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}
