package kb

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"zerodesk/internal/errs"
)

// Categories editors change (issue 13, item 7): create, name and describe
// per language, reorder, delete when empty. The six categories of migration
// 0001 keep their locale texts (section.KEY) as the fallback, so pages look
// as before until an editor names one; a category's key is its address
// (/sections/KEY) and never changes.

// Message IDs of the category refusals.
const (
	MsgCategoryNameRequired = "kb.category.name_required"
	MsgCategoryTooLong      = "kb.category.too_long"
	MsgCategoryNotFound     = "kb.category.not_found"
	MsgCategoryNotEmpty     = "kb.category.not_empty"
)

// Limits of a category's texts.
const (
	MaxCategoryName  = 80
	MaxCategoryIntro = 300
	maxCategories    = 60
)

// CategoryInfo is one category as editors see it.
type CategoryInfo struct {
	Key      Category
	Position int
	Names    map[string]string // by language: what editors wrote; missing: the fallback
	Intros   map[string]string
	Articles int // articles in it, or whose newest or scheduled text puts them in it
}

// Builtin reports whether the category is one of migration 0001's, whose
// texts are in the locale files.
func (c CategoryInfo) Builtin() bool { return slices.Contains(Categories, c.Key) }

// Sections are the categories in display order, as loaded with the catalog.
type Sections struct {
	list  []CategoryInfo
	byKey map[Category]int
	stamp string
}

// Stamp tells the names and descriptions editors gave apart: "" when they
// gave none, else a hash of them all. Parts of pages rendered once and kept
// (the side panels) are kept per stamp.
func (s *Sections) Stamp() string {
	if s == nil {
		return ""
	}
	return s.stamp
}

// List returns the categories in display order.
func (s *Sections) List() []CategoryInfo {
	if s == nil {
		return nil
	}
	return s.list
}

// Keys returns the categories' keys in display order.
func (s *Sections) Keys() []Category {
	if s == nil {
		return slices.Clone(Categories)
	}
	out := make([]Category, len(s.list))
	for i, c := range s.list {
		out[i] = c.Key
	}
	return out
}

// Has reports whether c is a category.
func (s *Sections) Has(c Category) bool {
	if s == nil {
		return slices.Contains(Categories, c)
	}
	_, ok := s.byKey[c]
	return ok
}

// Text returns the name and description editors gave c in lang ("" each for
// none: the caller falls back to the locale text), and whether c is builtin.
func (s *Sections) Text(c Category, lang string) (name, intro string, builtin bool) {
	builtin = slices.Contains(Categories, c)
	if s == nil {
		return "", "", builtin
	}
	i, ok := s.byKey[c]
	if !ok {
		return "", "", builtin
	}
	return s.list[i].Names[lang], s.list[i].Intros[lang], builtin
}

// AnyName is a name editors gave c in some language, English first, for a
// category without a name in the page's language nor a locale text.
func (s *Sections) AnyName(c Category) string {
	if s == nil {
		return string(c)
	}
	i, ok := s.byKey[c]
	if !ok {
		return string(c)
	}
	names := s.list[i].Names
	if n := names[sourceLanguage]; n != "" {
		return n
	}
	for _, lang := range slices.Sorted(maps.Keys(names)) {
		if names[lang] != "" {
			return names[lang]
		}
	}
	return string(c)
}

// Sections returns the categories as last loaded.
func (k *KB) Sections() *Sections { return k.sections.Load() }

// HasCategory reports whether c is a category (for addresses and forms).
func (k *KB) HasCategory(c Category) bool { return k.Sections().Has(c) }

func (k *KB) loadSections(ctx context.Context) error {
	s, err := readSections(ctx, k.db.Read)
	if err != nil {
		return errs.Wrap(err, "kb: load categories")
	}
	k.sections.Store(s)
	return nil
}

