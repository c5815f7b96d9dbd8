package tickets

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Notifier is told, in the event's own transaction, of the events agents
// may be notified of (the wiring passes *notify.Service; the rooms do not
// import each other). kind is one of the Notify… constants; actor is the
// agent who acted (0: the customer); agents are the agents the event names.
// Only references go across: never a subject, name or body.
type Notifier interface {
	TicketEvent(ctx context.Context, tx *sql.Tx, kind string, ticketID int64, topic string, actor int64, agents []int64) error
}

// The events a Notifier is told of (notify.Kind's values).
const (
	NotifyNewTicket     = "new_ticket"     // a ticket was submitted in topic
	NotifyCustomerReply = "customer_reply" // the customer replied; agents: the assignee
	NotifyAssigned      = "assigned"       // agents: the new assignee
	NotifyMention       = "mention"        // an internal note mentions agents
)

// notify tells the Notifier, when there is one.
func (s *Service) notify(ctx context.Context, tx *sql.Tx, kind string, r *row, topic string, actor int64, agents ...int64) error {
	if s.opts.Notifier == nil {
		return nil
	}
	return s.opts.Notifier.TicketEvent(ctx, tx, kind, r.id, topic, actor, agents)
}

// MentionHandle is how an agent named name is mentioned in an internal note:
// "@" and their desk name's letters and digits, lower-case ("Ana Lima" is
// @analima; @ana.lima and @Ana_Lima are the same). An agent whose first name
// no other agent shares is also mentioned by it (@ana).
func MentionHandle(name string) string { return handleOf(name) }

func handleOf(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mentions are the agents (of names, id → desk name) a note's text
// mentions, by MentionHandle or by a first name no other agent shares.
func mentions(body string, names map[int64]string) []int64 {
	if !strings.Contains(body, "@") || len(names) == 0 {
		return nil
	}
	full := make(map[string]int64, len(names))
	first := map[string]int64{}
	for id, n := range names {
		full[handleOf(n)] = id
		f := handleOf(strings.Fields(n + " ")[0])
		if _, taken := first[f]; taken {
			first[f] = -1 // shared: not a handle
		} else {
			first[f] = id
		}
	}
	var out []int64
	for i := 0; i < len(body); i++ {
		if prev, _ := utf8.DecodeLastRuneInString(body[:i]); body[i] != '@' || (i > 0 && isHandleRune(prev)) {
			continue // an address's @ is not a mention
		}
		j := i + 1
		for j < len(body) {
			r, size := utf8.DecodeRuneInString(body[j:])
			if !isHandleRune(r) && r != '.' && r != '_' && r != '-' {
				break
			}
			j += size
		}
		word := strings.TrimRight(body[i+1:j], "._-")
		h := handleOf(word)
		if h == "" {
			continue
		}
		if id, ok := full[h]; ok {
			out = append(out, id)
		} else if id, ok := first[h]; ok && id > 0 {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func isHandleRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
