package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"zerodesk/static"
)

// Echo builds the server with its middleware and every route. This is the
// one route table: one line a route, with its middleware (noStore, the
// per-address limits, uploadRoute), grouped by room. The area files hold the
// handlers only.
//
// A limiter is one budget: the routes that share a variable below share it.
// A POST-only address reached by GET (a reload from history, the language
// switch) answers with the page its flow starts from and changes nothing.
func (h *Handlers) Echo() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = h.handleError
	e.IPExtractor = h.ipExtractor()

	// Routes that take attachments bound their bodies themselves, larger
	// (readPosted); upload (below) names them to the global 64K limit.
	ownLimit := map[string]bool{}
	upload := func(g *echo.Group, path string, fn echo.HandlerFunc, m ...echo.MiddlewareFunc) {
		r := g.POST(path, fn, append(m, uploadRoute)...)
		ownLimit[r.Path] = true
	}

	// --- Operations (issue 15, the deployment kit): /metrics counts every
	// request by route template when on (metrics.go; served on its own
	// address by serve --metrics-addr, never here); it is the outermost
	// middleware, so the status it records is the one the logger handled.
	// /readyz (readyz.go) says whether this instance can take traffic;
	// /healthz (below) only that it is alive.
	if h.Metrics != nil {
		e.Use(h.Metrics.middleware)
	}
	e.GET("/readyz", h.readyz)

	e.Pre(headAsGet)
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{
		RedirectCode: http.StatusMovedPermanently,
		Skipper:      func(c echo.Context) bool { return isLanguageRoot(c.Request().URL.Path) },
	}))
	// Every routed request: its id, the request log, panics into errors,
	// the security headers, the cross-origin refusal, the 64K body limit
	// (middleware.go, everyRequest: one middleware for the six).
	e.Use(h.everyRequest(64<<10, func(c echo.Context) bool {
		return c.Request().Method == http.MethodPost && ownLimit[c.Path()]
	}))

	// --- The site: health, assets, language, what search engines read (seo.go).
	e.GET("/healthz", h.healthz)
	e.GET(static.Prefix+"*", echo.WrapHandler(h.Assets))
	e.GET("/", h.root)
	e.GET("/language", h.switchLanguage)
	e.GET("/robots.txt", h.robots)
	e.GET("/sitemap.xml", h.sitemap)
	e.GET("/favicon.ico", h.favicon)
	e.GET("/files/:name", h.file) // editors' files, immutable (editor_files.go)

	// --- The help desk: articles, sections, search (helpdesk.go, search.go).
	g := e.Group("/:lang", h.withPage)
	g.GET("", h.languageRoot)
	g.GET("/", h.home)
	g.GET("/articles/:slug", h.article)
	g.POST("/articles/:slug/feedback", h.feedback, h.voteLimiter())
	g.GET("/sections", h.sectionsIndex) // editor_categories.go
	g.GET("/sections/:category", h.section)
	g.GET("/search", h.search, h.searchLimiter())
	g.GET("/feed.atom", h.feed)           // feed.go
	g.GET("/browser-test", h.browserTest) // browsertest.go

	// --- Login and My account (account.go, account_login.go, account_totp.go).
	g.GET("/login", h.loginChooser)
	g.GET("/login/:kind", h.loginKind(h.coming("login.type.title", "coming.login")))
	limit := h.accountLimiter("account")
	// Changes within a live session get a budget of their own. Logout,
	// sign out everywhere and viewing My account are never limited: a
	// person must always be able to end their sessions.
	sessionLimit := h.sessionLimiter("session")
	g.GET("/register", h.registerForm, noStore)
	g.POST("/register", h.register, noStore, limit)
	g.GET("/login/user", h.loginForm, noStore)
	g.POST("/login/user", h.loginStep1, noStore, limit)
	g.POST("/login/user/password", h.loginStep2, noStore, limit)
	g.GET("/login/user/password", h.toLogin, noStore)
	g.POST("/login/user/activate", h.activate, noStore, limit)
	g.GET("/login/user/activate", h.toLogin, noStore)
	g.POST("/login/user/code", h.loginCode, noStore, limit)
	g.GET("/login/user/code", h.toLogin, noStore)
	g.GET("/account", h.accountGet, noStore)
	g.POST("/account", h.accountPost, noStore)
	g.POST("/account/logout", h.logout, noStore)
	g.GET("/account/logout", h.accountGet, noStore)
	g.POST("/account/signout-everywhere", h.signOutEverywhere, noStore)
	g.GET("/account/signout-everywhere", h.accountGet, noStore)
	g.POST("/account/password", h.changePassword, noStore, limit)
	g.GET("/account/password", h.accountGet, noStore)
	g.POST("/account/profile", h.updateProfile, noStore, sessionLimit)
	g.GET("/account/profile", h.accountGet, noStore)
	g.POST("/account/phrase", h.changePhrase, noStore, sessionLimit)
	g.GET("/account/phrase", h.accountGet, noStore)
	g.POST("/account/session/end", h.endSession, noStore, sessionLimit)
	g.GET("/account/session/end", h.accountGet, noStore)
	g.POST("/account/totp/setup", h.totpBegin, noStore, limit)
	g.GET("/account/totp/setup", h.accountGet, noStore)
	g.POST("/account/totp/confirm", h.totpConfirm, noStore, limit)
	g.GET("/account/totp/confirm", h.accountGet, noStore)
	g.POST("/account/totp/disable", h.totpDisable, noStore, limit)
	g.GET("/account/totp/disable", h.accountGet, noStore)
	g.POST("/account/email", h.requestEmail, noStore, limit)
	g.GET("/account/email", h.accountGet, noStore)
	g.POST("/account/email/confirm", h.confirmEmail, noStore, limit)
	g.GET("/account/email/confirm", h.accountGet, noStore)
	g.POST("/account/recovery", h.newRecoveryCodes, noStore, limit)
	g.GET("/account/recovery", h.accountGet, noStore)
	g.POST("/account/export", h.exportData, noStore, limit)
	g.GET("/account/export", h.accountGet, noStore)
	g.POST("/account/delete", h.deleteAccount, noStore, limit)
	g.GET("/account/delete", h.accountGet, noStore)

	// --- Reset Account, Recover Account, the usercode reminder, and their
	// parts of My account (selfservice.go). Their own login-sized budget.
	selfLimit := h.accountLimiter("self-service")
	g.GET("/reset", h.resetForm, noStore)
	g.POST("/reset", h.resetStart, noStore, selfLimit)
	g.POST("/reset/confirm", h.resetConfirm, noStore, selfLimit)
	g.GET("/reset/confirm", h.redirectTo("/reset"), noStore)
	g.GET("/recover", h.recoverForm, noStore)
	g.POST("/recover", h.recoverStart, noStore, selfLimit)
	g.POST("/recover/answer", h.recoverAnswer, noStore, selfLimit)
	g.GET("/recover/answer", h.redirectTo("/recover"), noStore)
	g.POST("/account/recover-setup", h.recoverySetup, noStore, selfLimit)
	g.GET("/account/recover-setup", h.accountGet, noStore)
	g.POST("/account/recover-setup/file", h.recoveryFile, noStore, selfLimit)
	g.GET("/account/recover-setup/file", h.accountGet, noStore)
	g.POST("/account/recover-remove", h.recoveryRemove, noStore, selfLimit)
	g.GET("/account/recover-remove", h.accountGet, noStore)
	g.POST("/account/reset", h.resetSignedIn, noStore, selfLimit)
	g.GET("/account/reset", h.accountGet, noStore)
	g.GET("/usercode", h.usercodeForm, noStore)
	g.POST("/usercode", h.usercodeStart, noStore, selfLimit)
	g.POST("/usercode/confirm", h.usercodeConfirm, noStore, selfLimit)
	g.GET("/usercode/confirm", h.redirectTo("/usercode"), noStore)

	// --- The account managers' area (manage.go). Changes share the generous
	// size of the session budget; adding users has its own per-manager limit
	// in the domain.
	managerLimit := h.sessionLimiter("managers")
	g.GET("/account/members", h.membersGet, noStore)
	g.POST("/account/members", h.membersPost, noStore)
	g.POST("/account/members/add", h.addMember, noStore, managerLimit)
	g.GET("/account/members/add", h.membersGet, noStore)
	g.POST("/account/members/suspend", h.suspendMember, noStore, managerLimit)
	g.GET("/account/members/suspend", h.membersGet, noStore)
	g.POST("/account/members/reactivate", h.reactivateMember, noStore, managerLimit)
	g.GET("/account/members/reactivate", h.membersGet, noStore)
	g.POST("/account/members/close", h.closeMember, noStore, managerLimit)
	g.GET("/account/members/close", h.membersGet, noStore)
	g.POST("/account/members/type", h.memberType, noStore, managerLimit)
	g.GET("/account/members/type", h.membersGet, noStore)
	g.GET("/account/members/audit", h.auditGet, noStore)
	g.POST("/account/members/audit", h.auditPost, noStore)

	// --- Support tickets for visitors and users (support*.go). Every ticket
	// route is under one per-address limit (docs/SECURITY.md), on top of the
	// service's own counts of wrong keys. The follow form and the ticket
	// page apply it by hand, so a refusal keeps what was typed; the upload
	// routes have it before they read any of their body.
	ticketLimit := h.perAddressLimit("tickets", h.ticketLimit())
	g.GET("/support", h.supportForm, noStore)
	upload(g, "/support", h.submitTicket, noStore, ticketLimit)
	g.POST("/support/new", h.supportFormPost, noStore)
	g.GET("/support/new", h.toSupport)
	g.GET("/support/suggest", h.suggestArticles)
	g.GET("/support/tickets", h.followForm, noStore, ticketLimit)
	g.POST("/support/tickets", h.followTicket(ticketLimit), noStore)
	g.GET("/support/tickets/:ref", h.ticketGet(ticketLimit), noStore)
	g.POST("/support/tickets/:ref", h.ticketPost(ticketLimit), noStore)
	upload(g, "/support/tickets/:ref/reply", h.replyTicket, noStore, ticketLimit)
	g.GET("/support/tickets/:ref/reply", h.toTicket, noStore, ticketLimit)
	g.POST("/support/tickets/:ref/status", h.ticketStatus, noStore, ticketLimit)
	g.GET("/support/tickets/:ref/status", h.toTicket, noStore, ticketLimit)
	g.POST("/support/tickets/:ref/rate", h.rateTicket, noStore, ticketLimit)
	g.GET("/support/tickets/:ref/rate", h.toTicket, noStore, ticketLimit)
	g.POST("/support/tickets/:ref/keyfile", h.keyFile, noStore, ticketLimit)
	g.GET("/support/tickets/:ref/keyfile", h.toTicket, noStore, ticketLimit)
	g.GET("/support/tickets/:ref/attachments/:id", h.attachment, noStore, ticketLimit)
	g.POST("/support/tickets/:ref/attachments/:id", h.attachment, noStore, ticketLimit)

	// --- The agents' desk (desk_*.go). Every desk route is under the
	// per-address limit (docs/SECURITY.md). Pages answer GET (1-Click) and
	// POST (the token in the form); changes are POST only.
	deskLimit := h.deskLimiter()
	g.GET("/desk", h.deskQueue, noStore, deskLimit)
	g.POST("/desk", h.deskQueue, noStore, deskLimit)
	g.GET("/desk/poll", h.deskPoll, noStore, deskLimit)
	g.POST("/desk/poll", h.deskPoll, noStore, deskLimit)
	g.GET("/desk/tickets/:ref", h.deskTicket, noStore, deskLimit)
	g.POST("/desk/tickets/:ref", h.deskTicket, noStore, deskLimit)
	g.GET("/desk/tickets/:ref/files/:id", h.deskFile, noStore, deskLimit)
	g.POST("/desk/tickets/:ref/files/:id", h.deskFile, noStore, deskLimit)
	upload(g, "/desk/tickets/:ref/reply", h.deskReply, noStore, deskLimit)
	g.GET("/desk/tickets/:ref/reply", h.deskBackToTicket, noStore, deskLimit)
	g.POST("/desk/tickets/:ref/note", h.deskNote, noStore, deskLimit)
	g.GET("/desk/tickets/:ref/note", h.deskBackToTicket, noStore, deskLimit)
	g.POST("/desk/tickets/:ref/assign", h.deskAssign, noStore, deskLimit)
	g.GET("/desk/tickets/:ref/assign", h.deskBackToTicket, noStore, deskLimit)
	g.POST("/desk/tickets/:ref/status", h.deskStatus, noStore, deskLimit)
	g.GET("/desk/tickets/:ref/status", h.deskBackToTicket, noStore, deskLimit)
	g.POST("/desk/tickets/:ref/priority", h.deskPriority, noStore, deskLimit)
	g.GET("/desk/tickets/:ref/priority", h.deskBackToTicket, noStore, deskLimit)
	g.GET("/desk/topics", h.deskTopics, noStore, deskLimit)
	g.POST("/desk/topics", h.deskTopics, noStore, deskLimit)
	g.POST("/desk/topics/save", h.deskSaveTopic, noStore, deskLimit)
	g.GET("/desk/topics/save", h.redirectTo("/desk/topics"), noStore, deskLimit)
	g.GET("/desk/canned", h.deskCanned, noStore, deskLimit)
	g.POST("/desk/canned", h.deskCanned, noStore, deskLimit)
	g.POST("/desk/canned/save", h.deskSaveCanned, noStore, deskLimit)
	g.GET("/desk/canned/save", h.redirectTo("/desk/canned"), noStore, deskLimit)
	g.POST("/desk/canned/delete", h.deskDeleteCanned, noStore, deskLimit)
	g.GET("/desk/canned/delete", h.redirectTo("/desk/canned"), noStore, deskLimit)
	g.GET("/desk/outbox", h.deskOutbox, noStore, deskLimit)
	g.POST("/desk/outbox", h.deskOutbox, noStore, deskLimit)
	// The agents' notifications (desk_notify.go, issue 14): the list, mark
	// read (one, all), and the settings; the count rides on the queue's poll.
	g.GET("/desk/notifications", h.deskNotify, noStore, deskLimit)
	g.POST("/desk/notifications", h.deskNotify, noStore, deskLimit)
	g.POST("/desk/notifications/read", h.deskNotifyRead, noStore, deskLimit)
	g.GET("/desk/notifications/read", h.redirectTo("/desk/notifications"), noStore, deskLimit)
	g.GET("/desk/notifications/settings", h.deskNotifySettings, noStore, deskLimit)
	g.POST("/desk/notifications/settings", h.deskNotifySettings, noStore, deskLimit)
	g.POST("/desk/notifications/settings/save", h.deskNotifySave, noStore, deskLimit)
	g.GET("/desk/notifications/settings/save", h.redirectTo("/desk/notifications/settings"), noStore, deskLimit)
	// Triage (desk_triage.go): bulk actions, saved views, a ticket's tags,
	// merging and the collision warning's poll.
	g.POST("/desk/bulk", h.deskBulk, noStore, deskLimit)
	g.GET("/desk/bulk", h.redirectTo("/desk"), noStore, deskLimit)
	g.POST("/desk/views/save", h.deskSaveView, noStore, deskLimit)
	g.GET("/desk/views/save", h.redirectTo("/desk"), noStore, deskLimit)
	g.POST("/desk/views/delete", h.deskDeleteView, noStore, deskLimit)
	g.GET("/desk/views/delete", h.redirectTo("/desk"), noStore, deskLimit)
	g.POST("/desk/tickets/:ref/tags", h.deskTags, noStore, deskLimit)
	g.GET("/desk/tickets/:ref/tags", h.deskBackToTicket, noStore, deskLimit)
	g.POST("/desk/tickets/:ref/merge", h.deskMerge, noStore, deskLimit)
	g.GET("/desk/tickets/:ref/merge", h.deskBackToTicket, noStore, deskLimit)
	g.GET("/desk/tickets/:ref/presence", h.deskPresence, noStore, deskLimit)
	g.POST("/desk/tickets/:ref/presence", h.deskPresence, noStore, deskLimit)
	// Custom fields per topic (desk_fields.go, issue 14): the admins' page,
	// adding and removing a field, a ticket's fields.
	g.GET("/desk/fields", h.deskFields, noStore, deskLimit)
	g.POST("/desk/fields", h.deskFields, noStore, deskLimit)
	g.POST("/desk/fields/save", h.deskSaveField, noStore, deskLimit)
	g.GET("/desk/fields/save", h.redirectTo("/desk/fields"), noStore, deskLimit)
	g.POST("/desk/fields/remove", h.deskRemoveField, noStore, deskLimit)
	g.GET("/desk/fields/remove", h.redirectTo("/desk/fields"), noStore, deskLimit)
	g.POST("/desk/tickets/:ref/fields", h.deskSetFields, noStore, deskLimit)
	g.GET("/desk/tickets/:ref/fields", h.deskBackToTicket, noStore, deskLimit)
	g.GET("/desk/managers", h.deskManagers, noStore, deskLimit) // desk_managers.go
	g.POST("/desk/managers", h.deskManagers, noStore, deskLimit)
	g.POST("/desk/managers/save", h.deskSaveManager, noStore, deskLimit)
	g.GET("/desk/managers/save", h.redirectTo("/desk/managers"), noStore, deskLimit)
	// Staff and the audit log, admins only (desk_staff.go, desk_audit.go).
	g.GET("/desk/staff", h.deskStaff, noStore, deskLimit)
	g.POST("/desk/staff", h.deskStaff, noStore, deskLimit)
	g.POST("/desk/staff/invite", h.deskStaffInvite, noStore, deskLimit)
	g.GET("/desk/staff/invite", h.redirectTo("/desk/staff"), noStore, deskLimit)
	g.POST("/desk/staff/role", h.deskStaffRole, noStore, deskLimit)
	g.GET("/desk/staff/role", h.redirectTo("/desk/staff"), noStore, deskLimit)
	g.POST("/desk/staff/state", h.deskStaffState, noStore, deskLimit)
	g.GET("/desk/staff/state", h.redirectTo("/desk/staff"), noStore, deskLimit)
	g.POST("/desk/staff/policy", h.deskStaffPolicy, noStore, deskLimit)
	g.GET("/desk/staff/policy", h.redirectTo("/desk/staff"), noStore, deskLimit)
	g.GET("/desk/audit", h.deskAudit, noStore, deskLimit)
	g.POST("/desk/audit", h.deskAudit, noStore, deskLimit)
	g.GET("/desk/audit/export", h.deskAuditExport, noStore, deskLimit)
	g.POST("/desk/audit/export", h.deskAuditExport, noStore, deskLimit)
	g.POST("/desk/audit/retention", h.deskAuditRetention, noStore, deskLimit)
	g.GET("/desk/audit/retention", h.redirectTo("/desk/audit"), noStore, deskLimit)
	// Issue 14 (admins): the SLA policy (desk_sla.go) and the reports with
	// their CSV export (desk_reports.go).
	g.GET("/desk/sla", h.deskSLA, noStore, deskLimit)
	g.POST("/desk/sla", h.deskSLA, noStore, deskLimit)
	g.POST("/desk/sla/save", h.deskSaveSLA, noStore, deskLimit)
	g.GET("/desk/sla/save", h.redirectTo("/desk/sla"), noStore, deskLimit)
	g.GET("/desk/reports", h.deskReports, noStore, deskLimit)
	g.POST("/desk/reports", h.deskReports, noStore, deskLimit)
	g.GET("/desk/reports/export", h.deskReportsExport, noStore, deskLimit)
	g.POST("/desk/reports/export", h.deskReportsExport, noStore, deskLimit)

	// --- The editor's room (editor*.go): editors and admins only
	// (requireEditor). Pages answer GET (1-Click) and POST (the token in
	// the form); changes are POST only.
	ed := h.requireEditor
	// page answers GET and POST (a page); change answers POST, and GET with
	// a redirect to back (a change); writing is a change that reads the
	// writing form, which carries a whole article: Markdown up to kb.MaxBody
	// bytes, which URL-encoding may triple. Its own bound, read before the
	// guard reads the form.
	page := func(path string, fn echo.HandlerFunc, guard echo.MiddlewareFunc) {
		g.GET(path, fn, noStore, guard)
		g.POST(path, fn, noStore, guard)
	}
	change := func(path string, fn echo.HandlerFunc, back string, guard echo.MiddlewareFunc, limit ...echo.MiddlewareFunc) {
		r := g.POST(path, fn, append(limit, noStore, guard)...)
		if len(limit) > 0 {
			ownLimit[r.Path] = true
		}
		g.GET(path, h.redirectTo(back), noStore, guard)
	}
	writingLimit := h.limitBody(editorFormLimit, func(echo.Context) bool { return false })
	writing := func(path string, fn echo.HandlerFunc, back string, guard echo.MiddlewareFunc) {
		change(path, fn, back, guard, writingLimit)
	}
	page("/editor", h.editorHome, ed)
	page("/editor/articles", h.editorArticles, ed) // editor_articles.go
	page("/editor/new", h.editorNew, ed)
	writing("/editor/save", h.editorSave, "/editor/articles", ed)
	writing("/editor/preview", h.editorPreview, "/editor/new", ed)
	writing("/editor/slug", h.editorSlug, "/editor/new", ed)
	writing("/editor/slug/propose", h.editorSlugPropose, "/editor/new", ed)
	writing("/editor/autosave", h.editorAutosave, "/editor/articles", ed)
	page("/editor/articles/:id/:tlang", h.editorEdit, ed)
	change("/editor/articles/:id/:tlang/publish", h.editorPublish, "/editor/articles", ed) // editor_publish.go
	page("/editor/articles/:id/:tlang/history", h.editorHistory, ed)
	change("/editor/articles/:id/:tlang/restore", h.editorRestore, "/editor/articles", ed)
	// Translations side by side (editor_translate.go).
	page("/editor/translations", h.editorTranslations, ed)
	page("/editor/articles/:id/:tlang/translate", h.editorTranslate, ed)
	writing("/editor/articles/:id/:tlang/translate/save", h.editorTranslateSave, "/editor/translations", ed)
	change("/editor/articles/:id/:tlang/current", h.editorStillCurrent, "/editor/translations", ed)
	change("/editor/articles/:id/:tlang/holds", h.editorHolds, "/editor/translations", ed)
	// Files (editor_files.go): the upload checks the session itself, after
	// the text fields and before any file is read (uploads.go).
	page("/editor/files", h.editorFiles, ed)
	upload(g, "/editor/files/upload", h.editorUpload, noStore)
	g.GET("/editor/files/upload", h.redirectTo("/editor/files"), noStore)
	// The categories (editor_categories.go).
	page("/editor/categories", h.editorCategories, ed)
	change("/editor/categories/create", h.editorCategoryCreate, "/editor/categories", ed)
	change("/editor/categories/move", h.editorCategoryMove, "/editor/categories", ed)
	change("/editor/categories/delete", h.editorCategoryDelete, "/editor/categories", ed)
	page("/editor/category/:key", h.editorCategory, ed)
	change("/editor/category/:key/save", h.editorCategorySave, "/editor/categories", ed)
	// What readers need (editor_readers.go).
	page("/editor/readers", h.editorReaders, ed)
	page("/editor/readers/:key", h.editorReadersArticle, ed)
	page("/editor/searches", h.editorSearches, ed)
	// Agents read drafts and propose an edit (editor_proposals.go): agents,
	// editors and admins (requireProposer); editors publish or discard.
	pr := h.requireProposer
	page("/editor/drafts", h.editorDrafts, pr)
	page("/editor/drafts/:id/:tlang", h.editorDraft, pr)
	writing("/editor/drafts/:id/:tlang/propose", h.editorPropose, "/editor/drafts", pr)
	change("/editor/articles/:id/:tlang/proposal", h.editorProposal, "/editor/articles", ed)

	g.RouteNotFound("/*", notFound)
	e.RouteNotFound("/*", notFound)
	return e
}

func notFound(echo.Context) error { return echo.ErrNotFound }

func (h *Handlers) healthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok")
}
