package locales_test

import (
	"testing"

	"zerodesk/internal/kb"
	"zerodesk/locales"
	"zerodesk/views"
)

// Message IDs built from a name at run time: every name must have its message.
func TestEveryComposedMessageIDExists(t *testing.T) {
	c, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, cat := range kb.Categories {
		ids = append(ids, "section."+string(cat), "section."+string(cat)+".intro")
	}
	for _, key := range views.TechnicalNotes {
		ids = append(ids, "notes."+key)
	}
	for _, kind := range views.LoginTypes {
		ids = append(ids, "login.type."+kind, "login.type."+kind+".text")
	}
	for _, m := range []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"} {
		ids = append(ids, "date.month."+m)
	}
	for _, lang := range c.Languages() {
		l := c.Localizer(lang)
		for _, id := range ids {
			if l.T(id) == id {
				t.Errorf("%s lacks message %q", lang, id)
			}
		}
	}
}
