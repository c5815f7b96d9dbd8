package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
	"zerodesk/views"
)

// The account managers' area: the users of a manager's account, and the log of
// what was done to them. Like My account it works with both session styles:
// the 1-Click cookie, or the token in a hidden field of every form (then every
// navigation is a POST form, and the token never appears in a URL).

// The notices the area shows after a change.
const (
	MsgManageAdded       = "manage.notice.added"
	MsgManageSuspended   = "manage.notice.suspended"
	MsgManageReactivated = "manage.notice.reactivated"
	MsgManageClosed      = "manage.notice.closed"
	MsgManageTypeChanged = "manage.notice.type_changed"
)

// withManager runs fn for a signed-in manager; any other signed-in role gets
// a forbidden page, and no session the login.
func (h *Handlers) withManager(c echo.Context, fn func(s *accounts.Session, formToken string) error) error {
	return h.withSession(c, func(s *accounts.Session, token string) error {
		if s.Role != accounts.Manager {
			return errs.E(errs.Forbidden, accounts.MsgManagersOnly)
		}
		return fn(s, token)
	})
}

// membersGet is the list for a 1-Click session; without the cookie it is the
// login (a cookie-less session reaches the list by POST).
func (h *Handlers) membersGet(c echo.Context) error {
	if _, fromCookie := h.sessionToken(c); !fromCookie {
		return h.toLogin(c)
	}
	return h.membersPost(c)
}

func (h *Handlers) membersPost(c echo.Context) error {
	return h.withManager(c, func(s *accounts.Session, token string) error {
		return h.membersPage(c, s, views.MembersView{Token: token}, http.StatusOK)
	})
}

// membersPage renders the list with v's notice, error and form values.
func (h *Handlers) membersPage(c echo.Context, s *accounts.Session, v views.MembersView, status int) error {
	list, err := h.Accounts.Members(c.Request().Context(), s)
	if err != nil {
		return err
	}
	for _, m := range list {
		v.Members = append(v.Members, views.MemberLine{
			ID: m.ID, Name: m.Name, Email: m.MaskedEmail, Type: string(m.Type), Status: string(m.Status),
			AddedAt: m.AddedAt, LastSignIn: m.LastSignIn, ClosedAt: m.ClosedAt,
		})
	}
	if v.Form.Lang == "" {
		v.Form.Lang = views.Lang(c.Request().Context())
	}
	return h.render(c, status, views.MembersPage(v), nil)
}

// managerRefused shows the list again with why a change was refused (the
// form's values kept), or passes on an error the area does not explain.
func (h *Handlers) managerRefused(c echo.Context, s *accounts.Session, v views.MembersView, err error) error {
	id := errs.MessageIDOf(err)
	if !errs.IsRefusal(err) || id == accounts.MsgManagersOnly || id == accounts.MsgSessionExpired {
		return err
	}
	view := classify(err)
	if view.Status == http.StatusTooManyRequests {
		c.Response().Header().Set("Retry-After", "60")
	}
	v.ErrorID = id
	return h.membersPage(c, s, v, view.Status)
}

func (h *Handlers) addMember(c echo.Context) error {
	return h.withManager(c, func(s *accounts.Session, token string) error {
		f := views.MemberForm{Name: c.FormValue("name"), Email: c.FormValue("email"), Lang: c.FormValue("language"), Type: c.FormValue("type")}
		_, err := h.Accounts.AddMember(c.Request().Context(), s, accounts.NewMember{
			Name: f.Name, Email: f.Email, Lang: f.Lang, Type: accounts.Role(f.Type),
		})
		if err != nil {
			return h.managerRefused(c, s, views.MembersView{Token: token, Form: f, FormError: true}, err)
		}
		return h.membersPage(c, s, views.MembersView{Token: token, NoticeID: MsgManageAdded}, http.StatusOK)
	})
}

// memberAction runs one change on the member named by the form's "member".
// A malformed id is a missing member.
func (h *Handlers) memberAction(c echo.Context, noticeID string, act func(s *accounts.Session, id int64) error) error {
	return h.withManager(c, func(s *accounts.Session, token string) error {
		id, err := strconv.ParseInt(c.FormValue("member"), 10, 64)
		if err != nil || id <= 0 {
			err = errs.E(errs.NotFound, accounts.MsgMemberNotFound)
		} else {
			err = act(s, id)
		}
		if err != nil {
			return h.managerRefused(c, s, views.MembersView{Token: token}, err)
		}
		return h.membersPage(c, s, views.MembersView{Token: token, NoticeID: noticeID}, http.StatusOK)
	})
}

func (h *Handlers) suspendMember(c echo.Context) error {
	return h.memberAction(c, MsgManageSuspended, func(s *accounts.Session, id int64) error {
		return h.Accounts.SuspendMember(c.Request().Context(), s, id)
	})
}

func (h *Handlers) reactivateMember(c echo.Context) error {
	return h.memberAction(c, MsgManageReactivated, func(s *accounts.Session, id int64) error {
		return h.Accounts.ReactivateMember(c.Request().Context(), s, id)
	})
}

// closeMember needs the ticked confirmation: closing deletes the account.
func (h *Handlers) closeMember(c echo.Context) error {
	return h.memberAction(c, MsgManageClosed, func(s *accounts.Session, id int64) error {
		if c.FormValue("confirm") != "yes" {
			// Not found first: an unconfirmed close of another manager's
			// member must not tell that it exists.
			if _, err := h.Accounts.Member(c.Request().Context(), s, id); err != nil {
				return err
			}
			return errs.E(errs.Invalid, accounts.MsgMemberCloseConfirm)
		}
		return h.Accounts.CloseMember(c.Request().Context(), s, id, h.erasers()...)
	})
}

func (h *Handlers) memberType(c echo.Context) error {
	return h.memberAction(c, MsgManageTypeChanged, func(s *accounts.Session, id int64) error {
		return h.Accounts.SetMemberType(c.Request().Context(), s, id, accounts.Role(c.FormValue("type")))
	})
}

// auditGet is the log for a 1-Click session (?page=N); without the cookie,
// the login.
func (h *Handlers) auditGet(c echo.Context) error {
	if _, fromCookie := h.sessionToken(c); !fromCookie {
		return h.toLogin(c)
	}
	return h.auditPost(c)
}

// auditPost shows one page of the log; a page number that is not one is the
// first page.
func (h *Handlers) auditPost(c echo.Context) error {
	return h.withManager(c, func(s *accounts.Session, token string) error {
		page, err := strconv.Atoi(c.FormValue("page"))
		if err != nil || page < 0 || page > 1_000_000 {
			page = 0
		}
		entries, more, err := h.Accounts.Audit(c.Request().Context(), s, page)
		if err != nil {
			return err
		}
		v := views.AuditView{Token: token, Page: page, More: more}
		for _, e := range entries {
			v.Entries = append(v.Entries, views.AuditLine{
				At: e.At, Action: string(e.Action), ByYou: e.ByYou, Name: e.Name, Sealed: e.Sealed,
				From: string(e.From), To: string(e.To),
			})
		}
		return h.render(c, http.StatusOK, views.AuditPage(v), nil)
	})
}
