package kb

import (
	"context"
	"strings"
	"testing"
)

// An editor may save and publish a link to an article that does not exist
// (yet, or any more): its words show, unlinked. The export of such a
// knowledge base imports into an empty database and gives the same files
// and pages (issue 13 item 10), and a second import changes nothing.
func TestExport_LinkToNoArticleRoundTrips(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k, _, _ := seeded(t, demoFS())
	id := articleID(t, k, "usercode")
	ed, err := k.Edition(ctx, id, "en")
	if err != nil {
		t.Fatal(err)
	}
	d := ed.Head.Draft
	d.Body += "\n\nSee [the receipt](article:nowhere-yet) and [its part](article:gone-since#part)."
	rev, err := k.Save(ctx, eda, id, ed.Head.ID, d)
	if err != nil {
		t.Fatalf("the editor saves a link to no article: %v", err)
	}
	if err := k.Publish(ctx, id, "en", rev.ID); err != nil {
		t.Fatalf("the editor publishes a link to no article: %v", err)
	}
	files := export(t, k)
	var linking string
	for name, f := range files {
		if strings.Contains(string(f.Data), "article:nowhere-yet") {
			linking = name
		}
	}
	if linking == "" {
		t.Fatal("the export lost the link to no article")
	}

	b := emptyKB(t)
	if _, err := b.Import(ctx, files); err != nil {
		t.Fatalf("import of an export with a link to no article: %v", err)
	}
	sameFiles(t, files, export(t, b))
	if visible(t, k) != visible(t, b) {
		t.Fatal("pages differ after the round trip")
	}
	a, _, err := b.ArticleByKey("en", "usercode")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a.BodyHTML, "the receipt") || strings.Contains(a.BodyHTML, "nowhere-yet") {
		t.Errorf("the link to no article shows %s", a.BodyHTML)
	}
	if n := importFS(t, b, files); n.Updated != 0 || n.Created != 0 {
		t.Errorf("second import = %+v", n)
	}
}
