package tickets

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"regexp"
	"sort"
	"strconv"

	"zerodesk/internal/accounts"
	"zerodesk/internal/audit"
	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
)

// defaultTopics are seeded into an empty topic list; editors change them
// with SaveTopic.
var defaultTopics = []Topic{
	{Key: "account", Position: 10, Active: true, Names: map[string]string{
		"en": "My account", "es": "Mi cuenta", "fr": "Mon compte", "de": "Mein Konto", "pt-BR": "Minha conta",
		"ar": "حسابي", "zh-Hans": "我的账户", "ja": "アカウント"}},
	{Key: "login", Position: 20, Active: true, Names: map[string]string{
		"en": "Signing in", "es": "Inicio de sesión", "fr": "Connexion", "de": "Anmeldung", "pt-BR": "Acesso à conta",
		"ar": "تسجيل الدخول", "zh-Hans": "登录", "ja": "ログイン"}},
	{Key: "billing", Position: 30, Active: true, Names: map[string]string{
		"en": "Billing and plans", "es": "Facturación y planes", "fr": "Facturation et offres", "de": "Abrechnung und Tarife",
		"pt-BR": "Cobrança e planos", "ar": "الفوترة والباقات", "zh-Hans": "账单与套餐", "ja": "請求とプラン"}},
	{Key: "security", Position: 40, Active: true, Names: map[string]string{
		"en": "Security and privacy", "es": "Seguridad y privacidad", "fr": "Sécurité et confidentialité",
		"de": "Sicherheit und Datenschutz", "pt-BR": "Segurança e privacidade", "ar": "الأمان والخصوصية",
		"zh-Hans": "安全与隐私", "ja": "セキュリティとプライバシー"}},
	{Key: "other", Position: 50, Active: true, Names: map[string]string{
		"en": "Something else", "es": "Otro asunto", "fr": "Autre chose", "de": "Etwas anderes", "pt-BR": "Outro assunto",
		"ar": "موضوع آخر", "zh-Hans": "其他问题", "ja": "その他"}},
}

func (s *Service) seedTopics(ctx context.Context) error {
	var n int
	if err := s.db.Read.QueryRowContext(ctx, sqlCountTopics).Scan(&n); err != nil || n > 0 {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, t := range defaultTopics {
			if err := saveTopic(ctx, tx, t, true); err != nil {
				return err
			}
		}
		return nil
	})
}

func saveTopic(ctx context.Context, tx *sql.Tx, t Topic, onlyNew bool) error {
	names, err := json.Marshal(t.Names)
	if err != nil {
		return err
	}
	q := sqlUpsertTopic
	if onlyNew {
		q = sqlSeedTopic
	}
	_, err = tx.ExecContext(ctx, q, t.Key, string(names), t.Position, t.Active)
	return err
}

func (s *Service) topicActive(ctx context.Context, key string) (bool, error) {
	var active bool
	err := s.db.Read.QueryRowContext(ctx, sqlTopicActive, key).Scan(&active)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return active, err
}

// Topics lists the topics in order, named in lang (English when lang has no
// name). all includes the inactive ones (the editors' list).
func (s *Service) Topics(ctx context.Context, lang string, all bool) ([]TopicName, error) {
	rows, err := s.db.Read.QueryContext(ctx, sqlTopics)
	if err != nil {
		return nil, errs.Wrap(err, "tickets: topics")
	}
	defer rows.Close()
	var out []TopicName
	for rows.Next() {
		var t TopicName
		var raw string
		if err := rows.Scan(&t.Key, &raw, &t.Active); err != nil {
			return nil, errs.Wrap(err, "tickets: topics")
		}
		if !t.Active && !all {
			continue
		}
		var names map[string]string
		_ = json.Unmarshal([]byte(raw), &names)
		if t.Name = names[lang]; t.Name == "" {
			t.Name = names["en"]
		}
		out = append(out, t)
	}
	return out, errs.Wrap(rows.Err(), "tickets: topics")
}

// TopicNames returns the topic keys' names in lang, inactive topics too
// (a ticket keeps the topic it was filed under).
func (s *Service) TopicNames(ctx context.Context, lang string) (map[string]string, error) {
	list, err := s.Topics(ctx, lang, true)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(list))
	for _, t := range list {
		out[t.Key] = t.Name
	}
	return out, nil
}

