package worktime

import (
	"testing"
	"time"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// office is Monday to Friday, 9:00–12:00 and 13:00–17:00 (7 hours a day).
func office(loc *time.Location, holidays ...string) Calendar {
	c := Calendar{Location: loc, Holidays: map[string]bool{}}
	for d := time.Monday; d <= time.Friday; d++ {
		c.Hours[d] = []Interval{{9 * 60, 12 * 60}, {13 * 60, 17 * 60}}
	}
	for _, h := range holidays {
		c.Holidays[h] = true
	}
	return c
}

func at(loc *time.Location, s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

func TestCalendar_AddAndWorking(t *testing.T) {
	berlin, ny := mustLoc(t, "Europe/Berlin"), mustLoc(t, "America/New_York")
	night := Calendar{Location: berlin}
	for d := time.Sunday; d <= time.Saturday; d++ {
		night.Hours[d] = []Interval{{22 * 60, 6 * 60}} // 22:00–06:00, crossing midnight
	}
	allDay := Calendar{Location: ny}
	for d := time.Sunday; d <= time.Saturday; d++ {
		allDay.Hours[d] = []Interval{{0, 0}} // 24 hours of the wall clock
	}
	cases := []struct {
		name     string
		cal      Calendar
		from     string
		d        time.Duration
		want     string
		loc      *time.Location
		wallDiff time.Duration // expected real elapsed time, when it matters
	}{
		{"within the morning", office(berlin), "2026-03-02 09:30", 2 * time.Hour, "2026-03-02 11:30", berlin, 0},
		{"over lunch", office(berlin), "2026-03-02 11:00", 2 * time.Hour, "2026-03-02 14:00", berlin, 0},
		{"before opening", office(berlin), "2026-03-02 07:00", time.Hour, "2026-03-02 10:00", berlin, 0},
		{"into the next day", office(berlin), "2026-03-02 16:00", 2 * time.Hour, "2026-03-03 10:00", berlin, 0},
		{"Friday evening over the weekend", office(berlin), "2026-03-06 16:30", time.Hour, "2026-03-09 09:30", berlin, 0},
		{"Saturday counts from Monday", office(berlin), "2026-03-07 12:00", 30 * time.Minute, "2026-03-09 09:30", berlin, 0},
		{"a holiday is skipped", office(berlin, "2026-03-03"), "2026-03-02 16:00", 2 * time.Hour, "2026-03-04 10:00", berlin, 0},
		{"exactly at the end of a day", office(berlin), "2026-03-02 09:00", 7 * time.Hour, "2026-03-02 17:00", berlin, 0},
		{"Berlin: spring forward weekend", office(berlin), "2026-03-27 16:00", 2 * time.Hour, "2026-03-30 10:00", berlin, 0},
		{"Berlin: autumn back weekend", office(berlin), "2026-10-23 16:00", 2 * time.Hour, "2026-10-26 10:00", berlin, 0},
		{"New York: spring forward", office(ny), "2026-03-06 16:00", 2 * time.Hour, "2026-03-09 10:00", ny, 0},
		{"New York: 24h day on the spring change is 23 real hours", allDay, "2026-03-08 00:00", 23 * time.Hour, "2026-03-09 00:00", ny, 23 * time.Hour},
		{"New York: 24h day on the autumn change is 25 real hours", allDay, "2026-11-01 00:00", 25 * time.Hour, "2026-11-02 00:00", ny, 25 * time.Hour},
		{"night shift crosses midnight", night, "2026-03-02 23:00", 2 * time.Hour, "2026-03-03 01:00", berlin, 0},
		{"night shift from the afternoon", night, "2026-03-02 15:00", 9 * time.Hour, "2026-03-03 23:00", berlin, 0},
		{"night shift, started the evening before", night, "2026-03-03 05:00", 2 * time.Hour, "2026-03-03 23:00", berlin, 0},
		{"always: plain addition", Calendar{}, "2026-03-07 12:00", 30 * time.Hour, "2026-03-08 18:00", time.UTC, 0},
		{"zero adds nothing", office(berlin), "2026-03-07 12:00", 0, "2026-03-07 12:00", berlin, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			from, want := at(tc.loc, tc.from), at(tc.loc, tc.want)
			got := tc.cal.Add(from, tc.d)
			if !got.Equal(want) {
				t.Fatalf("Add(%s, %s) = %s, want %s", tc.from, tc.d, got.In(tc.loc), want)
			}
			if tc.wallDiff != 0 && got.Sub(from) != tc.wallDiff {
				t.Errorf("real time elapsed %s, want %s", got.Sub(from), tc.wallDiff)
			}
			if tc.d > 0 {
				if w := tc.cal.Working(from, got); w != tc.d {
					t.Errorf("Working(%s, %s) = %s, want %s (Add and Working disagree)", tc.from, tc.want, w, tc.d)
				}
			}
		})
	}
}

func TestCalendar_WorkingAndLeft(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	c := office(berlin, "2026-12-25")
	cases := []struct {
		from, to string
		want     time.Duration
	}{
		{"2026-03-02 08:00", "2026-03-02 18:00", 7 * time.Hour},
		{"2026-03-02 10:00", "2026-03-09 10:00", 5 * 7 * time.Hour},
		{"2026-03-06 17:00", "2026-03-09 09:00", 0},             // the weekend
		{"2026-12-24 16:00", "2026-12-28 10:00", 2 * time.Hour}, // Christmas Day is a holiday
		{"2026-03-02 12:00", "2026-03-02 13:00", 0},             // lunch
		{"2026-03-02 13:00", "2026-03-02 12:00", 0},             // backwards
	}
	for _, tc := range cases {
		if got := c.Working(at(berlin, tc.from), at(berlin, tc.to)); got != tc.want {
			t.Errorf("Working(%s, %s) = %s, want %s", tc.from, tc.to, got, tc.want)
		}
	}
	now := at(berlin, "2026-03-09 10:00")
	if got := c.Left(now, at(berlin, "2026-03-09 14:00")); got != 3*time.Hour {
		t.Errorf("Left before due = %s, want 3h", got)
	}
	if got := c.Left(now, at(berlin, "2026-03-06 16:00")); got != -2*time.Hour {
		t.Errorf("Left after due = %s, want -2h (Friday's last hour and Monday's first)", got)
	}
}

func TestCalendar_NoWorkingTimeNeverComes(t *testing.T) {
	c := Calendar{Location: time.UTC}
	c.Hours[time.Tuesday] = []Interval{{9 * 60, 9*60 + 1}}
	c.Holidays = map[string]bool{}
	// Every Tuesday for ten years a holiday: no working time at all.
	for d := at(time.UTC, "2026-03-01 00:00"); d.Year() < 2037; d = d.AddDate(0, 0, 1) {
		if d.Weekday() == time.Tuesday {
			c.Holidays[d.Format(time.DateOnly)] = true
		}
	}
	if got := c.Add(at(time.UTC, "2026-03-02 00:00"), time.Minute); !Never(got) {
		t.Fatalf("Add over a calendar without working time = %s, want never", got)
	}
}

func TestClock_PausesWhileWaiting(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	cal := office(berlin)
	target := 14 * time.Hour // two working days
	c := Start(at(berlin, "2026-03-02 09:00"))
	if due := c.Due(cal, target); !due.Equal(at(berlin, "2026-03-03 17:00")) {
		t.Fatalf("due = %s", due)
	}
	// Waiting for the customer from Monday 16:00 to Wednesday 11:00: the
	// clock stands, 6 hours counted (9–12, 13–16).
	c = c.Pause(cal, at(berlin, "2026-03-02 16:00"))
	if c.Running() || c.Used != 6*time.Hour {
		t.Fatalf("paused clock = %+v", c)
	}
	if !c.Due(cal, target).IsZero() {
		t.Error("a standing clock has a due time")
	}
	if got := c.Spent(cal, at(berlin, "2026-03-04 10:00")); got != 6*time.Hour {
		t.Errorf("spent while standing = %s", got)
	}
	c = c.Resume(at(berlin, "2026-03-04 11:00"))
	// 8 hours left from Wednesday 11:00: 11–12, 13–17, Thursday 9–12.
	if due := c.Due(cal, target); !due.Equal(at(berlin, "2026-03-05 12:00")) {
		t.Errorf("due after the pause = %s, want Thursday 12:00", due.In(berlin))
	}
	// At risk with 20 % (2h48m) left: 80 % is 11h12m, 5h12m after the resume.
	if risk := c.RiskAt(cal, target, 20); !risk.Equal(at(berlin, "2026-03-05 09:12")) {
		t.Errorf("risk at %s, want Thursday 09:12", risk.In(berlin))
	}
}

func TestClock_RiskAndState(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	cal := office(berlin)
	c := Start(at(berlin, "2026-03-02 09:00"))
	target := 10 * time.Hour
	risk, due := c.RiskAt(cal, target, 20), c.Due(cal, target)
	if !risk.Equal(at(berlin, "2026-03-03 10:00")) || !due.Equal(at(berlin, "2026-03-03 12:00")) {
		t.Fatalf("risk %s due %s", risk.In(berlin), due.In(berlin))
	}
	cases := []struct {
		now  string
		want State
	}{
		{"2026-03-02 17:00", OnTrack},
		{"2026-03-03 10:00", AtRisk},
		{"2026-03-03 12:00", AtRisk},
		{"2026-03-03 12:01", Breached},
	}
	for _, tc := range cases {
		if got := StateAt(at(berlin, tc.now), risk, due); got != tc.want {
			t.Errorf("StateAt(%s) = %s, want %s", tc.now, got, tc.want)
		}
	}
	// Spent beyond the target before a pause: due at once on resume.
	c = Clock{Used: 11 * time.Hour}.Resume(at(berlin, "2026-03-04 09:00"))
	if !c.Due(cal, target).Equal(at(berlin, "2026-03-04 09:00")) {
		t.Errorf("overspent clock due %s", c.Due(cal, target))
	}
}
