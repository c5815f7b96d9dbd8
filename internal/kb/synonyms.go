package kb

// Synonyms and abbreviations: a visitor who types "2fa" means the two-step
// login the articles describe, and "pw" means password. Each group lists ways
// of saying one thing; a member of several words is a phrase ("two step"
// matches "two-step" and "two steps" matches "two steps"). A query word (or
// run of words) equal to a member also finds every other member of its
// groups. Groups under "" apply in every language; a language's own groups
// add to them. Members are written as people type them and folded like
// queries when the table is built.
var synonymTable = map[string][][]string{
	"": {
		{"2fa", "mfa", "totp", "two factor", "two step", "two steps", "2 step", "multi factor", "authenticator", "one time code"},
		{"otp", "one time password", "one time code", "totp"},
		{"pw", "pwd", "passwd", "password", "passcode"},
		{"login", "log in", "logon", "log on", "sign in", "signin"},
		{"logout", "log out", "sign out", "signout"},
		{"email", "e mail", "mail"},
		{"username", "user name", "user id", "usercode", "login name"},
		{"faq", "common questions"},
		{"acct", "account"},
	},
	"de": {
		{"2fa", "zwei faktor", "zweistufig", "zwei schritten", "zwei schritte"},
		{"pw", "passwort", "kennwort"},
		{"login", "anmelden", "anmeldung", "einloggen"},
	},
	"es": {
		{"2fa", "dos pasos", "doble factor", "dos factores"},
		{"pw", "contraseña", "clave"},
		{"login", "iniciar sesión", "acceder", "acceso"},
		{"email", "correo", "correo electrónico"},
	},
	"fr": {
		{"2fa", "deux étapes", "double authentification", "deux facteurs"},
		{"pw", "mdp", "mot de passe"},
		{"login", "connexion", "se connecter"},
		{"email", "courriel", "e mail"},
	},
	"pt-BR": {
		{"2fa", "duas etapas", "dois fatores", "dois passos"},
		{"pw", "senha"},
		{"login", "entrar", "acessar", "acesso"},
	},
	"ar": {
		{"2fa", "خطوتين", "التحقق بخطوتين", "المصادقة الثنائية"},
		{"pw", "كلمة المرور", "كلمة السر", "باسورد"},
		{"login", "تسجيل الدخول", "دخول"},
		{"email", "البريد الإلكتروني", "ايميل", "إيميل"},
	},
	"ja": {
		{"2fa", "二段階", "2段階", "二要素"},
		{"pw", "パスワード"},
		{"login", "ログイン", "サインイン"},
	},
	"zh-Hans": {
		{"2fa", "两步", "双重验证", "两步验证", "双因素"},
		{"pw", "密码", "口令"},
		{"login", "登录", "登入"},
	},
}

// maxSynonymWords is the longest member, in words.
const maxSynonymWords = 3

// synonyms maps a language to its member → alternatives: every member (its
// folded words joined by spaces) to the folded members of its other groups' members.
type synonyms map[string]map[string][][]string

var synonymIndex = buildSynonyms(synonymTable)

func buildSynonyms(table map[string][][]string) synonyms {
	fold := func(member string) []string {
		var ws []string
		for _, t := range parseQuery(member) {
			ws = append(ws, t.folded)
		}
		return ws
	}
	out := synonyms{}
	add := func(lang string, group []string) {
		m := out[lang]
		if m == nil {
			m = map[string][][]string{}
			out[lang] = m
		}
		var members [][]string
		for _, g := range group {
			if ws := fold(g); len(ws) > 0 && len(ws) <= maxSynonymWords {
				members = append(members, ws)
			}
		}
		for _, mem := range members {
			key := joinWords(mem)
			for _, other := range members {
				if joinWords(other) != key && !containsPhrase(m[key], other) {
					m[key] = append(m[key], other)
				}
			}
		}
	}
	for lang, groups := range table {
		if lang == "" {
			continue
		}
		for _, g := range groups {
			add(lang, g)
		}
	}
	// The common groups go into every language named and into "".
	langs := []string{""}
	for lang := range table {
		if lang != "" {
			langs = append(langs, lang)
		}
	}
	for _, lang := range langs {
		for _, g := range table[""] {
			add(lang, g)
		}
	}
	return out
}

func joinWords(ws []string) string {
	s := ""
	for i, w := range ws {
		if i > 0 {
			s += " "
		}
		s += w
	}
	return s
}

func containsPhrase(list [][]string, p []string) bool {
	k := joinWords(p)
	for _, q := range list {
		if joinWords(q) == k {
			return true
		}
	}
	return false
}

// of returns the synonym map of lang (the common one when lang has none).
func (s synonyms) of(lang string) map[string][][]string {
	if m, ok := s[lang]; ok {
		return m
	}
	return s[""]
}

// expandSynonyms merges runs of query words that are a member of a group
// into one term (a phrase: its folded words joined by spaces) carrying the
// group's other members as alternatives.
func expandSynonyms(lang string, terms []term) []term {
	m := synonymIndex.of(lang)
	if len(m) == 0 {
		return terms
	}
	var out []term
	for i := 0; i < len(terms); {
		matched := false
		for n := min(maxSynonymWords, len(terms)-i); n >= 1; n-- {
			ws := make([]string, n)
			for j := range n {
				ws[j] = terms[i+j].folded
			}
			alts, ok := m[joinWords(ws)]
			if !ok {
				continue
			}
			// A run of words stays one term: its own words are a phrase.
			t := term{word: showTerms(terms[i : i+n]), folded: joinWords(ws)}
			for _, a := range alts {
				t.alts = append(t.alts, joinWords(a))
			}
			out = append(out, t)
			i += n
			matched = true
			break
		}
		if !matched {
			out = append(out, terms[i])
			i++
		}
	}
	return out
}