// readSections reads the categories as loadSections loads them.
func readSections(ctx context.Context, q querier) (*Sections, error) {
	list, err := categoryList(ctx, q)
	if err != nil {
		return nil, err
	}
	s := &Sections{list: list, byKey: map[Category]int{}}
	h := fnv.New64a()
	texts := false
	for i, c := range list {
		s.byKey[c.Key] = i
		for _, m := range []map[string]string{c.Names, c.Intros} {
			for _, lang := range sortedKeys(m) {
				texts = true
				fmt.Fprintf(h, "%s\x00%s\x00%s\x00", c.Key, lang, m[lang])
			}
		}
	}
	if texts {
		s.stamp = strconv.FormatUint(h.Sum64(), 36)
	}
	return s, nil
}

func categoryList(ctx context.Context, q querier) ([]CategoryInfo, error) {
	rows, err := q.QueryContext(ctx, sqlCatList)
	if err != nil {
		return nil, err
	}
	var out []CategoryInfo
	for rows.Next() {
		c := CategoryInfo{Names: map[string]string{}, Intros: map[string]string{}}
		if err := rows.Scan(&c.Key, &c.Position, &c.Articles); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, sqlCatTexts)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var key, lang, name, intro string
		if err := rows.Scan(&key, &lang, &name, &intro); err != nil {
			rows.Close()
			return nil, err
		}
		for i := range out {
			if string(out[i].Key) == key {
				if name != "" {
					out[i].Names[lang] = name
				}
				if intro != "" {
					out[i].Intros[lang] = intro
				}
			}
		}
	}
	return out, closeRows(rows)
}

// CategoryList reads the categories from the database, in display order.
func (k *KB) CategoryList(ctx context.Context) ([]CategoryInfo, error) {
	list, err := categoryList(ctx, k.db.Read)
	return list, errs.Wrap(err, "kb: list categories")
}

func cleanCategoryText(name, intro string) (string, string, error) {
	name, intro = strings.Join(strings.Fields(name), " "), strings.TrimSpace(intro)
	if utf8.RuneCountInString(name) > MaxCategoryName || utf8.RuneCountInString(intro) > MaxCategoryIntro ||
		!utf8.ValidString(name+intro) {
		return "", "", errs.E(errs.Invalid, MsgCategoryTooLong)
	}
	return name, intro, nil
}

// CreateCategory adds a category at the end, named (and described) in
// lang; its key, its address, is made from the name.
func (k *KB) CreateCategory(ctx context.Context, lang, name, intro string) (Category, error) {
	name, intro, err := cleanCategoryText(name, intro)
	if err != nil {
		return "", err
	}
	if name == "" {
		return "", errs.E(errs.Invalid, MsgCategoryNameRequired)
	}
	if !langRule.MatchString(lang) {
		return "", errs.E(errs.Invalid, MsgEditLangInvalid)
	}
	base := ProposeSlug(name)
	if base == "" || len(base) > 40 {
		base = strings.Trim(base[:min(len(base), 40)], "-")
		if base == "" {
			base = "category"
		}
	}
	var key Category
	span, err := k.categoryTx(ctx, func(tx *sql.Tx) error {
		var n, last int
		if err := tx.QueryRowContext(ctx, sqlCatCount).Scan(&n, &last); err != nil {
			return err
		}
		if n >= maxCategories {
			return errs.E(errs.Invalid, MsgCategoryTooLong)
		}
		key = Category(base)
		for i := 2; ; i++ {
			var taken int
			if err := tx.QueryRowContext(ctx, sqlCatTaken, string(key)).Scan(&taken); err != nil {
				return err
			}
			if taken == 0 {
				break
			}
			key = Category(base + "-" + strconv.Itoa(i))
		}
		if _, err := tx.ExecContext(ctx, sqlInsertCategory, string(key), last+1); err != nil {
			return err
		}
		return k.setCategoryText(ctx, tx, key, lang, name, intro)
	})
	if err != nil {
		return "", errs.Pass(err, "kb: create category")
	}
	return key, k.categoriesChanged(ctx, span)
}

