package views

import (
	"context"
	"io"
	"strconv"
	"testing"
	"time"

	"zerodesk/internal/sla"
	"zerodesk/internal/tickets"
)

// BenchmarkQueueRegionSLA: bench/RESULTS.md "Issue 14". The queue's list of
// 20 lines rendered without the working-time line and with it (an office
// calendar in Berlin, due times spread over two weeks, a third waiting).
func BenchmarkQueueRegionSLA(b *testing.B) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	cal := sla.Calendar{Location: berlin, Holidays: map[string]bool{"2026-03-06": true}}
	for d := time.Monday; d <= time.Friday; d++ {
		cal.Hours[d] = []sla.Interval{{Start: 9 * 60, End: 12 * 60}, {Start: 13 * 60, End: 17 * 60}}
	}
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, berlin)
	q := &tickets.Queue{Total: 20}
	for i := 0; i < 20; i++ {
		due := now.Add(time.Duration(i*17) * time.Hour)
		q.Tickets = append(q.Tickets, tickets.Summary{ID: int64(i), Reference: "ZD-0000-" + strconv.Itoa(1000+i), Subject: "Subject",
			CustomerName: "Name", Topic: "account", Status: tickets.StatusOpen, Priority: tickets.PriorityNormal,
			CreatedAt: now.Add(-time.Hour), UpdatedAt: now, FirstResponseDue: due, ResolutionDue: due,
			Waiting: i%3 == 0, SLA: tickets.SLAState(i % 3)})
	}
	for _, bc := range []struct {
		name string
		sla  DeskSLA
	}{
		{"without", DeskSLA{}},
		{"with-sla", DeskSLA{Now: now, WorkLeft: cal.Left}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			v := DeskQueueView{Queue: q, Now: now, SLA: bc.sla}
			ctx := context.Background()
			for i := 0; i < b.N; i++ {
				if err := DeskQueueRegion(v).Render(ctx, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
