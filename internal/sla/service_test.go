package sla

import (
	"context"
	"testing"
	"time"

	"zerodesk/internal/errs"
	"zerodesk/internal/store/storetest"
)

func validSettings() Settings {
	st := Settings{TimeZone: "Europe/Berlin", RiskPercent: 25, Holidays: []string{"2026-12-25"},
		Targets: map[string]Target{}, Topics: map[string]map[string]Target{"billing": {"urgent": {30 * time.Minute, 2 * time.Hour}}}}
	for _, p := range Priorities {
		st.Targets[p] = Target{4 * time.Hour, 24 * time.Hour}
	}
	st.Hours[time.Monday] = []Interval{{Start: 9 * 60, End: 12 * 60}, {Start: 13 * 60, End: 17 * 60}}
	st.Hours[time.Saturday] = []Interval{{Start: 22 * 60, End: 2 * 60}}
	return st
}

func TestService_SavesLoadsAndServesThePolicy(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	defaults := map[string]Target{"normal": {8 * time.Hour, 72 * time.Hour}}
	s, err := New(ctx, db, Options{Defaults: defaults})
	if err != nil {
		t.Fatal(err)
	}
	// Before any policy: every second counts, the defaults apply.
	if !s.Policy().Calendar.Always() {
		t.Fatal("a fresh policy has business hours")
	}
	if fr, res, risk := s.Targets("normal", "billing"); fr != 8*time.Hour || res != 72*time.Hour || risk != DefaultRiskPercent {
		t.Fatalf("default targets %s %s %d", fr, res, risk)
	}
	if err := s.Save(ctx, 1, validSettings()); err != nil {
		t.Fatal(err)
	}
	// A new service reads what was saved.
	s2, err := New(ctx, db, Options{Defaults: defaults})
	if err != nil {
		t.Fatal(err)
	}
	got := s2.Settings()
	if got.TimeZone != "Europe/Berlin" || got.RiskPercent != 25 || len(got.Holidays) != 1 || got.Holidays[0] != "2026-12-25" ||
		len(got.Hours[time.Monday]) != 2 || got.Hours[time.Saturday][0] != (Interval{Start: 22 * 60, End: 2 * 60}) {
		t.Fatalf("settings read back: %+v", got)
	}
	if fr, _, risk := s2.Targets("urgent", "billing"); fr != 30*time.Minute || risk != 25 {
		t.Fatalf("topic override: %s %d", fr, risk)
	}
	if fr, _, _ := s2.Targets("urgent", "account"); fr != 4*time.Hour {
		t.Fatalf("default for another topic: %s", fr)
	}
	mon := time.Date(2026, 3, 2, 10, 0, 0, 0, got.hoursLocation())
	if v1, v2 := s.Version(), s2.Version(); v1 < 2 || v2 != 1 {
		t.Fatalf("versions %d (after a save) and %d (loaded once): a save must change the version", v1, v2)
	}
	if due := s2.Calendar().Add(mon, 3*time.Hour); !due.Equal(time.Date(2026, 3, 2, 14, 0, 0, 0, got.hoursLocation())) {
		t.Fatalf("Add over lunch = %s", due)
	}
}

func (st Settings) hoursLocation() *time.Location {
	loc, _ := time.LoadLocation(st.TimeZone)
	return loc
}

func TestService_RefusesBadSettingsAndKeepsThePolicy(t *testing.T) {
	ctx := context.Background()
	s, err := New(ctx, storetest.Open(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		edit func(*Settings)
		msg  string
	}{
		{"unknown zone", func(st *Settings) { st.TimeZone = "Mars/Olympus" }, MsgTimeZoneInvalid},
		{"empty zone", func(st *Settings) { st.TimeZone = "" }, MsgTimeZoneInvalid},
		{"hour out of range", func(st *Settings) { st.Hours[1] = []Interval{{Start: 9 * 60, End: 25 * 60}} }, MsgHoursInvalid},
		{"bad holiday", func(st *Settings) { st.Holidays = []string{"2026-02-30"} }, MsgHolidayInvalid},
		{"risk 0", func(st *Settings) { st.RiskPercent = 0 }, MsgRiskInvalid},
		{"risk 100", func(st *Settings) { st.RiskPercent = 100 }, MsgRiskInvalid},
		{"missing priority", func(st *Settings) { delete(st.Targets, "low") }, MsgTargetInvalid},
		{"first after resolution", func(st *Settings) { st.Targets["low"] = Target{48 * time.Hour, time.Hour} }, MsgTargetInvalid},
		{"override of no priority", func(st *Settings) { st.Topics["x"] = map[string]Target{"soon": {time.Hour, 2 * time.Hour}} }, MsgTargetInvalid},
	}
	for _, tc := range cases {
		st := validSettings()
		tc.edit(&st)
		err := s.Save(ctx, 1, st)
		if errs.CodeOf(err) != errs.Invalid || errs.MessageIDOf(err) != tc.msg {
			t.Errorf("%s: err %v, want %s", tc.name, err, tc.msg)
		}
	}
	if !s.Policy().Calendar.Always() {
		t.Error("a refused save changed the policy")
	}
}
