package handlers

import (
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
	"zerodesk/views"
)

// Reset Account and Recover Account (the Self-Management panel), and their
// parts of My account: the recovery record set-up and "my account may be
// compromised". The anonymous flows set no cookie and carry their state
// (usercode, reset flow id) in hidden form fields only, never in a URL.

// recoveryFileMax bounds an uploaded recovery file (a few hundred bytes in
// practice; the whole request is under the 64K body limit anyway).
const recoveryFileMax = 4096

// displayUsercode is the usercode as the hidden fields carry it: its
// normalized form, whoever typed it how (so known and unknown ones look alike).
func displayUsercode(s string) string {
	u, err := accounts.NormalizeUsercode(s)
	if err != nil {
		return strings.TrimSpace(s)
	}
	return u.Display()
}

func (h *Handlers) resetForm(c echo.Context) error {
	return h.render(c, http.StatusOK, views.ResetStartPage(views.ResetStartView{}), nil)
}

// resetStart asks for a code by e-mail. Whether or not the usercode and the
// address match an account, the answer is the same code page.
func (h *Handlers) resetStart(c echo.Context) error {
	v := views.ResetStartView{Usercode: c.FormValue("usercode"), Email: c.FormValue("email")}
	flow, err := h.Accounts.StartReset(c.Request().Context(), accounts.ResetRequest{Usercode: v.Usercode, Email: v.Email, Addr: c.RealIP()})
	if err != nil {
		return h.formError(c, err, func(id string) templ.Component {
			v.ErrorID = id
			return views.ResetStartPage(v)
		})
	}
	return h.render(c, http.StatusOK, views.ResetCodePage(views.ResetCodeView{Usercode: displayUsercode(v.Usercode), Flow: flow, Suggestions: h.phraseOptions("")}), nil)
}

// resetConfirm checks the code and resets the account.
func (h *Handlers) resetConfirm(c echo.Context) error {
	v := views.ResetCodeView{Usercode: displayUsercode(c.FormValue("usercode")), Flow: c.FormValue("flow"),
		Code: strings.TrimSpace(c.FormValue("code")), Name: c.FormValue("name")}
	err := h.Accounts.FinishReset(c.Request().Context(), accounts.ResetFinish{
		Usercode: v.Usercode, Flow: v.Flow, Code: v.Code, Name: v.Name,
		Password: c.FormValue("password"), Phrase: c.FormValue("phrase"), Confirmed: c.FormValue("confirm") == "yes",
		Addr: c.RealIP(),
	})
	if err != nil {
		if id := errs.MessageIDOf(err); id == accounts.MsgResetFlowDead || id == accounts.MsgUsercodeInvalid {
			return h.formError(c, err, func(id string) templ.Component {
				return views.ResetStartPage(views.ResetStartView{ErrorID: id})
			})
		}
		if errs.MessageIDOf(err) == accounts.MsgCodeWrong {
			v.Code = ""
		}
		return h.formError(c, err, func(id string) templ.Component {
			v.ErrorID = id
			v.Suggestions = h.phraseOptions(c.FormValue("phrase"))
			return views.ResetCodePage(v)
		})
	}
	return h.render(c, http.StatusOK, views.ResetDonePage(), nil)
}

func (h *Handlers) recoverForm(c echo.Context) error {
	return h.render(c, http.StatusOK, views.RecoverStartPage(views.RecoverStartView{}), nil)
}

// recoverLocked shows until when the usercode's recovery is locked, when err
// is that lock; ok is false for any other error.
func (h *Handlers) recoverLocked(c echo.Context, err error) (bool, error) {
	var e *errs.Error
	if errs.MessageIDOf(err) != accounts.MsgRecoverLocked || !errors.As(err, &e) {
		return false, nil
	}
	until, _ := e.Data["Until"].(time.Time)
	c.Response().Header().Set("Retry-After", "3600")
	return true, h.render(c, http.StatusTooManyRequests, views.RecoverLockedPage(views.RecoverLockedView{Until: until}), nil)
}

