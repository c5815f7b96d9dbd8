-- Categories editors change (issue 13, item 7): a category's name and
-- description per language. Without a row (or with an empty field) the page
-- shows the locale file's text (section.KEY, section.KEY.intro) for the six
-- categories of 0001, so existing pages render as before until an editor
-- changes something; a category an editor created falls back to its name in
-- another language. categories.position (0001) is the display order.
CREATE TABLE category_texts (
    category TEXT NOT NULL REFERENCES categories (key) ON DELETE CASCADE,
    lang     TEXT NOT NULL,
    name     TEXT NOT NULL DEFAULT '',
    intro    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (category, lang)
);
