// Package locales holds the UI message files (one per language) and everything
// about choosing a language: the go-i18n bundle, negotiation, and lookups.
package locales

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// Message files are ROOM.LANG.toml: active.* for the portal and accounts, and
// one set per later room (tickets.*, desk.*, …) so that rooms never edit the
// same file. Every room has a file for every language.
//
//go:embed *.toml
var files embed.FS

// Default is the source language: every message exists in it.
const Default = "en"

// names are the languages' own names (endonyms): a visitor looks for "Deutsch",
// not for the word for German in the language they cannot read.
var names = map[string]string{
	"en": "English", "es": "Español", "fr": "Français", "de": "Deutsch", "pt-BR": "Português (Brasil)",
	"ar": "العربية", "zh-Hans": "简体中文", "ja": "日本語",
}

// Name is the language's name in that language ("Deutsch"); its code if unknown.
func Name(code string) string {
	if n, ok := names[code]; ok {
		return n
	}
	return code
}

// rtl lists the right-to-left languages we may ship.
var rtl = map[string]bool{"ar": true, "he": true, "fa": true, "ur": true}

// Catalog is the set of UI languages, built once at start.
type Catalog struct {
	bundle     *i18n.Bundle
	langs      []string // URL codes, Default first
	matcher    language.Matcher
	localizers map[string]*Localizer
}

// Load builds the catalog from the embedded message files.
func Load() (*Catalog, error) { return LoadFS(files) }

// LoadFS builds a catalog from the ROOM.LANG.toml files in fsys.
func LoadFS(fsys fs.FS) (*Catalog, error) {
	bundle := i18n.NewBundle(language.MustParse(Default))
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	names, err := fs.Glob(fsys, "*.*.toml")
	if err != nil {
		return nil, err
	}
	c := &Catalog{bundle: bundle, localizers: map[string]*Localizer{}}
	seen := map[string]bool{}
	for _, name := range names {
		if _, err := bundle.LoadMessageFileFS(fsys, name); err != nil {
			return nil, fmt.Errorf("load %s: %w", name, err)
		}
		code := FileLanguage(name)
		if !seen[code] {
			seen[code] = true
			c.langs = append(c.langs, code)
		}
	}
	sort.Slice(c.langs, func(i, j int) bool {
		if (c.langs[i] == Default) != (c.langs[j] == Default) {
			return c.langs[i] == Default
		}
		return c.langs[i] < c.langs[j]
	})
	if len(c.langs) == 0 || c.langs[0] != Default {
		return nil, fmt.Errorf("no message file for the default language %q", Default)
	}
	tags := make([]language.Tag, len(c.langs))
	for i, code := range c.langs {
		tags[i] = language.MustParse(code)
		c.localizers[code] = &Localizer{lang: code, l: i18n.NewLocalizer(bundle, code, Default), printer: message.NewPrinter(tags[i])}
	}
	c.matcher = language.NewMatcher(tags)
	return c, nil
}

// FileLanguage is the language code of a message file name ROOM.LANG.toml.
func FileLanguage(name string) string {
	_, rest, _ := strings.Cut(path.Base(name), ".")
	return strings.TrimSuffix(rest, ".toml")
}

// Languages lists the URL codes of the UI languages, the default first.
func (c *Catalog) Languages() []string { return c.langs }

// Supported reports whether code is one of our URL language codes.
func (c *Catalog) Supported(code string) bool { _, ok := c.localizers[code]; return ok }

// Negotiate picks the best language for an Accept-Language header value.
func (c *Catalog) Negotiate(acceptLanguage string) string {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return Default
	}
	_, index, confidence := c.matcher.Match(tags...)
	if confidence == language.No {
		return Default
	}
	return c.langs[index]
}

// Localizer returns the localizer of a supported language (the default one otherwise).
func (c *Catalog) Localizer(code string) *Localizer {
	if l, ok := c.localizers[code]; ok {
		return l
	}
	return c.localizers[Default]
}

// Text is message id in language code (the default language when code is not
// supported) with its placeholders filled from data; a missing message gives
// its ID, as T does. Domain rooms that write mail (tickets) reach the catalog
// through an interface of their own that this method satisfies, so they
// import no locales and no go-i18n.
func (c *Catalog) Text(code, id string, data map[string]string) string {
	args := make([]any, 0, 2*len(data))
	for k, v := range data {
		args = append(args, k, v)
	}
	return c.Localizer(code).T(id, args...)
}

// Localizer translates message IDs for one language.
type Localizer struct {
	lang    string
	l       *i18n.Localizer
	printer *message.Printer
	plain   sync.Map // message ID → text, for messages without arguments
}

// Number writes n the language's way.
func (l *Localizer) Number(n int) string { return l.printer.Sprint(number.Decimal(n)) }

// Lang is the language code of the localizer.
func (l *Localizer) Lang() string { return l.lang }

// Dir is "rtl" for right-to-left languages, "ltr" otherwise.
func (l *Localizer) Dir() string { return DirOf(l.lang) }

// DirOf is the writing direction of a language code: "rtl" or "ltr".
func DirOf(code string) string {
	if rtl[code] {
		return "rtl"
	}
	return "ltr"
}

// T translates a message. args are name/value pairs for its placeholders:
// T("search.results", "Query", q). A missing message shows its ID, never a panic.
func (l *Localizer) T(id string, args ...any) string {
	if len(args) == 0 {
		if s, ok := l.plain.Load(id); ok {
			return s.(string)
		}
	}
	cfg := &i18n.LocalizeConfig{MessageID: id, TemplateData: pairs(args)}
	s, err := l.l.Localize(cfg)
	if err != nil && s == "" {
		return id
	}
	if len(args) == 0 {
		l.plain.Store(id, s)
	}
	return s
}

// N translates a message with plural forms for count, available as {{.Count}}
// written the language's way (Arabic digits in Arabic, grouping separators).
func (l *Localizer) N(id string, count int, args ...any) string {
	data := pairs(args)
	if data == nil {
		data = map[string]any{}
	}
	data["Count"] = l.Number(count)
	s, err := l.l.Localize(&i18n.LocalizeConfig{MessageID: id, PluralCount: count, TemplateData: data})
	if err != nil && s == "" {
		return id
	}
	return s
}

func pairs(args []any) map[string]any {
	if len(args) == 0 {
		return nil
	}
	m := make(map[string]any, len(args)/2)
	for i := 0; i+1 < len(args); i += 2 {
		if k, ok := args[i].(string); ok {
			m[k] = args[i+1]
		}
	}
	return m
}
