package handlers

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"zerodesk/internal/accounts"
)

// An admin defines a required choice field for the "account" topic; a
// customer is asked it on the support form (only that topic's group shown
// with JavaScript), is refused without it, then sends it; an agent sees it
// on the ticket and filters the queue by it: with and without JavaScript.
func TestBrowser_CustomFieldAskedFilledAndFiltered(t *testing.T) {
	t.Parallel()
	for _, js := range []bool{true, false} {
		t.Run(jsName(js), func(t *testing.T) {
			t.Parallel()
			b := newBrowserTab(t, tabOptions(js)...)
			b.staffLogin(accounts.Admin, "Ada Admin", "ada@example.com", true)
			b.open("/en/desk/fields", 200)
			b.checkAccessibility("the custom fields page")
			b.typeInto("#field-label-en", "System")
			b.do("choosing a choice", chromedp.SetValue(chromedp.CSS("#field-kind"), "choice"))
			evalJS[chromedp.Void](b, `document.querySelector("#field-options").value = "Windows\nmacOS"`)
			b.click("#field-required")
			b.follow("adding the field", chromedp.Click(chromedp.CSS("#field-add")))
			b.check("the field listed", `document.querySelector("#fields-account").textContent.includes("System")`)
			b.checkAccessibility("the custom fields page with a field")
			list, err := b.app.tickets.Fields(context.Background(), "account", false)
			if err != nil || len(list) != 1 {
				t.Fatalf("fields = %+v, %v", list, err)
			}
			key := list[0].Key()

			c := b.sibling(!js)
			c.open("/en/support", 200)
			c.check("the account topic is chosen", `document.querySelector("#support-topic").value === "account"`)
			c.check("its fields are shown", `!document.querySelector("#support-fields-account").hidden`)
			if js {
				c.do("choosing billing", chromedp.SetValue(chromedp.CSS("#support-topic"), "billing"))
				evalJS[chromedp.Void](c, `document.querySelector("#support-topic").dispatchEvent(new Event("change"))`)
				c.waitFor("the account fields hidden", `document.querySelector("#support-fields-account").hidden`)
				c.do("choosing account", chromedp.SetValue(chromedp.CSS("#support-topic"), "account"))
				evalJS[chromedp.Void](c, `document.querySelector("#support-topic").dispatchEvent(new Event("change"))`)
				c.waitFor("the account fields shown", `!document.querySelector("#support-fields-account").hidden`)
			}
			c.checkAccessibility("the support form with custom fields")
			c.fillTicket("Cannot sync", "The desktop app stops syncing after an hour.")
			if js {
				c.click(`#support-form button[type="submit"]`)
				c.waitForFocus("the error summary", `el.id === "error-summary"`)
			} else {
				c.follow("sending without the field", chromedp.Click(chromedp.CSS(`#support-form button[type="submit"]`)))
			}
			c.check("the field's error", `document.querySelector("#error-summary").textContent.includes("System: please fill in this field.")`)
			c.check("the subject kept", `document.querySelector("#support-subject").value === "Cannot sync"`)
			c.checkAccessibility("the support form refusing a custom field")
			c.do("choosing macOS", chromedp.SetValue(chromedp.CSS("#support-"+key), "macOS"))
			if js {
				c.click(`#support-form button[type="submit"]`)
				c.waitFor("the confirmation", `document.querySelector("#sent-ref")`)
			} else {
				c.follow("sending", chromedp.Click(chromedp.CSS(`#support-form button[type="submit"]`)))
			}
			ref := evalJS[string](c, `document.querySelector("#sent-ref").textContent.trim()`)
			if !refPattern.MatchString(ref) {
				t.Fatalf("reference %q", ref)
			}

			b.open("/en/desk/tickets/"+ref, 200)
			b.check("the value on the ticket", `document.querySelector("#ticket-`+key+`").value === "macOS"`)
			b.do("changing it", chromedp.SetValue(chromedp.CSS("#ticket-"+key), "Windows"))
			b.follow("saving the fields", chromedp.Click(chromedp.CSS("#fields-save")))
			b.check("the history names the field", `document.querySelector("#history").textContent.includes("changed the field “System”")`)
			b.checkAccessibility("a ticket with custom fields")

			b.open("/en/desk", 200)
			b.do("choosing the field", chromedp.SetValue(chromedp.CSS("#f-field"), key))
			b.typeInto("#f-field-value", "windows")
			if js {
				b.click(`.desk-filters-go button`)
			} else {
				b.follow("filtering", chromedp.Click(chromedp.CSS(`.desk-filters-go button`)))
			}
			b.waitFor("the ticket alone", `document.querySelectorAll("#queue-table tbody tr").length === 1 && document.querySelector("#queue-table tbody").textContent.includes("`+ref+`")`)
			b.checkAccessibility("the queue filtered by a custom field")
		})
	}
}

// An admin edits a field from its row's Edit link: the form comes filled
// in, the topic and kind are shown but not asked; the new label, options
// and required setting are listed after saving: with and without JavaScript.
func TestBrowser_CustomFieldEdited(t *testing.T) {
	t.Parallel()
	for _, js := range []bool{true, false} {
		t.Run(jsName(js), func(t *testing.T) {
			t.Parallel()
			b := newBrowserTab(t, tabOptions(js)...)
			b.staffLogin(accounts.Admin, "Ada Admin", "ada@example.com", true)
			b.open("/en/desk/fields", 200)
			b.typeInto("#field-label-en", "System")
			b.do("choosing a choice", chromedp.SetValue(chromedp.CSS("#field-kind"), "choice"))
			evalJS[chromedp.Void](b, `document.querySelector("#field-options").value = "Windows\nmacOS"`)
			b.follow("adding the field", chromedp.Click(chromedp.CSS("#field-add")))
			list, err := b.app.tickets.Fields(context.Background(), "account", false)
			if err != nil || len(list) != 1 {
				t.Fatalf("fields = %+v, %v", list, err)
			}
			row := "#field-" + list[0].Key()
			b.follow("opening the edit form", chromedp.Click(chromedp.CSS(row+` a[href*="edit="]`)))
			b.check("the edit form filled in", `document.querySelector("#field-edit #field-label-en").value === "System" &&
				document.querySelector("#field-edit #field-options").value.includes("macOS") && !document.querySelector("#field-edit #field-kind")`)
			b.checkAccessibility("the field's edit form")
			evalJS[chromedp.Void](b, `document.querySelector("#field-edit #field-label-en").value = ""`)
			b.typeInto("#field-label-en", "Operating system")
			evalJS[chromedp.Void](b, `document.querySelector("#field-options").value = "Linux\nWindows\nmacOS"`)
			b.click("#field-required")
			b.follow("saving the field", chromedp.Click(chromedp.CSS("#field-add")))
			b.check("the new label and options listed", `document.querySelector("`+row+`").textContent.includes("Operating system") &&
				document.querySelector("`+row+`").textContent.includes("Linux")`)
			b.check("the add form back", `!!document.querySelector("#field-new")`)
			b.checkAccessibility("the custom fields page after an edit")
			f, err := b.app.tickets.Field(context.Background(), list[0].ID)
			if err != nil || !f.Required || f.Label("en") != "Operating system" || len(f.Options) != 3 {
				t.Fatalf("edited field = %+v, %v", f, err)
			}
		})
	}
}
