package views

import (
	"fmt"
	"testing"
)

func TestPageNumbers_FirstLastAndAWindow(t *testing.T) {
	for _, tt := range []struct {
		cur, pages int
		want       string
	}{
		{1, 1, "[1]"},
		{1, 3, "[1 2 3]"},
		{1, 50, "[1 2 3 4 0 50]"},
		{25, 50, "[1 0 22 23 24 25 26 27 28 0 50]"},
		{50, 50, "[1 0 47 48 49 50]"},
		{5, 9, "[1 2 3 4 5 6 7 8 9]"},
	} {
		if got := fmt.Sprint(pageNumbers(tt.cur, tt.pages)); got != tt.want {
			t.Errorf("pageNumbers(%d, %d) = %s, want %s", tt.cur, tt.pages, got, tt.want)
		}
	}
}
