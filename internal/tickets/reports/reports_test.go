package reports

import (
	"context"
	"testing"
	"time"

	"zerodesk/internal/errs"
	"zerodesk/internal/store/storetest"
)

func TestDurations_MedianAndP90ByNearestRank(t *testing.T) {
	cases := []struct {
		in          []int64
		median, p90 int64
	}{
		{nil, 0, 0},
		{[]int64{42}, 42, 42},
		{[]int64{7200, 600, 3600, 1200}, 1200, 7200},
		{[]int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 5, 9},
		{[]int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 6, 10},
		{[]int64{5, 5, 5, 100}, 5, 100},
	}
	for _, tc := range cases {
		d := durations(tc.in)
		if d.N != len(tc.in) || d.Median != time.Duration(tc.median)*time.Second || d.P90 != time.Duration(tc.p90)*time.Second {
			t.Errorf("durations(%v) = %+v, want median %d s, p90 %d s", tc.in, d, tc.median, tc.p90)
		}
	}
	if (Attainment{Met: 2, N: 3}).Percent() != 67 || (Attainment{}).Percent() != 0 {
		t.Error("attainment percent")
	}
}

// TestReport_DaysBacklogTimesAttainmentRatingsAndGroups: three days in
// Berlin across the change to summer time (29 March 2026 has 23 hours).
func TestReport_DaysBacklogTimesAttainmentRatingsAndGroups(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	at := func(s string) int64 {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, berlin)
		if err != nil {
			t.Fatal(err)
		}
		return tm.Unix()
	}
	h := int64(3600)
	seed(t, db, 0, []seedTicket{
		// Before the range, resolved on its last day: backlog 1 at the start.
		{created: at("2026-03-20 10:00"), firstResp: at("2026-03-20 11:00"), frWork: h, frDue: at("2026-03-20 18:00"),
			resolved: at("2026-03-30 09:00"), resWork: 20 * h, resDue: at("2026-03-25 09:00"), topic: "billing", assignee: 7},
		// 28 March: three new tickets.
		{created: at("2026-03-28 00:30"), firstResp: at("2026-03-28 00:40"), frWork: 600, frDue: at("2026-03-28 08:30"),
			resolved: at("2026-03-29 23:30"), resWork: 2 * h, resDue: at("2026-03-31 00:00"), topic: "billing", assignee: 7,
			score: 5, ratedAt: at("2026-03-30 10:00"), comment: true},
		{created: at("2026-03-28 12:00"), firstResp: at("2026-03-28 12:20"), frWork: 1200, frDue: at("2026-03-28 20:00"),
			topic: "account", assignee: 8},
		{created: at("2026-03-28 23:59"), topic: "account", frDue: at("2026-03-29 08:00"), resDue: at("2026-04-05 08:00")},
		// 29 March (23 hours): one, answered late, resolved the same day.
		{created: at("2026-03-29 03:00"), firstResp: at("2026-03-29 13:00"), frWork: 2 * h, frDue: at("2026-03-29 11:00"),
			resolved: at("2026-03-29 14:00"), resWork: 3 * h, resDue: at("2026-03-30 03:00"), topic: "billing", assignee: 8,
			score: 3, ratedAt: at("2026-03-29 15:00")},
		// After the range: not counted.
		{created: at("2026-03-31 00:00"), topic: "billing"},
	})
	rp := New(db)
	day := func(s string) time.Time { tm, _ := time.ParseInLocation(time.DateOnly, s, berlin); return tm }
	rep, err := rp.Run(ctx, Query{From: day("2026-03-28"), To: day("2026-03-30"), Loc: berlin, By: ByTopic})
	if err != nil {
		t.Fatal(err)
	}
	wantDays := []Day{{"2026-03-28", 3, 0, 4}, {"2026-03-29", 1, 2, 3}, {"2026-03-30", 0, 1, 2}}
	if len(rep.Days) != 3 {
		t.Fatalf("days %+v", rep.Days)
	}
	for i, d := range wantDays {
		if rep.Days[i] != d {
			t.Errorf("day %d = %+v, want %+v", i, rep.Days[i], d)
		}
	}
	tot := rep.Total
	if tot.Created != 4 || tot.Resolved != 3 {
		t.Errorf("total created %d resolved %d", tot.Created, tot.Resolved)
	}
	// First answers in the range: 600, 1200, 7200 s (the old ticket's was before).
	if tot.FirstResponse != (Durations{N: 3, Median: 1200 * time.Second, P90: 2 * time.Hour}) {
		t.Errorf("first response %+v", tot.FirstResponse)
	}
	if tot.FirstResponseMet != (Attainment{Met: 2, N: 3}) {
		t.Errorf("first response met %+v", tot.FirstResponseMet)
	}
	// Resolutions: 2 h, 3 h, 20 h; the old ticket's was late.
	if tot.Resolution != (Durations{N: 3, Median: 3 * time.Hour, P90: 20 * time.Hour}) || tot.ResolutionMet != (Attainment{Met: 2, N: 3}) {
		t.Errorf("resolution %+v met %+v", tot.Resolution, tot.ResolutionMet)
	}
	if tot.Ratings.N != 2 || tot.Ratings.Count[5] != 1 || tot.Ratings.Count[3] != 1 || tot.Ratings.Average10() != 40 {
		t.Errorf("ratings %+v", tot.Ratings)
	}
	// The commented rating is listed by its ticket's reference, never its text.
	if len(rep.Commented) != 1 || rep.Commented[0].Reference != "ZD-0000-0001" || rep.Commented[0].Score != 5 {
		t.Errorf("commented ratings %+v", rep.Commented)
	}
	if len(rep.Groups) != 2 || rep.Groups[0].Key != "account" && rep.Groups[0].Key != "billing" {
		t.Fatalf("groups %+v", rep.Groups)
	}
	for _, g := range rep.Groups {
		switch g.Key {
		case "billing":
			if g.Created != 2 || g.Resolved != 3 || g.ResolutionMet.Met != 2 {
				t.Errorf("billing %+v", g.Figures)
			}
		case "account":
			if g.Created != 2 || g.Resolved != 0 || g.FirstResponse.N != 1 {
				t.Errorf("account %+v", g.Figures)
			}
		}
	}
	byAgent, err := rp.Run(ctx, Query{From: day("2026-03-28"), To: day("2026-03-30"), Loc: berlin, By: ByAgent})
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]int{}
	for _, g := range byAgent.Groups {
		keys[g.Key] = g.Created
	}
	if keys["7"] != 1 || keys["8"] != 2 || keys[""] != 1 {
		t.Errorf("by agent %v", keys)
	}

	// By tag: a ticket counts in each of its tags' groups; "" is untagged.
	for ref, tags := range map[string][]string{"ZD-0000-0000": {"vip"}, "ZD-0000-0001": {"vip", "refund"}, "ZD-0000-0004": {"refund"},
		"ZD-0000-0005": {"later"}} {
		for _, tag := range tags {
			if _, err := db.Write.ExecContext(ctx, `INSERT INTO ticket_tags (tag, ticket_id, closed, next_due, updated_at, status, priority,
				topic, assignee_id) SELECT $1, id, closed, next_due, updated_at, status, priority, topic, assignee_id FROM tickets
				WHERE reference = $2`, tag, ref); err != nil {
				t.Fatal(err)
			}
		}
	}
	byTag, err := rp.Run(ctx, Query{From: day("2026-03-28"), To: day("2026-03-30"), Loc: berlin, By: ByTag})
	if err != nil {
		t.Fatal(err)
	}
	type cr struct{ created, resolved int }
	got := map[string]cr{}
	for _, g := range byTag.Groups {
		got[g.Key] = cr{g.Created, g.Resolved}
	}
	want := map[string]cr{"vip": {1, 2}, "refund": {2, 2}, "": {2, 0}}
	if len(got) != len(want) || got["vip"] != want["vip"] || got["refund"] != want["refund"] || got[""] != want[""] {
		t.Errorf("by tag %v, want %v (a tag of a ticket outside the range is no group)", got, want)
	}
	if byTag.Total != rep.Total {
		t.Errorf("the total depends on the dimension: %+v vs %+v", byTag.Total, rep.Total)
	}
}

func TestReport_RefusesBadRangesAndDimensions(t *testing.T) {
	rp := New(storetest.Open(t))
	d := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, q := range []Query{
		{From: d, To: d.AddDate(0, 0, -1)},
		{From: d, To: d.AddDate(0, 0, MaxDays+1)},
		{To: d},
	} {
		if _, err := rp.Run(context.Background(), q); errs.MessageIDOf(err) != MsgRangeInvalid {
			t.Errorf("%v–%v: %v", q.From, q.To, err)
		}
	}
	if _, err := rp.Run(context.Background(), Query{From: d, To: d, By: "mood"}); errs.MessageIDOf(err) != MsgDimensionInvalid {
		t.Errorf("dimension: %v", err)
	}
	rep, err := rp.Run(context.Background(), Query{From: d, To: d})
	if err != nil || len(rep.Days) != 1 || rep.Total.Created != 0 {
		t.Fatalf("empty report %+v %v", rep, err)
	}
}