var topicKey = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// SaveTopic adds or changes a topic (admins only). The key is
// [a-z0-9-]{1,40}; an English name is required.
func (s *Service) SaveTopic(ctx context.Context, v Viewer, t Topic) error {
	if v.Session == nil || v.Session.Role != accounts.Admin {
		return errNotAllowed()
	}
	names := map[string]string{}
	for lang, n := range t.Names {
		if !s.cat.Supported(lang) {
			continue
		}
		n, err := cleanLine(n, 80, "", MsgTopicNameRequired)
		if err != nil {
			return err
		}
		if n != "" {
			names[lang] = n
		}
	}
	if !topicKey.MatchString(t.Key) || names["en"] == "" {
		return errs.E(errs.Invalid, MsgTopicNameRequired)
	}
	t.Names = names
	return errs.Wrap(s.write(ctx, func(tx *sql.Tx) error {
		if err := saveTopic(ctx, tx, t, false); err != nil {
			return err
		}
		return s.auditAdmin(ctx, tx, v, audit.TopicSaved, "topic", t.Key)
	}), "tickets: save topic")
}

// CannedReplies lists the canned replies in lang, by title.
func (s *Service) CannedReplies(ctx context.Context, lang string) ([]Canned, error) {
	rows, err := s.db.Read.QueryContext(ctx, sqlCanned, lang)
	if err != nil {
		return nil, errs.Wrap(err, "tickets: canned")
	}
	defer rows.Close()
	var out []Canned
	for rows.Next() {
		var c Canned
		if err := rows.Scan(&c.ID, &c.Lang, &c.Title, &c.Body); err != nil {
			return nil, errs.Wrap(err, "tickets: canned")
		}
		out = append(out, c)
	}
	return out, errs.Wrap(rows.Err(), "tickets: canned")
}

// SaveCanned adds (ID 0) or changes a canned reply (staff only).
func (s *Service) SaveCanned(ctx context.Context, v Viewer, c Canned) error {
	if !v.staff() {
		return errNotAllowed()
	}
	if !s.cat.Supported(c.Lang) {
		return errs.E(errs.Invalid, MsgCannedInvalid)
	}
	title, err := cleanLine(c.Title, 120, MsgCannedInvalid, MsgCannedInvalid)
	if err != nil {
		return err
	}
	body, err := cleanText(c.Body, s.lim.MaxBody, MsgCannedInvalid, MsgBodyTooLong)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if c.ID == 0 {
			if _, err := tx.ExecContext(ctx, sqlInsertCanned, c.Lang, title, body); err != nil {
				return err
			}
			return s.auditAdmin(ctx, tx, v, audit.CannedSaved, "lang", c.Lang)
		}
		res, err := tx.ExecContext(ctx, sqlUpdateCanned, c.ID, c.Lang, title, body)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, MsgNotFound)
		}
		return s.auditAdmin(ctx, tx, v, audit.CannedSaved, "canned", strconv.FormatInt(c.ID, 10))
	})
}

// DeleteCanned deletes a canned reply (staff only).
func (s *Service) DeleteCanned(ctx context.Context, v Viewer, id int64) error {
	if !v.staff() {
		return errNotAllowed()
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, sqlDeleteCanned, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, MsgNotFound)
		}
		return s.auditAdmin(ctx, tx, v, audit.CannedDeleted, "canned", strconv.FormatInt(id, 10))
	})
}

// EnterDesk records the agent's display name, sealed under a desk subkey
// (staff only). Customers see this name on the agent's replies.
func (s *Service) EnterDesk(ctx context.Context, sess *accounts.Session, name string) error {
	if sess == nil || !sess.Role.Staff() {
		return errNotAllowed()
	}
	name, err := cleanName(name, s.lim.MaxName)
	if err != nil {
		return err
	}
	sealed, err := crypt.Seal(s.keys.agent, []byte(name), adAgent(sess.AccountID))
	if err != nil {
		return errs.Wrap(err, "tickets: seal agent name")
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, sqlUpsertAgent,
			sess.AccountID, sealed, s.now().Unix())
		return err
	})
}

// Agents lists the agents who entered the desk, by name.
func (s *Service) Agents(ctx context.Context) ([]Agent, error) {
	names, err := s.agentNames(ctx, s.db.Read)
	if err != nil {
		return nil, errs.Wrap(err, "tickets: agents")
	}
	out := make([]Agent, 0, len(names))
	for id, n := range names {
		out = append(out, Agent{ID: id, Name: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}