func (k *KB) setCategoryText(ctx context.Context, tx *sql.Tx, key Category, lang, name, intro string) error {
	if name == "" && intro == "" {
		_, err := tx.ExecContext(ctx, sqlCatDropText, string(key), lang)
		return err
	}
	_, err := tx.ExecContext(ctx, sqlCatSetText, string(key), lang, name, intro)
	return err
}

// DescribeCategory sets the category's name and description in lang. Empty
// texts bring back the fallback (the locale's, or another language's name);
// a category an editor created must keep a name in some language.
func (k *KB) DescribeCategory(ctx context.Context, key Category, lang, name, intro string) error {
	name, intro, err := cleanCategoryText(name, intro)
	if err != nil {
		return err
	}
	if !langRule.MatchString(lang) {
		return errs.E(errs.Invalid, MsgEditLangInvalid)
	}
	span, err := k.categoryTx(ctx, func(tx *sql.Tx) error {
		if err := categoryExists(ctx, tx, key); err != nil {
			return err
		}
		if name == "" && !slices.Contains(Categories, key) {
			var others int
			if err := tx.QueryRowContext(ctx, sqlCatOtherNames, string(key), lang).Scan(&others); err != nil {
				return err
			}
			if others == 0 {
				return errs.E(errs.Invalid, MsgCategoryNameRequired)
			}
		}
		return k.setCategoryText(ctx, tx, key, lang, name, intro)
	})
	if err != nil {
		return errs.Pass(err, "kb: describe category")
	}
	return k.categoriesChanged(ctx, span)
}

func categoryExists(ctx context.Context, q querier, key Category) error {
	var n int
	if err := q.QueryRowContext(ctx, sqlCatTaken, string(key)).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return errs.E(errs.NotFound, MsgCategoryNotFound)
	}
	return nil
}

// MoveCategory moves the category one place up (earlier) or down.
func (k *KB) MoveCategory(ctx context.Context, key Category, up bool) error {
	span, err := k.categoryTx(ctx, func(tx *sql.Tx) error {
		list, err := categoryList(ctx, tx)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(list, func(c CategoryInfo) bool { return c.Key == key })
		if i < 0 {
			return errs.E(errs.NotFound, MsgCategoryNotFound)
		}
		j := i + 1
		if up {
			j = i - 1
		}
		if j < 0 || j >= len(list) {
			return nil // already first or last
		}
		list[i], list[j] = list[j], list[i]
		for pos, c := range list {
			if _, err := tx.ExecContext(ctx, sqlCatPlace, string(c.Key), pos+1); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return errs.Pass(err, "kb: move category")
	}
	return k.categoriesChanged(ctx, span)
}

// DeleteCategory removes an empty category. One that still holds articles
// (or an article's newest or scheduled text would put one in it) is refused
// with MsgCategoryNotEmpty and the count.
func (k *KB) DeleteCategory(ctx context.Context, key Category) error {
	span, err := k.categoryTx(ctx, func(tx *sql.Tx) error {
		if err := categoryExists(ctx, tx, key); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, sqlCatUse, string(key)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return &errs.Error{Code: errs.Conflict, MessageID: MsgCategoryNotEmpty, Data: map[string]any{"Count": n}}
		}
		_, err := tx.ExecContext(ctx, sqlCatDelete, string(key))
		return err
	})
	if err != nil {
		return errs.Pass(err, "kb: delete category")
	}
	return k.categoriesChanged(ctx, span)
}

// categoriesChanged patches this instance's catalog after a change of the
// categories across span (categoryTx), and has the others reload.
func (k *KB) categoriesChanged(ctx context.Context, span genSpan) error {
	return k.reloadArticles(ctx, span) // no article: patchSections
}

// checkCategory refuses a draft whose category does not exist.
func checkCategory(ctx context.Context, q querier, c Category) error {
	err := categoryExists(ctx, q, c)
	if errs.CodeOf(err) == errs.NotFound {
		return errs.E(errs.Invalid, MsgEditCategoryInvalid)
	}
	return err
}
