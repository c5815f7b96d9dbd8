package kb

import "strings"

// Tokens returns the words of s exactly as the search index stores them
// (lower-cased and folded, CJK runs as bigrams plus their last character; see
// text.go), for other rooms that index text their own way, such as the
// tickets' blind index of keyed word hashes.
func Tokens(s string) []string { return strings.Fields(indexText(s)) }
