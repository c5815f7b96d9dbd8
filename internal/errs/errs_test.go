package errs

import (
	"errors"
	"fmt"
	"testing"
)

func TestPass(t *testing.T) {
	t.Parallel()
	plain := errors.New("disk full")
	for _, tc := range []struct {
		name string
		err  error
		code Code
		msg  string
	}{
		{"invalid", E(Invalid, "a.invalid"), Invalid, "a.invalid"},
		{"conflict", E(Conflict, "a.conflict"), Conflict, "a.conflict"},
		{"not found", E(NotFound, "a.not_found"), NotFound, "a.not_found"},
		{"forbidden", E(Forbidden, "a.forbidden"), Forbidden, "a.forbidden"},
		{"rate limited", E(RateLimited, "a.limited"), RateLimited, "a.limited"},
		{"wrapped domain error", fmt.Errorf("step: %w", E(Conflict, "a.conflict")), Conflict, "a.conflict"},
		{"internal", Wrap(plain, "inner"), Internal, "error.internal"},
		{"plain", plain, Internal, "error.internal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Pass(tc.err, "outer")
			if CodeOf(got) != tc.code || MessageIDOf(got) != tc.msg {
				t.Errorf("Pass(%v) = %v (%s, %s), want %s, %s", tc.err, got, CodeOf(got), MessageIDOf(got), tc.code, tc.msg)
			}
			if !errors.Is(got, tc.err) {
				t.Errorf("Pass(%v) = %v lost its cause", tc.err, got)
			}
		})
	}
	if Pass(nil, "outer") != nil {
		t.Error("Pass(nil) is not nil")
	}
}

func TestIsRefusal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{E(Invalid, "x"), true},
		{E(Conflict, "x"), true},
		{E(NotFound, "x"), true},
		{E(Forbidden, "x"), true},
		{E(RateLimited, "x"), true},
		{fmt.Errorf("step: %w", E(Invalid, "x")), true},
		{E(Internal, "x"), false},
		{Wrap(errors.New("boom"), "x"), false},
		{errors.New("boom"), false},
		{nil, false},
	} {
		if got := IsRefusal(tc.err); got != tc.want {
			t.Errorf("IsRefusal(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
