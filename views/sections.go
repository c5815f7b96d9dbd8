package views

import (
	"context"

	"zerodesk/internal/kb"
)

// The categories' names and descriptions (issue 13, item 7): what editors
// wrote in the page's language, else the locale file's text for the six
// categories of the first migration (section.KEY, section.KEY.intro), else
// the name editors gave in another language. Page.Sections is the
// knowledge base's categories as the request began.

// SectionName is the category's name on this page.
func SectionName(ctx context.Context, c kb.Category) string {
	p := PageOf(ctx)
	name, _, builtin := p.Sections.Text(c, p.L.Lang())
	switch {
	case name != "":
		return name
	case builtin:
		return T(ctx, "section."+string(c))
	}
	return p.Sections.AnyName(c)
}

// SectionIntro is the category's description on this page ("" for none).
func SectionIntro(ctx context.Context, c kb.Category) string {
	p := PageOf(ctx)
	_, intro, builtin := p.Sections.Text(c, p.L.Lang())
	if intro == "" && builtin {
		return T(ctx, "section."+string(c)+".intro")
	}
	return intro
}

// SectionKeys are the categories in the order editors gave them.
func SectionKeys(ctx context.Context) []kb.Category { return PageOf(ctx).Sections.Keys() }

// EditedSectionName is the name editors gave the category in the page's
// language, "" for none (the panel's own title shows then).
func EditedSectionName(ctx context.Context, c kb.Category) string {
	p := PageOf(ctx)
	name, _, _ := p.Sections.Text(c, p.L.Lang())
	return name
}