// recoverStart shows the question (or asks for the key) of the usercode; an
// unknown usercode gets a decoy with the same markup.
func (h *Handlers) recoverStart(c echo.Context) error {
	usercode := c.FormValue("usercode")
	p, err := h.Accounts.RecoverStart(c.Request().Context(), usercode)
	if err != nil {
		if locked, lerr := h.recoverLocked(c, err); locked {
			return lerr
		}
		return h.formError(c, err, func(id string) templ.Component {
			return views.RecoverStartPage(views.RecoverStartView{Usercode: usercode, ErrorID: id})
		})
	}
	return h.render(c, http.StatusOK, views.RecoverAnswerPage(h.recoverView(c, displayUsercode(usercode), p)), nil)
}

func (h *Handlers) recoverView(c echo.Context, usercode string, p accounts.RecoverPrompt) views.RecoverAnswerView {
	return views.RecoverAnswerView{Usercode: usercode, ByKey: p.Method == accounts.RecoveryByKey, QuestionID: p.Question,
		Suggestions: h.phraseOptions(c.FormValue("phrase"))}
}

// recoverAnswer opens the recovery record with the answer or key (and the
// file) and sets the new password and phrase.
func (h *Handlers) recoverAnswer(c echo.Context) error {
	ctx := c.Request().Context()
	usercode := displayUsercode(c.FormValue("usercode"))
	file, err := uploadedFile(c, "file")
	if err != nil {
		return err
	}
	err = h.Accounts.Recover(ctx, accounts.RecoverRequest{
		Usercode: usercode, Secret: c.FormValue("secret"), File: file,
		Password: c.FormValue("password"), Phrase: c.FormValue("phrase"), Addr: c.RealIP(),
	})
	if err != nil {
		if locked, lerr := h.recoverLocked(c, err); locked {
			return lerr
		}
		if errs.MessageIDOf(err) == accounts.MsgUsercodeInvalid {
			return h.formError(c, err, func(id string) templ.Component {
				return views.RecoverStartPage(views.RecoverStartView{ErrorID: id})
			})
		}
		// The same prompt again (the account's, or the same decoy).
		p, perr := h.Accounts.RecoverStart(ctx, usercode)
		if perr != nil {
			if locked, lerr := h.recoverLocked(c, perr); locked {
				return lerr
			}
			return perr
		}
		return h.formError(c, err, func(id string) templ.Component {
			v := h.recoverView(c, usercode, p)
			v.ErrorID = id
			return views.RecoverAnswerPage(v)
		})
	}
	return h.render(c, http.StatusOK, views.RecoverDonePage(), nil)
}

// uploadedFile reads an optional uploaded file (nil when none was sent).
func uploadedFile(c echo.Context, field string) ([]byte, error) {
	fh, err := c.FormFile(field)
	if err != nil || fh.Size == 0 {
		return nil, nil // no file: not an error, the record may be kept here
	}
	if fh.Size > recoveryFileMax {
		return nil, nil // not a recovery file: it will not open anything
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, recoveryFileMax))
}

// recoveryView is the recovery part of My account.
func (h *Handlers) recoveryView(c echo.Context, s *accounts.Session) (views.RecoveryView, error) {
	info, err := h.Accounts.Recovery(c.Request().Context(), s)
	if err != nil {
		return views.RecoveryView{}, err
	}
	return views.RecoveryView{Allowed: info.Allowed, Set: info.Set, ByKey: info.Method == accounts.RecoveryByKey,
		QuestionID: info.Question, Kept: info.Kept, Since: info.CreatedAt, Questions: accounts.Questions,
		Suggestions: h.phraseOptions(c.FormValue("phrase"))}, nil
}

// recoverySetup sets up (or replaces) the recovery record and shows the key
// once, with the file's download when the record is not kept here.
func (h *Handlers) recoverySetup(c echo.Context) error {
	return h.withSession(c, func(s *accounts.Session, token string) error {
		issued, err := h.Accounts.SetUpRecovery(c.Request().Context(), s, accounts.RecoverySetup{
			Password: c.FormValue("password"), Method: accounts.RecoveryMethod(c.FormValue("method")),
			Question: c.FormValue("question"), Answer: c.FormValue("answer"), Keep: c.FormValue("keep") != "no",
		})
		if err != nil {
			return h.refused(c, s, token, err)
		}
		v := views.RecoverySetupDoneView{Token: token, Key: issued.Key}
		if issued.File != nil {
			sealed, _ := accounts.ParseRecoveryFile(issued.File)
			v.Record = base64.RawURLEncoding.EncodeToString(sealed)
		}
		return h.render(c, http.StatusOK, views.RecoverySetupDonePage(v), nil)
	})
}

