// Package testmail is the test double of a mail server: a mail.Sender that
// records what it is given. Only tests import it.
package testmail

import (
	"context"
	"slices"
	"sync"
	"testing"

	"zerodesk/internal/mail"
)

// Mailbox is a mail.Sender that records what it is given.
type Mailbox struct {
	mu   sync.Mutex
	sent []mail.Envelope
}

// Send records e.
func (m *Mailbox) Send(_ context.Context, e mail.Envelope) error {
	m.mu.Lock()
	m.sent = append(m.sent, e)
	m.mu.Unlock()
	return nil
}

// Sent is every envelope sent so far, oldest first.
func (m *Mailbox) Sent() []mail.Envelope {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.sent)
}

// Len is how many envelopes were sent.
func (m *Mailbox) Len() int { m.mu.Lock(); defer m.mu.Unlock(); return len(m.sent) }

// Last is the newest envelope; the test fails when none was sent.
func (m *Mailbox) Last(t testing.TB) mail.Envelope {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.sent) == 0 {
		t.Fatal("no mail was sent")
	}
	return m.sent[len(m.sent)-1]
}
