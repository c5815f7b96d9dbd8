package kb

import "zerodesk/internal/words"

// DiffPart is a piece of a word-level diff: text both sides share (Same),
// only the new side has (Added) or only the old side had (Removed).
type DiffPart struct {
	Text    string
	Added   bool
	Removed bool
}

// maxDiffCells bounds the work of one diff (tokens × tokens of the part
// that differs); beyond it the changed middle is shown as removed and added
// whole.
const maxDiffCells = 4_000_000

// Diff compares two texts word by word: words, the spaces and punctuation
// between them, and each CJK character are the units, so a change shows as
// the words that changed.
func Diff(old, new string) []DiffPart {
	a, b := diffTokens(old), diffTokens(new)
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var out []DiffPart
	add := func(text string, added, removed bool) {
		if text == "" {
			return
		}
		if n := len(out); n > 0 && out[n-1].Added == added && out[n-1].Removed == removed {
			out[n-1].Text += text
			return
		}
		out = append(out, DiffPart{Text: text, Added: added, Removed: removed})
	}
	for _, t := range a[:pre] {
		add(t, false, false)
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if len(ma)*len(mb) > maxDiffCells {
		for _, t := range ma {
			add(t, false, true)
		}
		for _, t := range mb {
			add(t, true, false)
		}
	} else {
		// Longest common subsequence, then walked from the start.
		n, m := len(ma), len(mb)
		lcs := make([][]int32, n+1)
		for i := range lcs {
			lcs[i] = make([]int32, m+1)
		}
		for i := n - 1; i >= 0; i-- {
			for j := m - 1; j >= 0; j-- {
				if ma[i] == mb[j] {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		i, j := 0, 0
		for i < n && j < m {
			switch {
			case ma[i] == mb[j]:
				add(ma[i], false, false)
				i++
				j++
			case lcs[i+1][j] >= lcs[i][j+1]:
				add(ma[i], false, true)
				i++
			default:
				add(mb[j], true, false)
				j++
			}
		}
		for ; i < n; i++ {
			add(ma[i], false, true)
		}
		for ; j < m; j++ {
			add(mb[j], true, false)
		}
	}
	for _, t := range a[len(a)-suf:] {
		add(t, false, false)
	}
	return out
}

// diffTokens cuts s into runs of word characters and runs of everything
// else; a CJK character is a token of its own.
func diffTokens(s string) []string {
	var out []string
	start, kind := 0, -1
	for i, r := range s {
		k := 0
		switch {
		case words.IsCJK(r):
			k = 2
		case words.IsWordRune(r):
			k = 1
		}
		if i > start && (k != kind || k == 2) {
			out = append(out, s[start:i])
			start = i
		}
		kind = k
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}