// recoveryFile sends the recovery file of a record just set up: the sealed
// record from the set-up page's form, back as a download (it opens nothing
// without the answer or key, the database and the server secret).
func (h *Handlers) recoveryFile(c echo.Context) error {
	return h.withSession(c, func(s *accounts.Session, token string) error {
		sealed, err := base64.RawURLEncoding.DecodeString(c.FormValue("record"))
		if err != nil || len(sealed) == 0 || len(sealed) > recoveryFileMax {
			return errs.E(errs.Invalid, "error.bad_request")
		}
		c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="zerodesk-recovery.json"`)
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, accounts.RecoveryFile(sealed))
	})
}

func (h *Handlers) recoveryRemove(c echo.Context) error {
	return h.accountChange(c, "selfservice.setup.removed", func(s *accounts.Session) error {
		return h.Accounts.RemoveRecovery(c.Request().Context(), s, c.FormValue("password"))
	})
}

// resetSignedIn is "my account may be compromised": the reset in one step,
// after the current password. Every session ends, this one too.
func (h *Handlers) resetSignedIn(c echo.Context) error {
	return h.withSession(c, func(s *accounts.Session, token string) error {
		err := h.Accounts.ResetSignedIn(c.Request().Context(), s, accounts.SignedInReset{
			Current: c.FormValue("current"), Name: c.FormValue("name"), Password: c.FormValue("password"),
			Phrase: c.FormValue("phrase"), Confirmed: c.FormValue("confirm") == "yes",
		})
		if err != nil {
			return h.refused(c, s, token, err)
		}
		h.endCookie(c)
		return h.render(c, http.StatusOK, views.ResetDonePage(), nil)
	})
}

// A lost usercode: proving the registered e-mail address issues a new one.
// The code page is the same, after the same floor of time, whether or not
// the address is registered.

func (h *Handlers) usercodeForm(c echo.Context) error {
	return h.render(c, http.StatusOK, views.UsercodeStartPage(views.UsercodeStartView{}), nil)
}

func (h *Handlers) usercodeStart(c echo.Context) error {
	v := views.UsercodeStartView{Email: c.FormValue("email")}
	flow, err := h.Accounts.RequestUsercode(c.Request().Context(), accounts.UsercodeRequest{Email: v.Email, Addr: c.RealIP()})
	if err != nil {
		return h.formError(c, err, func(id string) templ.Component {
			v.ErrorID = id
			return views.UsercodeStartPage(v)
		})
	}
	return h.render(c, http.StatusOK, views.UsercodeCodePage(views.UsercodeCodeView{Email: v.Email, Flow: flow}), nil)
}

func (h *Handlers) usercodeConfirm(c echo.Context) error {
	v := views.UsercodeCodeView{Email: c.FormValue("email"), Flow: c.FormValue("flow")}
	issued, err := h.Accounts.FinishUsercode(c.Request().Context(), accounts.UsercodeFinish{Email: v.Email, Flow: v.Flow, Code: c.FormValue("code")})
	if err != nil {
		if id := errs.MessageIDOf(err); id == accounts.MsgUsercodeFlowDead || id == accounts.MsgEmailInvalid {
			return h.formError(c, err, func(id string) templ.Component {
				return views.UsercodeStartPage(views.UsercodeStartView{ErrorID: id})
			})
		}
		return h.formError(c, err, func(id string) templ.Component {
			v.ErrorID = id
			return views.UsercodeCodePage(v)
		})
	}
	list := make([]views.IssuedUsercodeLine, 0, len(issued))
	for _, u := range issued {
		list = append(list, views.IssuedUsercodeLine{Usercode: u.Usercode.Display(), Registered: u.RegisteredAt})
	}
	return h.render(c, http.StatusOK, views.UsercodeIssuedPage(list), nil)
}
